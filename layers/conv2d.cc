#include "layers/conv2d.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "core/check.h"
#include "core/parallel.h"

namespace nfalab {

template <typename Scalar>
BasicConv2d<Scalar>::BasicConv2d(const Conv2dGeometry& geometry, bool has_bias)
    : BasicWeightedLayer<Scalar>(
          geometry.input,
          SampleShape::Image(geometry.out_channels, geometry.out_height(),
                             geometry.out_width()),
          geometry.out_channels, geometry.patch_size(), has_bias),
      geometry_(geometry) {
  NFALAB_CHECK(geometry.out_channels > 0 && geometry.out_height() > 0 &&
               geometry.out_width() > 0)
      << "Conv2d output " << this->output_shape().ToString();
  this->set_type("conv2d");
}

template <typename Scalar>
absl::StatusOr<std::unique_ptr<BasicLayer<Scalar>>> BasicConv2d<Scalar>::Create(
    const LayerSpec& spec, const SampleShape& input) {
  Conv2dGeometry g;
  g.input = input;
  // A flat sample (d, 1, 1) has no spatial shape: a conv model on vector
  // data is a config mistake, not a 1 x 1 image.
  if (input.is_flat()) {
    return absl::InvalidArgumentError(
        absl::StrCat("conv2d needs an image input [C, H, W], got ",
                     input.ToString(), "; the data has no spatial shape"));
  }
  if (!spec.has_out_channels() || spec.out_channels() < 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("conv2d needs out_channels >= 1, got ",
                     spec.has_out_channels() ? absl::StrCat(spec.out_channels())
                                             : std::string("none")));
  }
  g.out_channels = spec.out_channels();
  if (spec.has_kernel_size()) g.kernel = spec.kernel_size();
  if (spec.has_stride()) g.stride = spec.stride();
  if (spec.has_padding()) g.padding = spec.padding();
  if (g.kernel < 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("conv2d kernel_size must be >= 1, got ", g.kernel));
  }
  if (g.stride < 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("conv2d stride must be >= 1, got ", g.stride));
  }
  if (g.padding < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("conv2d padding must be >= 0, got ", g.padding));
  }
  // In 64 bits: a huge padding must not overflow the check.
  const int64_t padded_h = int64_t{input.height} + 2 * int64_t{g.padding};
  const int64_t padded_w = int64_t{input.width} + 2 * int64_t{g.padding};
  if (g.kernel > padded_h || g.kernel > padded_w) {
    return absl::InvalidArgumentError(absl::StrCat(
        "conv2d kernel ", g.kernel, " is larger than the padded input ",
        padded_h, " x ", padded_w, " (padding ", g.padding, ")"));
  }
  // With the kernel inside the padded input H_out >= 1 already; this guards
  // the arithmetic (and any later change to it).
  const int64_t out_h = (padded_h - g.kernel) / g.stride + 1;
  const int64_t out_w = (padded_w - g.kernel) / g.stride + 1;
  if (out_h < 1 || out_w < 1 || padded_h > (int64_t{1} << 30) ||
      padded_w > (int64_t{1} << 30)) {
    return absl::InvalidArgumentError(
        absl::StrCat("conv2d output size ", out_h, " x ", out_w, " for input ",
                     input.ToString(), " (kernel ", g.kernel, ", stride ",
                     g.stride, ", padding ", g.padding, ") is not positive"));
  }
  const bool bias = spec.has_bias() ? spec.bias() : true;
  return std::unique_ptr<BasicLayer<Scalar>>(
      std::make_unique<BasicConv2d>(g, bias));
}

template <typename Scalar>
Eigen::Index BasicConv2d<Scalar>::ChunkRows(int width) const {
  const int64_t per_row = int64_t{positions()} * std::max(width, 1);
  return static_cast<Eigen::Index>(
      std::max<int64_t>(1, kMaxChunkEntries / per_row));
}

template <typename Scalar>
void BasicConv2d<Scalar>::Im2col(const MatrixT<Scalar>& x, Eigen::Index first,
                                 Eigen::Index count,
                                 MatrixT<Scalar>* patches) const {
  const Conv2dGeometry& g = geometry_;
  const int in_h = g.input.height, in_w = g.input.width;
  const int out_h = g.out_height(), out_w = g.out_width();
  const int k = g.kernel;
  patches->resize(count * positions(), g.patch_size());
  Scalar* out = patches->data();
  for (Eigen::Index i = 0; i < count; ++i) {
    const Scalar* sample = x.row(first + i).data();
    for (int oy = 0; oy < out_h; ++oy) {
      const int y0 = oy * g.stride - g.padding;
      for (int ox = 0; ox < out_w; ++ox) {
        const int x0 = ox * g.stride - g.padding;
        // Only patches that overlap the padding need a test per entry.
        const bool inside_x = x0 >= 0 && x0 + k <= in_w;
        for (int c = 0; c < g.input.channels; ++c) {
          const Scalar* plane = sample + static_cast<int64_t>(c) * in_h * in_w;
          for (int dy = 0; dy < k; ++dy, out += k) {
            const int iy = y0 + dy;
            if (iy < 0 || iy >= in_h) {
              std::fill(out, out + k, Scalar(0));
              continue;
            }
            const Scalar* row = plane + static_cast<int64_t>(iy) * in_w;
            if (inside_x) {
              // Inline copies: a library call per 3 entries costs more than
              // the copy.
              if (k == 3) {
                out[0] = row[x0];
                out[1] = row[x0 + 1];
                out[2] = row[x0 + 2];
              } else {
                for (int dx = 0; dx < k; ++dx) out[dx] = row[x0 + dx];
              }
              continue;
            }
            for (int dx = 0; dx < k; ++dx) {
              const int ix = x0 + dx;
              out[dx] = ix >= 0 && ix < in_w ? row[ix] : Scalar(0);
            }
          }
        }
      }
    }
  }
}

