// SVHN "cropped digits" files (train_32x32.mat, test_32x32.mat, and
// extra_32x32.mat): MATLAB MAT files read through libmatio, never a
// hand-written MAT parser. Two variables:
//
//   X  uint8, dims [32, 32, 3, N] (or [32, 32, 3] when N = 1: MATLAB drops
//      trailing singleton dimensions); MATLAB column-major, so element
//      X(h, w, c, n) (0-based) is at linear index h + 32 w + 1024 c + 3072 n
//   y  any real numeric class, N elements ([N, 1] or [1, N]), labels 1..10;
//      10 stands for the digit 0
//
// Each image comes out as torchvision's SVHN gives it
// (np.transpose(X, (3, 2, 0, 1))): 3 x 32 x 32, channel-major, rows (h, the
// first MATLAB dimension) then columns, so pixel (c, h, w) of image n is
// X(h, w, c, n). Labels are the digits 0..9 (10 -> 0).
//
//   NFALAB_ASSIGN_OR_RETURN(ImageRecords records, ReadSvhnMatFile(path));
//
// libmatio returns a truncated variable zero-filled and a corrupt
// compressed one wrongly decoded, without an error. So before libmatio
// reads a v5 file, its top-level data element tags are walked (they must
// end exactly at the end of the file) and each compressed element is
// inflated once with zlib, which checks its Adler-32 checksum. This is a
// size and checksum check only; the variables are read by libmatio.
//
// Errors name the file: NotFound if it does not exist; InvalidArgument if
// libmatio cannot open it as a MAT file (or it is a v4 file), if it is
// truncated ("past the end of the file"), has stray bytes at the end or a
// corrupt compressed variable, if libmatio cannot read a variable's data,
// if X or y is missing, if X is not uint8 or not
// [32, 32, 3, N], if y does not have N elements, or if a label is not an
// integer in 1..10.
#ifndef NFALAB_DATASETS_SVHN_H_
#define NFALAB_DATASETS_SVHN_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "datasets/image_records.h"

namespace nfalab {

inline constexpr int kSvhnImageBytes = 3 * 32 * 32;

// The pure part of the reader, for untrusted values: `x` holds
// n * kSvhnImageBytes bytes in MATLAB order (see above), `y` the n labels as
// read. Reorders the pixels to channel-major images and maps the labels
// (10 -> 0). `name` prefixes error messages.
absl::StatusOr<ImageRecords> SvhnFromMatlab(absl::string_view x,
                                            const std::vector<double>& y,
                                            absl::string_view name);

// The default limit on X: 512 MiB (extra_32x32.mat's X, the largest, has
// 531131 x 3072 bytes = 1.6 GB and needs a larger limit; train has 225 MB).
inline constexpr int64_t kMaxSvhnImageBytes = int64_t{512} << 20;

// Reads X and y of the MAT file at `path` with libmatio. X is checked
// (class and dims) before its data is read, and refused if it would take
// more than `max_image_bytes`.
absl::StatusOr<ImageRecords> ReadSvhnMatFile(
    const std::string& path, int64_t max_image_bytes = kMaxSvhnImageBytes);

}  // namespace nfalab

#endif  // NFALAB_DATASETS_SVHN_H_
