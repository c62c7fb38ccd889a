// Study analysis "slo_vs_sgd" (paper claim 3): SLO against SGD at each SLO
// target layer l*. The claim holds at l* when the final UC-NFC of l* under
// SLO exceeds SGD's by at least min_uc_gain, at a final train loss at most
// max_train_loss_ratio times SGD's (SloVsSgdOptions, beside it in
// slo_vs_sgd_options.proto). The report's
// wording is in studies/study_report.h.
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
