// Conversions between float or double matrices/vectors and TensorProto
// (checkpoints): float fills TensorProto.values, double values_f64.
#ifndef NFALAB_CORE_TENSOR_PROTO_H_
#define NFALAB_CORE_TENSOR_PROTO_H_

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "core/tensor.h"
#include "core/tensor.pb.h"

namespace nfalab {

template <typename Scalar>
TensorProto ToProto(const MatrixT<Scalar>& m);
template <typename Scalar>
TensorProto ToProto(const VectorT<Scalar>& v);

// InvalidArgument naming `what` unless the proto is 2-D (resp. 1-D) with as
// many values of type Scalar as its shape says (a float tensor is not read
// as double, nor the reverse: the values would not be the saved ones).
template <typename Scalar = float>
absl::StatusOr<MatrixT<Scalar>> MatrixFromProto(const TensorProto& proto,
                                                absl::string_view what);
template <typename Scalar = float>
absl::StatusOr<VectorT<Scalar>> VectorFromProto(const TensorProto& proto,
                                                absl::string_view what);

extern template TensorProto ToProto(const Matrix&);
extern template TensorProto ToProto(const MatrixD&);
extern template TensorProto ToProto(const Vector&);
extern template TensorProto ToProto(const VectorD&);
extern template absl::StatusOr<Matrix> MatrixFromProto(const TensorProto&,
                                                       absl::string_view);
extern template absl::StatusOr<MatrixD> MatrixFromProto(const TensorProto&,
                                                        absl::string_view);
extern template absl::StatusOr<Vector> VectorFromProto(const TensorProto&,
                                                       absl::string_view);
extern template absl::StatusOr<VectorD> VectorFromProto(const TensorProto&,
                                                        absl::string_view);

}  // namespace nfalab

#endif  // NFALAB_CORE_TENSOR_PROTO_H_
