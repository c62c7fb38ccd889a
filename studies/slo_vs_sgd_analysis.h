// Study analysis "slo_vs_sgd" (paper claim 3): every SLO point (any mode
// or speeds, so also the controls) against a reference SGD point, at each of
// its target layers l*, seed by seed. The reference is the SGD point with
// the lowest mean final test loss among those with the SLO point's labels on
// the sweeps that set no optimizer field. Claims (studies/claims.h), with the
// thresholds of SloVsSgdOptions (slo_vs_sgd_options.proto):
//   3a  UC-NFC(SLO) − UC-NFC(SGD) at l*   > min_uc_gain
//   3b  C-NFC(SLO) − C-NFC(SGD) at l*     > min_c_gain
//   3c  train loss(SLO) / train loss(SGD) < max_train_loss_ratio
//   3d  UC-NFC(SLO) − UC-NFC(SGD) < 0 at each layer other than l*
// The section also gives every layer's final UC-NFC, C-NFC and ||dW||/||W||
// per point, so that alignment can be told from W0 dilution.
#ifndef NFALAB_STUDIES_SLO_VS_SGD_ANALYSIS_H_
#define NFALAB_STUDIES_SLO_VS_SGD_ANALYSIS_H_

#include <vector>

#include "experiment/experiment_config.pb.h"

namespace nfalab {

// The SLO target layers of a run's config (optimizer.options or the
// deprecated optimizer.slo), ascending and without repeats; empty if none
// are set. The only place the analysis reads the SLO options.
std::vector<int> SloTargetLayers(const ExperimentConfig& config);

}  // namespace nfalab

#endif  // NFALAB_STUDIES_SLO_VS_SGD_ANALYSIS_H_
