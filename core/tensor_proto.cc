#include "core/tensor_proto.h"

#include <algorithm>

#include "absl/strings/str_cat.h"

namespace nfalab {
namespace {

TensorProto Pack(const float* data, int64_t size,
                 std::initializer_list<int64_t> shape) {
  TensorProto proto;
  for (int64_t extent : shape) proto.add_shape(extent);
  proto.mutable_values()->Reserve(static_cast<int>(size));
  for (int64_t i = 0; i < size; ++i) proto.add_values(data[i]);
  return proto;
}

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
  if (size != proto.values_size()) {
    return absl::InvalidArgumentError(absl::StrCat(
        what, ": shape needs ", size, " values, found ", proto.values_size()));
  }
  return absl::OkStatus();
}

}  // namespace

TensorProto ToProto(const Matrix& m) {
  return Pack(m.data(), m.size(), {m.rows(), m.cols()});
}

TensorProto ToProto(const Vector& v) {
  return Pack(v.data(), v.size(), {v.size()});
}

absl::StatusOr<Matrix> MatrixFromProto(const TensorProto& proto,
                                       absl::string_view what) {
  absl::Status status = CheckProto(proto, 2, what);
  if (!status.ok()) return status;
  Matrix m(proto.shape(0), proto.shape(1));
  std::copy(proto.values().begin(), proto.values().end(), m.data());
  return m;
}

absl::StatusOr<Vector> VectorFromProto(const TensorProto& proto,
                                       absl::string_view what) {
  absl::Status status = CheckProto(proto, 1, what);
  if (!status.ok()) return status;
  Vector v(proto.shape(0));
  std::copy(proto.values().begin(), proto.values().end(), v.data());
  return v;
}

}  // namespace nfalab
