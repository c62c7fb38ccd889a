#include "tests/datasets/mat_test_files.h"

#include <cstring>

#include "gtest/gtest.h"

namespace nfalab::testing {

void WriteMatFile(const std::string& path,
                  const std::vector<MatVariable>& variables, bool compress) {
  mat_t* mat = Mat_CreateVer(path.c_str(), nullptr, MAT_FT_MAT5);
  ASSERT_NE(mat, nullptr) << "cannot create " << path;
  for (const MatVariable& v : variables) {
    std::vector<size_t> dims = v.dims;
    std::string data = v.data;
    matvar_t* var =
        Mat_VarCreate(v.name.c_str(), v.class_type, v.data_type,
                      static_cast<int>(dims.size()), dims.data(), &data[0],
                      /*opt=*/0);
    ASSERT_NE(var, nullptr) << v.name;
    const int written = Mat_VarWrite(
        mat, var, compress ? MAT_COMPRESSION_ZLIB : MAT_COMPRESSION_NONE);
    Mat_VarFree(var);
    ASSERT_EQ(written, 0) << "cannot write " << v.name << " to " << path;
  }
  ASSERT_EQ(Mat_Close(mat), 0) << path;
}

MatVariable SvhnImages(const std::vector<int>& seeds) {
  MatVariable x{"X", MAT_C_UINT8, MAT_T_UINT8, {32, 32, 3, seeds.size()}, ""};
  x.data.resize(seeds.size() * 3072);
  for (size_t n = 0; n < seeds.size(); ++n) {
    for (int c = 0; c < 3; ++c) {
      for (int w = 0; w < 32; ++w) {
        for (int h = 0; h < 32; ++h) {
          x.data[h + 32 * w + 1024 * c + 3072 * n] =
              static_cast<char>(ImagePixel(seeds[n], c, h, w));
        }
      }
    }
  }
  return x;
}

MatVariable SvhnLabels(const std::vector<double>& labels) {
  MatVariable y{"y", MAT_C_DOUBLE, MAT_T_DOUBLE, {labels.size(), 1}, ""};
  y.data.resize(labels.size() * sizeof(double));
  std::memcpy(&y.data[0], labels.data(), y.data.size());
  return y;
}

}  // namespace nfalab::testing
