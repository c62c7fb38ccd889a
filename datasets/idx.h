// IDX files, the format of MNIST, Fashion-MNIST, KMNIST and EMNIST: a 4-byte
// magic number (0, 0, type code, number of dimensions), one big-endian uint32
// per dimension, then the elements, big-endian, row-major.
//
//   NFALAB_ASSIGN_OR_RETURN(IdxArray images, ReadIdxFile(path));
//   images.dims      // {60000, 28, 28}
//   images.Get(i)    // element i as a double
//
// Type codes: 0x08 uint8, 0x09 int8, 0x0B int16, 0x0C int32, 0x0D float32,
// 0x0E float64.
//
// The parsers are meant for untrusted input (a fuzzer runs them, see
// tests/fuzz/): a malformed file yields InvalidArgument naming the file and
// the problem, never a crash, hang or allocation much larger than the data
// the file really holds:
//   "file is truncated: the IDX header needs 16 bytes, the file has 10"
//   "bad magic number 08 03 00 00: an IDX file starts with 00 00, a type
//    code and the number of dimensions"
//   "unknown IDX type code 0x07"
//   "IDX header has 0 dimensions"
//   "dimensions 4294967295 x 4294967295 x 4294967295 overflow 64 bits"
//   "file is truncated: dimensions 2 x 3 x 3 (uint8) need 18 data bytes after
//    the 16-byte header, but only 17 remain"
//   "dimensions 2 x 3 (uint8) need 6 data bytes after the 12-byte header,
//    but 7 remain (wrong dimensions or trailing data)"
//   "declares 16 + 2000000000 bytes (dimensions ...), more than the limit of
//    1073741824" (gzipped files)
// plus the gzip errors of datasets/gzip.h for gzipped files.
#ifndef NFALAB_DATASETS_IDX_H_
#define NFALAB_DATASETS_IDX_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace nfalab {

enum class IdxType : uint8_t {
  kUint8 = 0x08,
  kInt8 = 0x09,
  kInt16 = 0x0B,
  kInt32 = 0x0C,
  kFloat32 = 0x0D,
  kFloat64 = 0x0E,
};

// Bytes per element (1, 1, 2, 4, 4, 8).
int IdxElementSize(IdxType type);
// "uint8", "int8", "int16", "int32", "float32", "float64".
const char* IdxTypeName(IdxType type);
// True for the integer types.
bool IdxTypeIsInteger(IdxType type);

struct IdxArray {
  IdxType type = IdxType::kUint8;
  std::vector<int64_t> dims;  // At least one.
  // The elements as stored (big-endian); size = num_elements() *
  // IdxElementSize(type).
  std::string data;

  int64_t num_elements() const;
  // Element i (0 <= i < num_elements()), converted to double.
  double Get(int64_t i) const;
};

// The header of an IDX file.
struct IdxHeader {
  IdxType type = IdxType::kUint8;
  std::vector<int64_t> dims;
  int64_t header_bytes = 0;  // 4 + 4 * dims.size()
  int64_t data_bytes = 0;    // product(dims) * element size
};

// Parses the header at the start of `bytes` (which may be just a prefix of
// the file, as long as it holds the whole header). Checks the magic number,
// the type code, dims.size() >= 1 and that the data size fits in 64 bits.
absl::StatusOr<IdxHeader> ParseIdxHeader(absl::string_view bytes,
                                         absl::string_view name);

// Parses a whole uncompressed IDX file held in `bytes`; the data must be
// exactly as long as the dimensions say. `name` prefixes error messages.
absl::StatusOr<IdxArray> ParseIdx(absl::string_view bytes,
                                  absl::string_view name);

// The default limit on the size of one (decompressed) IDX file: 1 GiB, about
// twice the largest image file of the MNIST family (EMNIST ByClass training
// images, 697932 x 28 x 28 = 547 MB).
inline constexpr int64_t kMaxIdxFileBytes = int64_t{1} << 30;

// Parses a whole IDX file held in `bytes`, gzipped (recognised by the gzip
// magic 1f 8b, not by the name) or not. A gzipped file is decompressed only
// after its header has been read and checked: a header declaring more than
// `max_bytes` is rejected up front, and decompression stops with an error as
// soon as the output outgrows what the header declares. Plain input longer
// than `max_bytes` is rejected as well.
absl::StatusOr<IdxArray> DecodeIdx(absl::string_view bytes,
                                   absl::string_view name,
                                   int64_t max_bytes = kMaxIdxFileBytes);

// Reads and decodes the IDX file at `path` (gzipped or not). NotFound if it
// does not exist; InvalidArgument if it is larger than `max_bytes` on disk.
absl::StatusOr<IdxArray> ReadIdxFile(const std::string& path,
                                     int64_t max_bytes = kMaxIdxFileBytes);

}  // namespace nfalab

#endif  // NFALAB_DATASETS_IDX_H_
