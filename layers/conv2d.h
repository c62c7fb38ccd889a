// Conv2d ("conv2d"): a 2-D convolution with a square kernel, zero padding
// and stride, as PyTorch's nn.Conv2d (groups 1, dilation 1). A sample
// (C_in, H, W) maps to (C_out, H_out, W_out),
//
//   H_out = (H + 2 padding - kernel) / stride + 1   (W_out likewise),
//   h[c, oy, ox] = b[c] + sum_{c', dy, dx} W[c, c', dy, dx]
//                         x[c', oy stride - padding + dy,
//                               ox stride - padding + dx]   (0 outside).
//
// As a weighted layer (layers/layer.h): W is [k, p] = [C_out, C_in kh kw],
// PyTorch's weight [out, in, kh, kw] flattened in (c', dy, dx) order
// (weight.reshape(out, -1)); P = H_out W_out positions q = oy W_out + ox;
// InputRows = the im2col patches X_i: [P, p], row q the patch under output
// position q in (c', dy, dx) order, so h_i[:, q] = W X_i[q, :]^T + b.
//
//   Forward   H_i = X_i W^T + 1 b^T  [P, k], written channel-major (c P + q)
//   Backward  dX_j = G_j W  [P, p], G_j[q, c] = d_h(j, c P + q), and d_x
//             row j = col2im(dX_j) (any R rows per sample; x is not read)
//             dW = sum_i G_i^T X_i,  db = sum_{i, q} G_i[q, :]  (R = 1)
//
// Forward and Backward stack the patches of a chunk of samples (cotangent
// rows) into one matrix for a single GEMM; a chunk holds at most
// kMaxChunkEntries = 2^18 entries in any one chunk matrix (1 MiB in float:
// it stays in cache between im2col and the GEMM, and a batch splits into
// chunks for both cores), except that a chunk always holds one sample even
// if that alone is larger. The chunks run on ParallelWorkers() threads
// (core/parallel.h), each on a single-threaded BLAS; dW adds the chunks'
// G^T X in chunk order, so every result is the same for any number of
// threads. InputRows and OutputVectors return whole batches ([n P, p],
// [n R P, k]) as their interface requires.
//
// Options (LayerSpec): out_channels (>= 1, required), kernel_size (default
// 3), stride (default 1), padding (default 1, >= 0), bias (default true, as
// the paper's VGG).
#ifndef NFALAB_LAYERS_CONV2D_H_
#define NFALAB_LAYERS_CONV2D_H_

#include <cstdint>
#include <memory>
#include <vector>

#include "absl/status/statusor.h"
#include "layers/layer.h"

namespace nfalab {

// The geometry of a convolution: input (channels, height, width), output
// channels, square kernel, stride and padding.
struct Conv2dGeometry {
  SampleShape input;
  int out_channels = 1;
  int kernel = 3;
  int stride = 1;
  int padding = 1;

  int out_height() const {
    return (input.height + 2 * padding - kernel) / stride + 1;
  }
  int out_width() const {
    return (input.width + 2 * padding - kernel) / stride + 1;
  }
  // P and p.
  int positions() const { return out_height() * out_width(); }
  int patch_size() const { return input.channels * kernel * kernel; }
};

template <typename Scalar>
class BasicConv2d : public BasicWeightedLayer<Scalar> {
 public:
  // The most entries of one chunk matrix in Forward and Backward.
  static constexpr int64_t kMaxChunkEntries = int64_t{1} << 18;

  // `geometry` must be valid (Create checks it).
  BasicConv2d(const Conv2dGeometry& geometry, bool has_bias);

  // InvalidArgument for out_channels < 1 (or unset), kernel_size or stride
  // < 1, padding < 0, or a kernel larger than the padded input.
  static absl::StatusOr<std::unique_ptr<BasicLayer<Scalar>>> Create(
      const LayerSpec& spec, const SampleShape& input);

  const Conv2dGeometry& geometry() const { return geometry_; }
  int positions() const override { return geometry_.positions(); }
  int64_t fan_out() const override {
    return int64_t{geometry_.out_channels} * geometry_.kernel *
           geometry_.kernel;
  }

  void Forward(const MatrixT<Scalar>& x, MatrixT<Scalar>* h,
               MatrixT<Scalar>* kept = nullptr) const override;
  void Backward(const MatrixT<Scalar>& x, const MatrixT<Scalar>& h,
                const MatrixT<Scalar>& kept, const MatrixT<Scalar>& d_h,
                int rows_per_sample, MatrixT<Scalar>* d_x,
                MatrixT<Scalar>* d_weight,
                VectorT<Scalar>* d_bias) const override;
  void InputRows(const MatrixT<Scalar>& x,
                 MatrixT<Scalar>* rows) const override;
  void OutputVectors(const MatrixT<Scalar>& d_h,
                     MatrixT<Scalar>* vectors) const override;
  std::vector<ExportField> ExportFields() const override;
  std::vector<int64_t> ExportWeightShape() const override;
  bool uses_worker_threads() const override { return true; }
  std::unique_ptr<BasicLayer<Scalar>> Clone() const override {
    return std::make_unique<BasicConv2d>(*this);
  }

 private:
  // Rows [first, first + count) of x (or d_x) <-> rows
  // [first P, (first + count) P) of a patch matrix.
  void Im2col(const MatrixT<Scalar>& x, Eigen::Index first, Eigen::Index count,
              MatrixT<Scalar>* patches) const;
  void Col2im(const MatrixT<Scalar>& patches, Eigen::Index first,
              Eigen::Index count, MatrixT<Scalar>* d_x) const;
  // d_h rows [first, first + count) as [count P, k] (OutputVectors' layout).
  void GatherVectors(const MatrixT<Scalar>& d_h, Eigen::Index first,
                     Eigen::Index count, MatrixT<Scalar>* vectors) const;
  // Samples (or cotangent rows) per chunk for chunk matrices of `width`
  // columns.
  Eigen::Index ChunkRows(int width) const;

  Conv2dGeometry geometry_;
};

using Conv2d = BasicConv2d<float>;
using Conv2dD = BasicConv2d<double>;

extern template class BasicConv2d<float>;
extern template class BasicConv2d<double>;

}  // namespace nfalab

#endif  // NFALAB_LAYERS_CONV2D_H_
