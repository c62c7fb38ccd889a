// Labelled uint8 images held in memory, channel-major (C, H, W) image after
// image: what the SVHN and STL-10 readers produce, and how a file source
// hands them to datasets/file_source.h.
#ifndef NFALAB_DATASETS_IMAGE_RECORDS_H_
#define NFALAB_DATASETS_IMAGE_RECORDS_H_

#include <cstdint>
#include <string>
#include <vector>

#include "datasets/file_source.h"

namespace nfalab {

struct ImageRecords {
  int64_t image_bytes = 0;  // C * H * W.
  std::vector<int> labels;  // One per image.
  std::string pixels;       // size() * image_bytes bytes.

  int64_t size() const { return static_cast<int64_t>(labels.size()); }
  unsigned char Pixel(int64_t image, int64_t j) const {
    return static_cast<unsigned char>(pixels[image * image_bytes + j]);
  }
};

// A RawSplit whose features are the pixel bytes as floats 0..255 (the
// records are moved into shared storage the split's closure keeps alive).
RawSplit ImageRecordsToRawSplit(ImageRecords records, std::string description);

}  // namespace nfalab

#endif  // NFALAB_DATASETS_IMAGE_RECORDS_H_
