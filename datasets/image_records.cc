#include "datasets/image_records.h"

#include <memory>
#include <utility>

namespace nfalab {

RawSplit ImageRecordsToRawSplit(ImageRecords records, std::string description) {
  RawSplit split;
  split.description = std::move(description);
  split.size = records.size();
  split.dim = records.image_bytes;
  split.labels = std::move(records.labels);
  const int64_t dim = records.image_bytes;
  auto pixels = std::make_shared<const std::string>(std::move(records.pixels));
  split.features = [pixels, dim](int64_t index, float* row) {
    const unsigned char* p =
        reinterpret_cast<const unsigned char*>(pixels->data()) + index * dim;
    for (int64_t j = 0; j < dim; ++j) row[j] = p[j];
  };
  return split;
}

}  // namespace nfalab
