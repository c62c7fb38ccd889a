// STL-10 binary files (stl10_binary/: train_X.bin, train_y.bin, test_X.bin,
// test_y.bin), headerless:
//
//   *_X.bin  uint8 images of 3 x 96 x 96 = 27648 bytes each, every channel's
//            96 x 96 plane stored column-major: byte c * 9216 + w * 96 + h
//            is pixel (c, h, w) (the official reader does
//            np.reshape(x, (-1, 3, 96, 96)) then transposes (0, 1, 3, 2))
//   *_y.bin  one uint8 label 1..10 per image
//
// Images come out channel-major (c, h, w), row by row; labels 0..9
// (label - 1).
//
//   NFALAB_ASSIGN_OR_RETURN(ImageRecords records,
//                           ReadStl10Files(x_path, y_path));
//
// ParseStl10Images and ParseStl10Labels are meant for untrusted input.
// Errors are InvalidArgument naming the file and the problem:
//   "file has no images" / "file has no labels"
//   "file is truncated: 30000 bytes is not a whole number of 27648-byte
//    STL-10 images (1 images + 2352 extra bytes)"
//   "byte offset 2: label 11 is outside 1..10"
//   "image/label count mismatch: <X file> has 2 images and <y file> 3
//    labels"
// and NotFound for a missing file.
#ifndef NFALAB_DATASETS_STL10_H_
#define NFALAB_DATASETS_STL10_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "datasets/image_records.h"

namespace nfalab {

inline constexpr int kStl10Side = 96;
inline constexpr int kStl10ImageBytes = 3 * kStl10Side * kStl10Side;

// The images of a whole *_X.bin held in `bytes`, reordered to (c, h, w);
// `name` prefixes error messages.
absl::StatusOr<std::string> ParseStl10Images(absl::string_view bytes,
                                             absl::string_view name);

// The labels of a whole *_y.bin, 0..9.
absl::StatusOr<std::vector<int>> ParseStl10Labels(absl::string_view bytes,
                                                  absl::string_view name);

// The default limit on one X file: 512 MiB (test_X.bin, the largest used,
// has 8000 x 27648 = 221 MB).
inline constexpr int64_t kMaxStl10FileBytes = int64_t{512} << 20;

// Reads one split: the images of `x_path` and the labels of `y_path`.
absl::StatusOr<ImageRecords> ReadStl10Files(
    const std::string& x_path, const std::string& y_path,
    int64_t max_bytes = kMaxStl10FileBytes);

}  // namespace nfalab

#endif  // NFALAB_DATASETS_STL10_H_
