#include "datasets/dataset.h"

#include "absl/strings/str_cat.h"
#include "core/check.h"
#include "core/status_macros.h"

namespace nfalab {

template <typename Scalar>
absl::Status BasicDataset<Scalar>::Validate(absl::string_view what) const {
  if (y.rows() != x.rows()) {
    return absl::InvalidArgumentError(
        absl::StrCat(what, ": X has ", x.rows(), " rows but Y has ", y.rows()));
  }
  if (is_classification()) {
    if (static_cast<Eigen::Index>(labels.size()) != x.rows()) {
      return absl::InvalidArgumentError(absl::StrCat(
          what, ": ", labels.size(), " labels for ", x.rows(), " rows"));
    }
    for (size_t i = 0; i < labels.size(); ++i) {
      if (labels[i] < 0 || labels[i] >= num_classes) {
        return absl::InvalidArgumentError(
            absl::StrCat(what, ": label ", labels[i], " of example ", i,
                         " is outside [0, ", num_classes, ")"));
      }
    }
  } else if (!labels.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat(what, ": labels given for a regression dataset"));
  }
  NFALAB_RETURN_IF_ERROR(CheckFinite(x, absl::StrCat(what, " inputs")));
  NFALAB_RETURN_IF_ERROR(CheckFinite(y, absl::StrCat(what, " targets")));
  return absl::OkStatus();
}

template <typename Scalar>
BasicDataset<Scalar> SelectRows(const BasicDataset<Scalar>& data,
                                absl::Span<const int> indices) {
  BasicDataset<Scalar> result;
  result.num_classes = data.num_classes;
  result.shape = data.shape;
  result.x.resize(static_cast<Eigen::Index>(indices.size()), data.x.cols());
  result.y.resize(static_cast<Eigen::Index>(indices.size()), data.y.cols());
  for (size_t row = 0; row < indices.size(); ++row) {
    const int index = indices[row];
    NFALAB_CHECK(index >= 0 && index < data.size()) << "row " << index;
    result.x.row(row) = data.x.row(index);
    result.y.row(row) = data.y.row(index);
    if (data.is_classification()) result.labels.push_back(data.labels[index]);
  }
  return result;
}

template struct BasicDataset<float>;
template struct BasicDataset<double>;
template Dataset SelectRows(const Dataset&, absl::Span<const int>);
template DatasetD SelectRows(const DatasetD&, absl::Span<const int>);

}  // namespace nfalab
