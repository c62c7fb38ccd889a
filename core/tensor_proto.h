// Conversions between float matrices/vectors and TensorProto (checkpoints).
#ifndef NFALAB_CORE_TENSOR_PROTO_H_
#define NFALAB_CORE_TENSOR_PROTO_H_

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "core/tensor.h"
#include "core/tensor.pb.h"

namespace nfalab {

TensorProto ToProto(const Matrix& m);
TensorProto ToProto(const Vector& v);

// InvalidArgument naming `what` unless the proto is 2-D (resp. 1-D) with as
// many values as its shape says.
absl::StatusOr<Matrix> MatrixFromProto(const TensorProto& proto,
                                       absl::string_view what);
absl::StatusOr<Vector> VectorFromProto(const TensorProto& proto,
                                       absl::string_view what);

}  // namespace nfalab

#endif  // NFALAB_CORE_TENSOR_PROTO_H_
