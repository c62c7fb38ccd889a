// CIFAR-10 and CIFAR-100 "binary version" files: fixed-size records with no
// header.
//
//   CIFAR-10  (data_batch_1.bin .. data_batch_5.bin, test_batch.bin):
//             1 label byte (0..9) + 3072 pixel bytes
//   CIFAR-100 (train.bin, test.bin):
//             1 coarse label byte (0..19) + 1 fine label byte (0..99)
//             + 3072 pixel bytes
//
// The 3072 pixel bytes are a 3 x 32 x 32 image, channel-major (the 1024 red
// values row by row, then green, then blue); they are kept in that order.
//
//   NFALAB_ASSIGN_OR_RETURN(CifarRecords records,
//                           ReadCifarFile(path, CifarVariant::kCifar10));
//   records.labels[i], records.Pixel(i, j)  // j in [0, 3072)
//
// ParseCifar is meant for untrusted input (fuzzed in tests/fuzz/). Errors are
// InvalidArgument naming the file and the problem:
//   "file has no records"
//   "file is truncated: 6147 bytes is not a whole number of 3073-byte
//    CIFAR-10 records (2 records + 1 extra bytes)"
//   "record 3 (byte offset 9219): label 200 is outside [0, 10)"
//   "record 0 (byte offset 0): fine label 120 is outside [0, 100)"
#ifndef NFALAB_DATASETS_CIFAR_H_
#define NFALAB_DATASETS_CIFAR_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace nfalab {

enum class CifarVariant { kCifar10, kCifar100 };

inline constexpr int kCifarImageBytes = 3 * 32 * 32;

// Bytes per record: 3073 (CIFAR-10) or 3074 (CIFAR-100).
int CifarRecordBytes(CifarVariant variant);

struct CifarRecords {
  // CIFAR-10: the label; CIFAR-100: the fine label. One per record.
  std::vector<int> labels;
  // CIFAR-100 only: the coarse (superclass) label per record.
  std::vector<int> coarse_labels;
  // size() * kCifarImageBytes bytes, record after record.
  std::string pixels;

  int64_t size() const { return static_cast<int64_t>(labels.size()); }
  unsigned char Pixel(int64_t record, int j) const {
    return static_cast<unsigned char>(pixels[record * kCifarImageBytes + j]);
  }
};

// Parses a whole CIFAR binary file held in `bytes`; `name` prefixes error
// messages.
absl::StatusOr<CifarRecords> ParseCifar(absl::string_view bytes,
                                        CifarVariant variant,
                                        absl::string_view name);

// The default limit on one CIFAR file: 256 MiB (CIFAR-100's train.bin, the
// largest, has 50000 x 3074 = 154 MB).
inline constexpr int64_t kMaxCifarFileBytes = int64_t{256} << 20;

// Reads and parses the file at `path`. NotFound if it does not exist.
absl::StatusOr<CifarRecords> ReadCifarFile(
    const std::string& path, CifarVariant variant,
    int64_t max_bytes = kMaxCifarFileBytes);

}  // namespace nfalab

#endif  // NFALAB_DATASETS_CIFAR_H_
