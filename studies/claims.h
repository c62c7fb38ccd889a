// Claims tested over seeds, shared by the study analyses. A claim is about
// a per-seed effect d (e.g. UC-NFC(last) − UC-NFC(first), or SLO's UC-NFC
// minus SGD's for the same seed) and says that the mean of d lies above, or
// below, a threshold θ. Its verdict comes from the 95% Student t interval
// [lo, hi] of the mean of d (report/statistics.h):
//
//   mean d > θ:  supported if lo > θ, not supported if hi < θ;
//   mean d < θ:  supported if hi < θ, not supported if lo > θ;
//
// and inconclusive when the interval contains θ or fewer than two seeds
// give a finite d (no interval).
//
//   const Claim claim = {"B", "UC-NFC rises", "UC-NFC(last) − UC-NFC(first)",
//                        0.0, Claim::kAbove, "", "UC-NFC rises",
//                        "UC-NFC falls", "no detectable change"};
//   std::vector<ClaimRow> rows = {{"1", "3 of 3 (seeds 0, 1, 2)", d1}, ...};
//   absl::StrAppend(&out, ClaimTable(claim, "layer", rows, &verdicts));
#ifndef NFALAB_STUDIES_CLAIMS_H_
#define NFALAB_STUDIES_CLAIMS_H_

#include <map>
#include <string>
#include <vector>

#include "report/statistics.h"

namespace nfalab {

enum class Verdict { kSupported, kNotSupported, kInconclusive };

struct Claim {
  enum Direction { kAbove, kBelow };

  std::string name;       // "A"
  std::string statement;  // "UC-NFC rises from the first to the last ..."
  std::string effect;     // how d is computed, "UC-NFC(last) − UC-NFC(first)"
  double threshold = 0;   // θ
  Direction direction = kAbove;
  // Where θ comes from, e.g. "min_uc_gain in the study config"; empty for a
  // fixed θ, which the claim's sentence then leaves out.
  std::string threshold_source;
  // The verdict cell's words after "supported: ", "not supported: " and
  // "inconclusive: ".
  std::string if_supported;
  std::string if_not_supported;
  std::string if_inconclusive;
};

struct JudgedEffect {
  MeanInterval interval;
  Verdict verdict = Verdict::kInconclusive;
  std::string words;  // the verdict cell, "supported: UC-NFC rises"
};

// The verdict on the mean of the finite values of d.
JudgedEffect JudgeClaim(const Claim& claim, const std::vector<double>& d);

// One row of a claim's table: a label (a layer, a grid point), which seeds
// entered it, and d per seed in seed order.
struct ClaimRow {
  std::string label;
  std::string seeds;
  std::vector<double> d;
};

// "\nClaim A: <statement>. d = <effect>[; threshold θ (<source>)].\n\n" and
// the table | <label_header> | seeds | d per seed | mean d [95% CI] |
// verdict |, one row per entry of `rows`. Appends each row's verdict to
// `verdicts` (if not null).
std::string ClaimTable(const Claim& claim, const std::string& label_header,
                       const std::vector<ClaimRow>& rows,
                       std::vector<Verdict>* verdicts);

// The verdict's name: "supported", "not supported", "inconclusive".
const char* VerdictName(Verdict verdict);

// "supported at layers 1-3, inconclusive at layer 4": the layers of each
// verdict, in the order supported, not supported, inconclusive (LayerRanges
// in studies/report_format.h).
std::string LayersByVerdict(const std::map<Verdict, std::vector<int>>& layers);

// "supported for a, b; inconclusive for c": the labels of each verdict
// (labels[i] has verdicts[i]), in the order above, "none compared" if empty.
std::string LabelsByVerdict(const std::vector<std::string>& labels,
                            const std::vector<Verdict>& verdicts);

}  // namespace nfalab

#endif  // NFALAB_STUDIES_CLAIMS_H_
