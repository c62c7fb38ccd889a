#include "datasets/stl10.h"

#include "absl/strings/str_cat.h"
#include "core/status_macros.h"
#include "datasets/file_util.h"

namespace nfalab {
namespace {

absl::Status Error(absl::string_view name, absl::string_view problem) {
  return absl::InvalidArgumentError(absl::StrCat(name, ": ", problem));
}

absl::StatusOr<std::string> ReadExisting(const std::string& path,
                                         int64_t max_bytes) {
  if (!IsRegularFile(path)) {
    return absl::NotFoundError(
        absl::StrCat("STL-10 file ", path, " not found"));
  }
  return ReadFileUpTo(path, max_bytes);
}

}  // namespace

absl::StatusOr<std::string> ParseStl10Images(absl::string_view bytes,
                                             absl::string_view name) {
  const int64_t size = static_cast<int64_t>(bytes.size());
  if (size == 0) return Error(name, "file has no images");
  if (size % kStl10ImageBytes != 0) {
    return Error(name, absl::StrCat("file is truncated: ", size,
                                    " bytes is not a whole number of ",
                                    kStl10ImageBytes, "-byte STL-10 images (",
                                    size / kStl10ImageBytes, " images + ",
                                    size % kStl10ImageBytes, " extra bytes)"));
  }
  constexpr int kPlane = kStl10Side * kStl10Side;
  std::string pixels(bytes.size(), '\0');
  for (int64_t base = 0; base < size; base += kStl10ImageBytes) {
    for (int c = 0; c < 3; ++c) {
      const char* in = bytes.data() + base + c * kPlane;
      char* out = &pixels[base + c * kPlane];
      for (int h = 0; h < kStl10Side; ++h) {
        for (int w = 0; w < kStl10Side; ++w) {
          out[h * kStl10Side + w] = in[w * kStl10Side + h];
        }
      }
    }
  }
  return pixels;
}

absl::StatusOr<std::vector<int>> ParseStl10Labels(absl::string_view bytes,
                                                  absl::string_view name) {
  if (bytes.empty()) return Error(name, "file has no labels");
  std::vector<int> labels;
  labels.reserve(bytes.size());
  for (size_t i = 0; i < bytes.size(); ++i) {
    const int label = static_cast<unsigned char>(bytes[i]);
    if (label < 1 || label > 10) {
      return Error(name, absl::StrCat("byte offset ", i, ": label ", label,
                                      " is outside 1..10"));
    }
    labels.push_back(label - 1);
  }
  return labels;
}

absl::StatusOr<ImageRecords> ReadStl10Files(const std::string& x_path,
                                            const std::string& y_path,
                                            int64_t max_bytes) {
  NFALAB_ASSIGN_OR_RETURN(std::string x_bytes, ReadExisting(x_path, max_bytes));
  NFALAB_ASSIGN_OR_RETURN(std::string y_bytes, ReadExisting(y_path, max_bytes));
  ImageRecords records;
  records.image_bytes = kStl10ImageBytes;
  NFALAB_ASSIGN_OR_RETURN(records.pixels, ParseStl10Images(x_bytes, x_path));
  NFALAB_ASSIGN_OR_RETURN(records.labels, ParseStl10Labels(y_bytes, y_path));
  const int64_t images =
      static_cast<int64_t>(records.pixels.size()) / kStl10ImageBytes;
  if (images != records.size()) {
    return Error(x_path, absl::StrCat("image/label count mismatch: it has ",
                                      images, " images and ", y_path, " has ",
                                      records.size(), " labels"));
  }
  return records;
}

}  // namespace nfalab
