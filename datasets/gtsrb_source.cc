#include "datasets/gtsrb_source.h"

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "core/check.h"
#include "core/plugin_options.h"
#include "core/status_macros.h"
#include "datasets/file_source.h"
#include "datasets/file_util.h"
#include "datasets/gtsrb.h"
#include "datasets/gtsrb_options.pb.h"
#include "datasets/image_resize.h"

namespace nfalab {
namespace {

// GTSRB's CSVs are < 1 MB and its images < 200 kB.
constexpr int64_t kMaxCsvBytes = int64_t{64} << 20;
constexpr int64_t kMaxPpmBytes = int64_t{64} << 20;
constexpr int kMaxImageSize = 1024;

// One decoded image, cropped if asked: height x width x 3 bytes, RGB
// interleaved.
struct StoredImage {
  int height = 0;
  int width = 0;
  std::string pixels;
};

struct Images {
  std::vector<StoredImage> images;
  std::vector<int> labels;
};

absl::StatusOr<std::vector<GtsrbRow>> ReadCsv(const std::string& path) {
  if (!IsRegularFile(path)) {
    return absl::NotFoundError(
        absl::StrCat("GTSRB annotation file ", path, " not found"));
  }
  NFALAB_ASSIGN_OR_RETURN(std::string text, ReadFileUpTo(path, kMaxCsvBytes));
  return ParseGtsrbCsv(text, path);
}

// Reads the images of `rows` from `directory` into `out`.
absl::Status ReadImages(const std::string& directory,
                        const std::string& csv_path,
                        const std::vector<GtsrbRow>& rows, bool crop,
                        Images* out) {
  for (const GtsrbRow& row : rows) {
    const std::string path = JoinPath(directory, row.filename);
    if (!IsRegularFile(path)) {
      return absl::NotFoundError(
          absl::StrCat("GTSRB image ", path, " not found (listed in ", csv_path,
                       " line ", row.line, ")"));
    }
    NFALAB_ASSIGN_OR_RETURN(std::string bytes,
                            ReadFileUpTo(path, kMaxPpmBytes));
    NFALAB_ASSIGN_OR_RETURN(PpmImage image, ParsePpm(bytes, path));
    if (image.width != row.width || image.height != row.height) {
      return absl::InvalidArgumentError(
          absl::StrCat(path, ": image is ", image.width, " x ", image.height,
                       " (width x height), but ", csv_path, " line ", row.line,
                       " says ", row.width, " x ", row.height));
    }
    StoredImage stored;
    if (crop) {
      stored.width = row.x2 - row.x1 + 1;
      stored.height = row.y2 - row.y1 + 1;
      stored.pixels.reserve(int64_t{3} * stored.width * stored.height);
      for (int y = row.y1; y <= row.y2; ++y) {
        stored.pixels.append(image.pixels,
                             (int64_t{y} * image.width + row.x1) * 3,
                             int64_t{3} * stored.width);
      }
    } else {
      stored.width = image.width;
      stored.height = image.height;
      stored.pixels = std::move(image.pixels);
    }
    out->images.push_back(std::move(stored));
    out->labels.push_back(row.class_id);
  }
  return absl::OkStatus();
}

absl::StatusOr<Images> ReadTraining(const std::string& root, bool crop) {
  const std::string images_dir = JoinPath(root, "Final_Training/Images");
  if (!IsDirectory(images_dir)) {
    return absl::NotFoundError(
        absl::StrCat("GTSRB training directory ", images_dir, " not found"));
  }
  Images all;
  for (int c = 0; c < kGtsrbClasses; ++c) {
    const std::string class_dir =
        JoinPath(images_dir, absl::StrFormat("%05d", c));
    if (!IsDirectory(class_dir)) {
      return absl::NotFoundError(absl::StrCat("GTSRB training class folder ",
                                              class_dir, " not found"));
    }
    const std::string csv_path =
        JoinPath(class_dir, absl::StrFormat("GT-%05d.csv", c));
    NFALAB_ASSIGN_OR_RETURN(std::vector<GtsrbRow> rows, ReadCsv(csv_path));
    for (const GtsrbRow& row : rows) {
      if (row.class_id != c) {
        return absl::InvalidArgumentError(absl::StrCat(
            csv_path, ": line ", row.line, ": ClassId ", row.class_id,
            " differs from the class of its folder, ", c));
      }
    }
    NFALAB_RETURN_IF_ERROR(ReadImages(class_dir, csv_path, rows, crop, &all));
  }
  return all;
}

absl::StatusOr<Images> ReadTest(const std::string& root, bool crop) {
  const std::string images_dir = JoinPath(root, "Final_Test/Images");
  if (!IsDirectory(images_dir)) {
    return absl::NotFoundError(
        absl::StrCat("GTSRB test directory ", images_dir, " not found"));
  }
  std::string csv_path = JoinPath(images_dir, "GT-final_test.csv");
  if (!IsRegularFile(csv_path)) csv_path = JoinPath(root, "GT-final_test.csv");
  if (!IsRegularFile(csv_path)) {
    return absl::NotFoundError(
        absl::StrCat("GTSRB test labels GT-final_test.csv not found in ",
                     images_dir, " or ", root,
                     " (from GTSRB_Final_Test_GT.zip; the images archive's "
                     "GT-final_test.test.csv has no ClassId)"));
  }
  NFALAB_ASSIGN_OR_RETURN(std::vector<GtsrbRow> rows, ReadCsv(csv_path));
  Images all;
  NFALAB_RETURN_IF_ERROR(ReadImages(images_dir, csv_path, rows, crop, &all));
  return all;
}

RawSplit ToRawSplit(Images images, int size, std::string description) {
  RawSplit split;
  split.description = std::move(description);
  split.size = static_cast<int64_t>(images.labels.size());
  split.dim = int64_t{3} * size * size;
  split.labels = std::move(images.labels);
  auto stored = std::make_shared<const std::vector<StoredImage>>(
      std::move(images.images));
  split.features = [stored, size](int64_t index, float* row) {
    const StoredImage& image = (*stored)[index];
    const int64_t plane = int64_t{image.height} * image.width;
    // Channel-major planes; written straight to `row` when no resizing is
    // needed, so an S x S image keeps its exact byte values.
    std::vector<float> planes;
    const bool resize = image.height != size || image.width != size;
    if (resize) planes.resize(3 * plane);
    float* out = resize ? planes.data() : row;
    for (int64_t p = 0; p < plane; ++p) {
      for (int c = 0; c < 3; ++c) {
        out[c * plane + p] =
            static_cast<unsigned char>(image.pixels[3 * p + c]);
      }
    }
    if (resize) {
      const absl::Status status = ResizeImage(planes.data(), 3, image.height,
                                              image.width, size, size, row);
      // The sizes were checked when the image was read.
      NFALAB_CHECK(status.ok()) << status;
    }
  };
  return split;
}

// data.path, or the GTSRB/ folder inside it.
absl::StatusOr<std::string> ResolveRoot(const DatasetConfig& config) {
  NFALAB_ASSIGN_OR_RETURN(std::string root,
                          ResolveDataDirectory(config, "", ""));
  const std::string nested = JoinPath(root, "GTSRB");
  if (!IsDirectory(JoinPath(root, "Final_Training")) &&
      !IsDirectory(JoinPath(root, "Final_Test")) && IsDirectory(nested)) {
    return nested;
  }
  return root;
}

}  // namespace

absl::StatusOr<DatasetSplits> GtsrbSource::Load(const DatasetConfig& config) {
  NFALAB_RETURN_IF_ERROR(ValidateFileSourceConfig(config));
  NFALAB_ASSIGN_OR_RETURN(
      GtsrbOptions options,
      UnpackOptions<GtsrbOptions>(
          config.has_options() ? &config.options() : nullptr, "data.options"));
  const int size = options.image_size();
  if (size < 1 || size > kMaxImageSize) {
    return OptionsError(
        "data.options", options, "image_size",
        absl::StrCat("must be in [1, ", kMaxImageSize, "], got ", size));
  }
  NFALAB_ASSIGN_OR_RETURN(std::string root, ResolveRoot(config));
  const bool crop = options.crop_to_roi();
  NFALAB_ASSIGN_OR_RETURN(Images train, ReadTraining(root, crop));
  RawData raw;
  raw.source = config.source();
  raw.path = root;
  raw.num_classes = kGtsrbClasses;
  raw.natural_channels = 3;
  raw.sample_shape = {3, size, size};
  raw.train = ToRawSplit(std::move(train), size,
                         "the training images (Final_Training/Images)");
  raw.test.description = "the test images (Final_Test/Images)";
  if (config.n_test() > 0) {
    NFALAB_ASSIGN_OR_RETURN(Images test, ReadTest(root, crop));
    raw.test = ToRawSplit(std::move(test), size, raw.test.description);
  } else {
    raw.notes.push_back("data.n_test = 0: the test images were not read");
  }
  raw.notes.push_back(absl::StrCat("GTSRB images ",
                                   crop ? "cropped to their ROI and " : "",
                                   "resized to ", size, " x ", size,
                                   " (bilinear, antialiased; floats "
                                   "not rounded)"));
  return FinishSplits(config, std::move(raw));
}

NFALAB_REGISTER_DATASET_SOURCE_WITH_OPTIONS(
    "gtsrb", GtsrbSource,
    "GTSRB official layout (Final_Training/Images/000NN/*.ppm + GT-000NN.csv, "
    "Final_Test/Images/*.ppm + GT-final_test.csv) in data.path, resized to "
    "image_size (nfalab.GtsrbOptions)",
    GtsrbOptions());

}  // namespace nfalab