template <typename Scalar>
void BasicConv2d<Scalar>::Col2im(const MatrixT<Scalar>& patches,
                                 Eigen::Index first, Eigen::Index count,
                                 MatrixT<Scalar>* d_x) const {
  const Conv2dGeometry& g = geometry_;
  const int in_h = g.input.height, in_w = g.input.width;
  const int out_h = g.out_height(), out_w = g.out_width();
  const int k = g.kernel;
  const Scalar* in = patches.data();
  for (Eigen::Index i = 0; i < count; ++i) {
    Scalar* sample = d_x->row(first + i).data();
    std::fill(sample, sample + d_x->cols(), Scalar(0));
    for (int oy = 0; oy < out_h; ++oy) {
      const int y0 = oy * g.stride - g.padding;
      for (int ox = 0; ox < out_w; ++ox) {
        const int x0 = ox * g.stride - g.padding;
        const bool inside_x = x0 >= 0 && x0 + k <= in_w;
        for (int c = 0; c < g.input.channels; ++c) {
          Scalar* plane = sample + static_cast<int64_t>(c) * in_h * in_w;
          for (int dy = 0; dy < k; ++dy, in += k) {
            const int iy = y0 + dy;
            // Padding entries have no input to flow back to.
            if (iy < 0 || iy >= in_h) continue;
            Scalar* row = plane + static_cast<int64_t>(iy) * in_w;
            if (inside_x) {
              if (k == 3) {
                row[x0] += in[0];
                row[x0 + 1] += in[1];
                row[x0 + 2] += in[2];
              } else {
                for (int dx = 0; dx < k; ++dx) row[x0 + dx] += in[dx];
              }
              continue;
            }
            for (int dx = 0; dx < k; ++dx) {
              const int ix = x0 + dx;
              if (ix >= 0 && ix < in_w) row[ix] += in[dx];
            }
          }
        }
      }
    }
  }
}

template <typename Scalar>
void BasicConv2d<Scalar>::GatherVectors(const MatrixT<Scalar>& d_h,
                                        Eigen::Index first, Eigen::Index count,
                                        MatrixT<Scalar>* vectors) const {
  const int p_count = positions(), k = this->units();
  vectors->resize(count * p_count, k);
  using ChannelMajor = Eigen::Map<const MatrixT<Scalar>>;
  for (Eigen::Index j = 0; j < count; ++j) {
    // Row j of d_h is [k, P] channel-major; its transpose is G_j [P, k].
    vectors->middleRows(j * p_count, p_count) =
        ChannelMajor(d_h.row(first + j).data(), k, p_count).transpose();
  }
}

namespace {

// One worker's chunk matrices, reused from chunk to chunk.
template <typename Scalar>
struct ChunkBuffers {
  MatrixT<Scalar> patches, products, vectors;
};

// Runs fn(first, count, buffers) over the chunks of `rows` rows, `chunk` at
// most each, on up to ParallelWorkers() threads, each with a
// single-threaded BLAS. Chunks write disjoint rows, so any split gives the
// same bits.
template <typename Scalar, typename Fn>
void ForEachChunk(Eigen::Index rows, Eigen::Index chunk, Fn fn) {
  const int chunks = static_cast<int>((rows + chunk - 1) / chunk);
  const int workers = std::min(ParallelWorkers(), chunks);
  std::vector<ChunkBuffers<Scalar>> buffers(workers);
  ScopedSingleThreadedBlas single_threaded(workers > 1);
  ParallelFor(chunks, workers, [&](int index, int worker) {
    const Eigen::Index first = index * chunk;
    fn(first, std::min(chunk, rows - first), &buffers[worker]);
  });
}

}  // namespace

