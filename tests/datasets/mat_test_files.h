// Writes MATLAB v5 .mat test files with libmatio (as MATLAB would write
// them, not by hand), and SVHN-shaped X / y variables with known values.
//
//   WriteMatFile(dir + "/train_32x32.mat",
//                {SvhnImages({0, 1}), SvhnLabels({10, 3})});
#ifndef NFALAB_TESTS_DATASETS_MAT_TEST_FILES_H_
#define NFALAB_TESTS_DATASETS_MAT_TEST_FILES_H_

#include <matio.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "tests/datasets/image_test_files.h"

namespace nfalab::testing {

struct MatVariable {
  std::string name;
  matio_classes class_type;
  matio_types data_type;
  std::vector<size_t> dims;
  std::string data;  // The elements' bytes, column-major.
};

// Writes `variables` to a new MAT v5 file at `path` (zlib-compressed with
// `compress`); fails the test on error.
void WriteMatFile(const std::string& path,
                  const std::vector<MatVariable>& variables,
                  bool compress = false);

// X: uint8 [32, 32, 3, N] with X(h, w, c, n) = ImagePixel(seeds[n], c, h, w),
// stored at MATLAB's linear index h + 32 w + 1024 c + 3072 n.
MatVariable SvhnImages(const std::vector<int>& seeds);

// y: double [N, 1].
MatVariable SvhnLabels(const std::vector<double>& labels);

}  // namespace nfalab::testing

#endif  // NFALAB_TESTS_DATASETS_MAT_TEST_FILES_H_
