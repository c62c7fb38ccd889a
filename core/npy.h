// NumPy .npy files: writing float32/float64/int32 arrays and strictly reading
// small numeric arrays back.
//
//   NFALAB_RETURN_IF_ERROR(WriteNpy(absl::StrCat(out_dir, "/W1.npy"), w1));
//   NFALAB_ASSIGN_OR_RETURN(NpyArray a, ReadNpy(path));  // a.values: [n, d]
//   NFALAB_ASSIGN_OR_RETURN(NpyArray b, ParseNpy(bytes, "upload.npy"));
//
// Loading the files in Python:
//
//   import numpy as np
//   W1 = np.load("W1.npy")          # float32, shape (rows, cols)
//   labels = np.load("labels.npy")  # int32, shape (n,)
//
// Files are written as format version 1.0 (the one every NumPy reads):
// the magic "\x93NUMPY", the bytes 1 0, a little-endian uint16 header length,
// then the header, a Python dict literal such as
//   {'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }
// padded with spaces and ended by '\n' so that magic + length + header is a
// multiple of 64 bytes, then the raw little-endian data in row-major order.
//
// ReadNpy and ParseNpy are meant for untrusted input (they back a dataset
// reader and the fuzzer in tests/fuzz): a malformed file yields an error naming
// the file and the problem, never a crash, hang or allocation larger than a
// small multiple of the file size. Error codes:
//   NotFound            the file does not exist.
//   FailedPrecondition  the path is not a regular file.
//   InvalidArgument     the file is not a well-formed .npy file: bad magic,
//                       header length past the end of the file, unparsable
//                       header dict (or a missing/extra/duplicate key),
//                       negative or overflowing shape, or data shorter or
//                       longer than the shape says.
//   Unimplemented       a well-formed .npy file using a feature this reader
//                       does not support: a format version other than 1.0,
//                       2.0, 3.0; fortran_order True; a big-endian,
//                       structured or unsupported dtype; a 0-d shape.
// A shape of more than 64 dimensions (NumPy's limit) is InvalidArgument.
#ifndef NFALAB_CORE_NPY_H_
#define NFALAB_CORE_NPY_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "core/tensor.h"

namespace nfalab {

// Writes a 2-D row-major array as a standard NumPy .npy file, format v1.0,
// little-endian, '<f4' for float and '<f8' for double, fortran_order False,
// shape (rows, cols). Written atomically through WriteFileAtomically
// (core/file_io.h). Pass a concrete Matrix / MatrixD / Vector: an Eigen
// expression (m.transpose(), Matrix::Constant(...)) converts to several of
// these overloads and is ambiguous, so evaluate it first (Matrix(expr)).
absl::Status WriteNpy(const std::string& path, const Matrix& m);   // float32
absl::Status WriteNpy(const std::string& path, const MatrixD& m);  // float64
// The same data with another shape of the same number of values, e.g. the
// rows of a [n, C H W] batch as (n, C, H, W). InvalidArgument if the counts
// differ.
absl::Status WriteNpy(const std::string& path, const Matrix& m,
                      absl::Span<const int64_t> shape);
// 1-D arrays, shape (n,).
absl::Status WriteNpy(const std::string& path, const Vector& v);  // '<f4'
absl::Status WriteNpyInt32(const std::string& path,
                           absl::Span<const int> values);  // '<i4', (n,)

struct NpyArray {
  // 1 to 64 dims (0-d arrays are rejected).
  std::vector<int64_t> shape;
  // "<f4", "<f8", "<i4", "<i8", "|u1" (uint8), "|i1", ... as in the header.
  std::string dtype;
  // Converted to double, row-major, [shape[0], product of the other dims]:
  // row i holds a[i] in C order (last axis fastest), so a 1-D array of n is
  // [n, 1] and an (n, C, H, W) array is [n, C H W], channel-major. Int64
  // values beyond 2^53 in magnitude are rounded to the nearest double.
  MatrixD values;
};

// Reads v1.0/v2.0/v3.0 .npy files with dtypes <f4 <f8 <i4 <i8 |u1 |i1 ('='
// is accepted as '<' on a little-endian host; for the 1-byte types any
// byte-order mark is accepted). See the file comment for the error codes.
absl::StatusOr<NpyArray> ReadNpy(const std::string& path);

// "(5,)", "(2, 3)": the Python spelling of a shape tuple, for messages.
std::string NpyShapeText(const std::vector<int64_t>& shape);

// OK if every value is finite and within float's range (what the values
// become when a reader casts them to float); otherwise InvalidArgument
// naming `name` and the first such element by its full index:
//   "X.npy: element [3, 0, 5, 7] is NaN; every value must be finite (in
//   float)".
absl::Status CheckFitsFloat(const NpyArray& array, absl::string_view name);

// ReadNpy on the bytes of a file already in memory; `name` stands for the
// path in error messages. The same checks and error codes, minus NotFound and
// FailedPrecondition.
absl::StatusOr<NpyArray> ParseNpy(absl::string_view bytes,
                                  absl::string_view name);

}  // namespace nfalab

#endif  // NFALAB_CORE_NPY_H_