template <typename Scalar>
void BasicConv2d<Scalar>::Forward(const MatrixT<Scalar>& x, MatrixT<Scalar>* h,
                                  MatrixT<Scalar>* /*kept*/) const {
  NFALAB_DCHECK(x.cols() == this->input_size());
  const int p_count = positions(), k = this->units();
  h->resize(x.rows(), this->output_size());
  using ChannelMajor = Eigen::Map<MatrixT<Scalar>>;
  ForEachChunk<Scalar>(
      x.rows(), ChunkRows(std::max(this->fan_in(), k)),
      [&](Eigen::Index first, Eigen::Index count, ChunkBuffers<Scalar>* b) {
        Im2col(x, first, count, &b->patches);
        b->products.noalias() =
            b->patches * this->weight().transpose();  // [count P, k]
        if (this->has_bias()) b->products.rowwise() += this->bias().transpose();
        for (Eigen::Index i = 0; i < count; ++i) {
          ChannelMajor(h->row(first + i).data(), k, p_count) =
              b->products.middleRows(i * p_count, p_count).transpose();
        }
      });
}

template <typename Scalar>
void BasicConv2d<Scalar>::Backward(const MatrixT<Scalar>& x,
                                   const MatrixT<Scalar>& /*h*/,
                                   const MatrixT<Scalar>& /*kept*/,
                                   const MatrixT<Scalar>& d_h,
                                   int rows_per_sample, MatrixT<Scalar>* d_x,
                                   MatrixT<Scalar>* d_weight,
                                   VectorT<Scalar>* d_bias) const {
  NFALAB_DCHECK(d_h.cols() == this->output_size());
  const int k = this->units(), p = this->fan_in();
  const Eigen::Index chunk = ChunkRows(std::max(p, k));
  if (d_weight != nullptr) {
    NFALAB_CHECK(rows_per_sample == 1) << "parameter gradients need R = 1";
    NFALAB_CHECK(d_h.rows() == x.rows()) << d_h.rows() << " vs " << x.rows();
    // Each chunk's G^T X on its own, added in chunk order in rounds of one
    // chunk per worker: the same sum for any number of workers.
    const int chunks = static_cast<int>((d_h.rows() + chunk - 1) / chunk);
    const int workers = std::min(ParallelWorkers(), chunks);
    std::vector<ChunkBuffers<Scalar>> buffers(workers);
    d_weight->setZero(k, p);
    ScopedSingleThreadedBlas single_threaded(workers > 1);
    for (int round = 0; round < chunks; round += workers) {
      const int tasks = std::min(workers, chunks - round);
      ParallelFor(tasks, workers, [&](int task, int worker) {
        ChunkBuffers<Scalar>& b = buffers[worker];
        const Eigen::Index first = (round + task) * chunk;
        const Eigen::Index count = std::min(chunk, d_h.rows() - first);
        GatherVectors(d_h, first, count, &b.vectors);
        Im2col(x, first, count, &b.patches);
        b.products.noalias() = b.vectors.transpose() * b.patches;
      });
      for (int task = 0; task < tasks; ++task) {
        *d_weight += buffers[task].products;
      }
    }
  }
  if (d_bias != nullptr && this->has_bias()) {
    // Column sums of d_h, then the P positions of each channel.
    const RowVectorT<Scalar> sums = d_h.colwise().sum();
    *d_bias = Eigen::Map<const MatrixT<Scalar>>(sums.data(), k, positions())
                  .rowwise()
                  .sum();
  }
  if (d_x != nullptr) {
    d_x->resize(d_h.rows(), this->input_size());
    ForEachChunk<Scalar>(
        d_h.rows(), chunk,
        [&](Eigen::Index first, Eigen::Index count, ChunkBuffers<Scalar>* b) {
          GatherVectors(d_h, first, count, &b->vectors);
          b->products.noalias() = b->vectors * this->weight();  // [count P, p]
          Col2im(b->products, first, count, d_x);
        });
  }
}

template <typename Scalar>
void BasicConv2d<Scalar>::InputRows(const MatrixT<Scalar>& x,
                                    MatrixT<Scalar>* rows) const {
  Im2col(x, 0, x.rows(), rows);
}

template <typename Scalar>
void BasicConv2d<Scalar>::OutputVectors(const MatrixT<Scalar>& d_h,
                                        MatrixT<Scalar>* vectors) const {
  GatherVectors(d_h, 0, d_h.rows(), vectors);
}

template <typename Scalar>
std::vector<ExportField> BasicConv2d<Scalar>::ExportFields() const {
  return {{"in_channels", absl::StrCat(geometry_.input.channels)},
          {"out_channels", absl::StrCat(geometry_.out_channels)},
          {"kernel_size", absl::StrCat(geometry_.kernel)},
          {"stride", absl::StrCat(geometry_.stride)},
          {"padding", absl::StrCat(geometry_.padding)}};
}

template <typename Scalar>
std::vector<int64_t> BasicConv2d<Scalar>::ExportWeightShape() const {
  return {geometry_.out_channels, geometry_.input.channels, geometry_.kernel,
          geometry_.kernel};
}

template class BasicConv2d<float>;
template class BasicConv2d<double>;

NFALAB_REGISTER_LAYER("conv2d", BasicConv2d,
                      "2-D convolution, W [out, in kh kw]; options: "
                      "out_channels, kernel_size (3), stride (1), padding (1), "
                      "bias (true)");

}  // namespace nfalab
