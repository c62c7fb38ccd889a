// The two file formats of the German Traffic Sign Recognition Benchmark
// (GTSRB): binary PPM images and the semicolon-separated ground-truth CSVs.
//
// PPM ("P6", one image): the magic "P6", whitespace, then the width, height
// and maxval as decimal numbers separated by whitespace (and "#" comments to
// the end of a line), exactly one whitespace byte, then height rows of width
// RGB pixels, one byte per sample. Only maxval 255 is accepted (GTSRB's);
// bytes after the pixels are ignored (PPM allows further images there). The
// header is checked here, because stb_image's own failure reasons are vague
// and it reads a truncated pixel block without complaint; stb_image
// (Debian libstb-dev) then decodes the pixels.
//
// GT CSV (GT-000NN.csv per training class, GT-final_test.csv for the test
// set): the header line
//   Filename;Width;Height;Roi.X1;Roi.Y1;Roi.X2;Roi.Y2;ClassId
// then one row per image, e.g. "00000_00000.ppm;29;30;5;6;24;25;0". Lines
// may end in "\r\n"; blank lines are skipped. The ROI is taken as inclusive
// (X2, Y2 are the last column and row of the sign; the GTSRB description
// does not say, and the sign is surrounded by a margin of at least 5 pixels
// either way), so it must satisfy 0 <= X1 <= X2 < Width and
// 0 <= Y1 <= Y2 < Height.
//
// ParsePpm and ParseGtsrbCsv take untrusted bytes (fuzz them). Errors are
// InvalidArgument "<name>: <problem>", e.g.
//   "a.ppm: not a binary PPM (P6) image: the file starts with \"P3\""
//   "a.ppm: bad PPM header: expected the height, found \"-\""
//   "a.ppm: maxval is 65535; only 8-bit PPM (maxval 255) is supported"
//   "a.ppm: truncated pixel data: 10 bytes, expected 3 x 2 x 2 = 12"
//   "GT-00003.csv: line 1: header is \"a;b\", expected \"Filename;Width;..."
//   "GT-00003.csv: line 4: 7 fields, expected 8"
//   "GT-00003.csv: line 4: Roi.X1 \"x\" is not an integer"
//   "GT-00003.csv: line 4: ClassId 43 is outside [0, 43)"
//   "GT-00003.csv: line 4: ROI columns 5..29 are outside the image's
//    columns 0..28"
//   "GT-00003.csv: line 4: Roi.Y1 9 > Roi.Y2 3"
#ifndef NFALAB_DATASETS_GTSRB_H_
#define NFALAB_DATASETS_GTSRB_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace nfalab {

inline constexpr int kGtsrbClasses = 43;

// The largest width or height accepted in a PPM header or a CSV row (GTSRB's
// largest images are 250 x 250).
inline constexpr int kMaxGtsrbImageSide = 1 << 14;

struct PpmImage {
  int width = 0;
  int height = 0;
  // height x width x 3 bytes: rows top to bottom, RGB interleaved.
  std::string pixels;

  unsigned char At(int row, int column, int channel) const {
    return static_cast<unsigned char>(
        pixels[(static_cast<int64_t>(row) * width + column) * 3 + channel]);
  }
};

// Decodes the PPM image in `bytes`; `name` prefixes error messages.
absl::StatusOr<PpmImage> ParsePpm(absl::string_view bytes,
                                  absl::string_view name);

// One row of a GT CSV.
struct GtsrbRow {
  int line = 0;  // 1-based line number in the CSV, for messages.
  std::string filename;
  int width = 0;
  int height = 0;
  int x1 = 0, y1 = 0, x2 = 0, y2 = 0;  // The inclusive ROI.
  int class_id = 0;
};

// The rows of the GT CSV `text`, in file order (possibly none); `name`
// prefixes error messages. Checks the header, 8 fields per row, integers,
// a plain file name (no "/"), 1 <= Width, Height <= kMaxGtsrbImageSide, the
// ROI inside Width x Height and ClassId in [0, 43).
absl::StatusOr<std::vector<GtsrbRow>> ParseGtsrbCsv(absl::string_view text,
                                                    absl::string_view name);

}  // namespace nfalab

#endif  // NFALAB_DATASETS_GTSRB_H_
