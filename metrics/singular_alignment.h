// The alignment decomposition of the NFC (paper §2.8). With the thin SVD
// W = U S V^T and M = U^T K U:
//
//   W^T W = V S^2 V^T,   W^T K W = V (S M S) V^T,
//
// so V cancels and only how the left singular vectors u_i line up with K
// matters. This module reports
//
//   direction_alignment_i = u_i^T K u_i / (tr K / k)   (1 = K is isotropic
//                            along u_i; > 1 = u_i is a high-PTK direction)
//   nfc_cos = tr(S^4 M) / (|S^2|_F |S M S|_F)          (= the cosine NFC_1)
//
// and the direct left-Gram alignment rho(W W^T, K) in the k x k space.
#ifndef NFALAB_METRICS_SINGULAR_ALIGNMENT_H_
#define NFALAB_METRICS_SINGULAR_ALIGNMENT_H_

#include "core/tensor.h"

namespace nfalab {

struct SingularAlignment {
  // s_1 >= s_2 >= ... (min(k_out, k_in) of them).
  VectorD singular_values;
  // u_i^T K u_i / (tr K / k_out), in the order of singular_values (NaN or
  // infinite if tr K = 0).
  VectorD direction_alignment;
  // The cosine NFC_1 recomputed from S and M (NaN if W or K is zero).
  double nfc_cos = 0;
};

// W: [k_out, k_in], K: [k_out, k_out] symmetric.
SingularAlignment ComputeSingularAlignment(const MatrixD& w, const MatrixD& k);

}  // namespace nfalab

#endif  // NFALAB_METRICS_SINGULAR_ALIGNMENT_H_
