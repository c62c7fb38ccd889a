// Tests for datasets/image_resize.h against an independent double-precision
// implementation of PIL's antialiased bilinear resampling
// (tests/datasets/pil_resize_reference.h), on random uint8-valued images.
#include "datasets/image_resize.h"

#include <cmath>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "core/random.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/datasets/pil_resize_reference.h"
#include "tests/status_matchers.h"

namespace nfalab {
namespace {

using ::nfalab::testing::IsOk;
using ::nfalab::testing::PilBilinearResize;
using ::nfalab::testing::StatusIs;
using ::testing::HasSubstr;

// Random pixel values 0..255 (as the sources hand them over).
std::vector<double> RandomImage(int channels, int height, int width,
                                uint64_t seed) {
  Rng rng(seed);
  std::vector<double> image(static_cast<size_t>(channels) * height * width);
  for (double& v : image) v = static_cast<double>(rng.UniformInt(256));
  return image;
}

std::vector<float> Resize(const std::vector<double>& in, int channels, int in_h,
                          int in_w, int out_h, int out_w) {
  const std::vector<float> in_float(in.begin(), in.end());
  std::vector<float> out(static_cast<size_t>(channels) * out_h * out_w, -1);
  EXPECT_THAT(ResizeImage(in_float.data(), channels, in_h, in_w, out_h, out_w,
                          out.data()),
              IsOk());
  return out;
}

// The largest |ResizeImage - reference| over all values, and where.
struct Difference {
  double largest = 0;
  int channel = 0, y = 0, x = 0;
};

Difference Compare(const std::vector<float>& got,
                   const std::vector<double>& expected, int out_h, int out_w) {
  Difference d;
  for (size_t i = 0; i < got.size(); ++i) {
    const double diff = std::fabs(got[i] - expected[i]);
    if (diff > d.largest) {
      d = {diff, static_cast<int>(i / (out_h * out_w)),
           static_cast<int>(i / out_w % out_h), static_cast<int>(i % out_w)};
    }
  }
  return d;
}

struct Case {
  int in_h, in_w, out_h, out_w;
};

// Values 0..255 agree with PIL's arithmetic to within 1e-3 (4e-6 of the
// range) for outputs up to 40 pixels a side: the largest differences seen
// are 5.5e-4 (28 x 28 -> 32 x 32), anywhere in the image, from stb's float
// pixel centres and weights; they grow with the output size (1.9e-3 at 128,
// 4.1e-3 at 200, not tested here). Before the edge correction in
// image_resize.cc, stb's clamped edges put the first and last rows and
// columns up to 13 levels off when shrinking.
constexpr double kTolerance = 1e-3;

TEST(ImageResizeTest, MatchesPilsAntialiasedBilinearResampling) {
  // STL-10's 96 -> 32; GTSRB-like crops shrunk and enlarged; MNIST's 28;
  // non-square inputs and outputs; the ratios 41 and 45 -> 32 abort the
  // packaged libstb (nothings/stb#1449).
  for (const Case& c :
       {Case{96, 96, 32, 32}, Case{30, 30, 32, 32}, Case{57, 57, 32, 32},
        Case{28, 28, 32, 32}, Case{41, 29, 32, 32}, Case{30, 57, 32, 32},
        Case{45, 45, 32, 32}, Case{250, 15, 32, 32}, Case{32, 32, 17, 40},
        Case{5, 7, 3, 2}, Case{1, 9, 4, 3}}) {
    SCOPED_TRACE(
        absl::StrCat(c.in_h, " x ", c.in_w, " -> ", c.out_h, " x ", c.out_w));
    const std::vector<double> in = RandomImage(3, c.in_h, c.in_w, c.in_h);
    const Difference d =
        Compare(Resize(in, 3, c.in_h, c.in_w, c.out_h, c.out_w),
                PilBilinearResize(in, 3, c.in_h, c.in_w, c.out_h, c.out_w),
                c.out_h, c.out_w);
    EXPECT_LE(d.largest, kTolerance)
        << "at channel " << d.channel << ", row " << d.y << ", column " << d.x;
  }
}

TEST(ImageResizeTest, MatchesPilForEveryLengthFrom1To260) {
  // GTSRB's images are 15 to 250 pixels a side; each axis is resized on its
  // own, so 3-pixel-high strips cover every width, and the transpose every
  // height.
  for (int n = 1; n <= 260; ++n) {
    SCOPED_TRACE(absl::StrCat("length ", n));
    for (const Case& c : {Case{3, n, 2, 32}, Case{n, 3, 32, 2}}) {
      const std::vector<double> in = RandomImage(1, c.in_h, c.in_w, n);
      const Difference d =
          Compare(Resize(in, 1, c.in_h, c.in_w, c.out_h, c.out_w),
                  PilBilinearResize(in, 1, c.in_h, c.in_w, c.out_h, c.out_w),
                  c.out_h, c.out_w);
      EXPECT_LE(d.largest, kTolerance)
          << "at row " << d.y << ", column " << d.x;
    }
  }
}

TEST(ImageResizeTest, TheReferenceIsPilsConvention) {
  // Hand-computed for 6 -> 2 (scale 3, support 3): output 0 is centred at
  // 1.5 and takes pixels 0..3 with weights 2/3, 1, 2/3, 1/3 (the tap at -1
  // is outside and dropped), normalised by their sum 8/3.
  const std::vector<double> in = {10, 20, 30, 40, 50, 60};
  const std::vector<double> out = PilBilinearResize(in, 1, 1, 6, 1, 2);
  EXPECT_NEAR(out[0], (2.0 / 3 * 10 + 20 + 2.0 / 3 * 30 + 1.0 / 3 * 40) * 3 / 8,
              1e-12);
  EXPECT_NEAR(out[1], (1.0 / 3 * 30 + 2.0 / 3 * 40 + 50 + 2.0 / 3 * 60) * 3 / 8,
              1e-12);
  const std::vector<float> got = Resize(in, 1, 1, 6, 1, 2);
  EXPECT_NEAR(got[0], out[0], kTolerance);
  EXPECT_NEAR(got[1], out[1], kTolerance);
}

TEST(ImageResizeTest, EqualSizeIsTheIdentity) {
  // The triangle at scale 1 is 1 at the pixel's own centre and 0 at its
  // neighbours'.
  const std::vector<double> in = RandomImage(3, 9, 7, 3);
  const std::vector<float> got = Resize(in, 3, 9, 7, 9, 7);
  for (size_t i = 0; i < in.size(); ++i) EXPECT_EQ(got[i], in[i]) << i;
}

TEST(ImageResizeTest, AConstantImageStaysConstant) {
  for (const Case& c : {Case{96, 96, 32, 32}, Case{30, 57, 32, 32}}) {
    const std::vector<double> in(2 * c.in_h * c.in_w, 77.0);
    for (float v : Resize(in, 2, c.in_h, c.in_w, c.out_h, c.out_w)) {
      EXPECT_NEAR(v, 77.0, 1e-4);
    }
  }
}

TEST(ImageResizeTest, ChannelPlanesAreResizedIndependently) {
  // Channel 1 of a 3-channel image resizes as the same plane on its own,
  // whatever the other planes hold.
  const std::vector<double> rgb = RandomImage(3, 57, 41, 11);
  const std::vector<double> plane(rgb.begin() + 57 * 41,
                                  rgb.begin() + 2 * 57 * 41);
  const std::vector<float> all = Resize(rgb, 3, 57, 41, 32, 32);
  const std::vector<float> alone = Resize(plane, 1, 57, 41, 32, 32);
  for (int i = 0; i < 32 * 32; ++i) EXPECT_EQ(all[32 * 32 + i], alone[i]);
  std::vector<double> changed = rgb;
  for (int i = 0; i < 57 * 41; ++i) changed[i] = 255 - changed[i];
  const std::vector<float> other = Resize(changed, 3, 57, 41, 32, 32);
  for (int i = 32 * 32; i < 3 * 32 * 32; ++i) EXPECT_EQ(other[i], all[i]);
}

TEST(ImageResizeTest, RejectsEmptySizesAndNullPointers) {
  float pixel = 0;
  for (const Case& c :
       {Case{0, 3, 2, 2}, Case{3, 3, 0, 2}, Case{3, -1, 2, 2}}) {
    EXPECT_THAT(
        ResizeImage(&pixel, 1, c.in_h, c.in_w, c.out_h, c.out_w, &pixel),
        StatusIs(absl::StatusCode::kInvalidArgument,
                 HasSubstr("cannot resize")));
  }
  EXPECT_THAT(
      ResizeImage(nullptr, 1, 1, 1, 1, 1, &pixel),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("cannot resize")));
  EXPECT_THAT(
      ResizeImage(&pixel, 0, 1, 1, 1, 1, &pixel),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("cannot resize")));
}

}  // namespace
}  // namespace nfalab
