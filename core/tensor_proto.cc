#include "core/tensor_proto.h"

#include <algorithm>
#include <type_traits>

#include "absl/strings/str_cat.h"

namespace nfalab {
namespace {

// The TensorProto field that holds Scalar values.
template <typename Scalar>
google::protobuf::RepeatedField<Scalar>* MutableValues(TensorProto* proto) {
  if constexpr (std::is_same_v<Scalar, float>) {
    return proto->mutable_values();
  } else {
    return proto->mutable_values_f64();
  }
}

template <typename Scalar>
const google::protobuf::RepeatedField<Scalar>& Values(
    const TensorProto& proto) {
  if constexpr (std::is_same_v<Scalar, float>) {
    return proto.values();
  } else {
    return proto.values_f64();
  }
}

template <typename Scalar>
TensorProto Pack(const Scalar* data, int64_t size,
                 std::initializer_list<int64_t> shape) {
  TensorProto proto;
  for (int64_t extent : shape) proto.add_shape(extent);
  google::protobuf::RepeatedField<Scalar>* values =
      MutableValues<Scalar>(&proto);
  values->Reserve(static_cast<int>(size));
  for (int64_t i = 0; i < size; ++i) values->Add(data[i]);
  return proto;
}

template <typename Scalar>
absl::Status CheckProto(const TensorProto& proto, int rank,
                        absl::string_view what) {
  if (proto.shape_size() != rank) {
    return absl::InvalidArgumentError(
        absl::StrCat(what, ": expected a ", rank, "-D tensor, got ",
                     proto.shape_size(), " dimensions"));
  }
  int64_t size = 1;
  for (int64_t extent : proto.shape()) {
    if (extent < 0 || extent > (int64_t{1} << 31)) {
      return absl::InvalidArgumentError(
          absl::StrCat(what, ": bad dimension ", extent));
    }
    size *= extent;
  }
  constexpr bool kFloat = std::is_same_v<Scalar, float>;
  const int other_size = kFloat ? proto.values_f64_size() : proto.values_size();
  if (other_size > 0) {
    return absl::InvalidArgumentError(
        absl::StrCat(what, ": holds ", kFloat ? "float64" : "float32",
                     " values, expected ", kFloat ? "float32" : "float64",
                     " (a run cannot change training.precision)"));
  }
  if (size != Values<Scalar>(proto).size()) {
    return absl::InvalidArgumentError(
        absl::StrCat(what, ": shape needs ", size, " values, found ",
                     Values<Scalar>(proto).size()));
  }
  return absl::OkStatus();
}

}  // namespace

template <typename Scalar>
TensorProto ToProto(const MatrixT<Scalar>& m) {
  return Pack(m.data(), m.size(), {m.rows(), m.cols()});
}

template <typename Scalar>
TensorProto ToProto(const VectorT<Scalar>& v) {
  return Pack(v.data(), v.size(), {v.size()});
}

template <typename Scalar>
absl::StatusOr<MatrixT<Scalar>> MatrixFromProto(const TensorProto& proto,
                                                absl::string_view what) {
  absl::Status status = CheckProto<Scalar>(proto, 2, what);
  if (!status.ok()) return status;
  MatrixT<Scalar> m(proto.shape(0), proto.shape(1));
  std::copy(Values<Scalar>(proto).begin(), Values<Scalar>(proto).end(),
            m.data());
  return m;
}

template <typename Scalar>
absl::StatusOr<VectorT<Scalar>> VectorFromProto(const TensorProto& proto,
                                                absl::string_view what) {
  absl::Status status = CheckProto<Scalar>(proto, 1, what);
  if (!status.ok()) return status;
  VectorT<Scalar> v(proto.shape(0));
  std::copy(Values<Scalar>(proto).begin(), Values<Scalar>(proto).end(),
            v.data());
  return v;
}

template TensorProto ToProto(const Matrix&);
template TensorProto ToProto(const MatrixD&);
template TensorProto ToProto(const Vector&);
template TensorProto ToProto(const VectorD&);
template absl::StatusOr<Matrix> MatrixFromProto(const TensorProto&,
                                                absl::string_view);
template absl::StatusOr<MatrixD> MatrixFromProto(const TensorProto&,
                                                 absl::string_view);
template absl::StatusOr<Vector> VectorFromProto(const TensorProto&,
                                                absl::string_view);
template absl::StatusOr<VectorD> VectorFromProto(const TensorProto&,
                                                 absl::string_view);

}  // namespace nfalab
