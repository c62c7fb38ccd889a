// The "gtsrb" dataset source: the German Traffic Sign Recognition Benchmark
// in its official layout (datasets/gtsrb.h for the formats), from the
// directory data.path (required; the GTSRB/ folder the archives extract to,
// or the directory containing it):
//
//   Final_Training/Images/000NN/*.ppm      training images of class NN
//   Final_Training/Images/000NN/GT-000NN.csv   their annotations
//                                          (GTSRB_Final_Training_Images.zip)
//   Final_Test/Images/*.ppm                test images
//                                          (GTSRB_Final_Test_Images.zip)
//   GT-final_test.csv                      the test labels, looked for in
//                                          Final_Test/Images/ first, then
//                                          in data.path
//                                          (GTSRB_Final_Test_GT.zip); the
//                                          GT-final_test.test.csv of the
//                                          images archive has no ClassId
//
// 43 classes. The training examples are classes 0, 1, .., 42 in turn, each
// class's images in its CSV's order (the official set has 39,209); the test
// examples are in GT-final_test.csv's order (12,630). Each image is decoded
// to RGB, cropped to its ROI if GtsrbOptions.crop_to_roi, then resized to
// S x S (S = GtsrbOptions.image_size, default 32) with datasets/
// image_resize.h, and stored channel-major: 3 x S x S floats in 0..255
// (d = 3 S^2, sample shape (3, S, S), 3 natural channels). An image already
// S x S is kept exactly as decoded (no resampling). Then datasets/
// file_source.h as for the other file sources.
//
// Against the authors' pipeline (torchvision.datasets.GTSRB with
// Resize((32, 32))): torchvision also keeps the whole image (no ROI crop,
// hence crop_to_roi false by default) and resizes with PIL's bilinear
// antialiased filter, which this resizer follows (datasets/image_resize.h);
// PIL rounds the result to uint8, nfalab keeps the unrounded floats.
// Its training split (GTSRB-Training_fixed.zip) has 26,640 images, the
// paper's table's figure; the official Final_Training set read here has
// 39,209, so the same n_train gives more examples than the paper had.
//
// Options: data.options { [type.googleapis.com/nfalab.GtsrbOptions] {...} }
// (datasets/gtsrb_options.proto). The test files are not read when
// data.n_test is 0.
//
// Errors name the file: NotFound for a missing directory, CSV or image;
// InvalidArgument for a bad CSV (datasets/gtsrb.h), a row whose ClassId is
// not its folder's class, a bad PPM, an image whose size differs from its
// CSV row's, or image_size outside [1, 1024].
#ifndef NFALAB_DATASETS_GTSRB_SOURCE_H_
#define NFALAB_DATASETS_GTSRB_SOURCE_H_

#include "absl/status/statusor.h"
#include "datasets/dataset.h"
#include "datasets/dataset_config.pb.h"
#include "datasets/dataset_source.h"

namespace nfalab {

class GtsrbSource : public DatasetSource {
 public:
  absl::StatusOr<DatasetSplits> Load(const DatasetConfig& config) override;
};

}  // namespace nfalab

#endif  // NFALAB_DATASETS_GTSRB_SOURCE_H_
