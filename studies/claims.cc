#include "studies/claims.h"

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "report/statistics.h"
#include "studies/report_format.h"

namespace nfalab {

JudgedEffect JudgeClaim(const Claim& claim, const std::vector<double>& d) {
  JudgedEffect judged;
  judged.interval = MeanConfidence95(d);
  const MeanInterval& ci = judged.interval;
  if (ci.n < 2) {
    judged.words = ci.n == 0 ? "inconclusive (no seed: no interval)"
                             : "inconclusive (one seed: no interval)";
    return judged;
  }
  const double theta = claim.threshold;
  const bool above = ci.lo > theta, below = ci.hi < theta;
  const bool supported = claim.direction == Claim::kAbove ? above : below;
  const bool refuted = claim.direction == Claim::kAbove ? below : above;
  if (supported) {
    judged.verdict = Verdict::kSupported;
    judged.words = absl::StrCat("supported: ", claim.if_supported);
  } else if (refuted) {
    judged.verdict = Verdict::kNotSupported;
    judged.words = absl::StrCat("not supported: ", claim.if_not_supported);
  } else {
    judged.words = absl::StrCat("inconclusive: ", claim.if_inconclusive);
  }
  return judged;
}

std::string ClaimTable(const Claim& claim, const std::string& label_header,
                       const std::vector<ClaimRow>& rows,
                       std::vector<Verdict>* verdicts) {
  std::string out = absl::StrCat("\nClaim ", claim.name, ": ", claim.statement,
                                 ". d = ", claim.effect);
  if (!claim.threshold_source.empty()) {
    absl::StrAppend(&out, "; supported if the 95% CI of mean d lies ",
                    claim.direction == Claim::kAbove ? "above" : "below",
                    " θ = ", Num(claim.threshold), " (", claim.threshold_source,
                    ")");
  }
  absl::StrAppend(&out, ".\n\n",
                  TableHeader({label_header, "seeds", "d per seed",
                               "mean d [95% CI]", "verdict"}));
  for (const ClaimRow& row : rows) {
    const JudgedEffect judged = JudgeClaim(claim, row.d);
    if (verdicts != nullptr) verdicts->push_back(judged.verdict);
    absl::StrAppend(&out,
                    TableRow({row.label, row.seeds,
                              row.d.empty() ? "n/a" : ValueList(row.d),
                              FormatInterval(judged.interval), judged.words}));
  }
  return out;
}

const char* VerdictName(Verdict verdict) {
  switch (verdict) {
    case Verdict::kSupported:
      return "supported";
    case Verdict::kNotSupported:
      return "not supported";
    case Verdict::kInconclusive:
      return "inconclusive";
  }
  return "inconclusive";
}

std::string LayersByVerdict(const std::map<Verdict, std::vector<int>>& layers) {
  std::vector<std::string> parts;
  for (Verdict verdict :
       {Verdict::kSupported, Verdict::kNotSupported, Verdict::kInconclusive}) {
    auto it = layers.find(verdict);
    if (it == layers.end() || it->second.empty()) continue;
    parts.push_back(
        absl::StrCat(VerdictName(verdict), " at ", LayerRanges(it->second)));
  }
  return absl::StrJoin(parts, ", ");
}

std::string LabelsByVerdict(const std::vector<std::string>& labels,
                            const std::vector<Verdict>& verdicts) {
  std::vector<std::string> parts;
  for (Verdict verdict :
       {Verdict::kSupported, Verdict::kNotSupported, Verdict::kInconclusive}) {
    std::vector<std::string> named;
    for (size_t i = 0; i < labels.size(); ++i) {
      if (verdicts[i] == verdict) named.push_back(labels[i]);
    }
    if (named.empty()) continue;
    parts.push_back(absl::StrCat(VerdictName(verdict), " for ",
                                 absl::StrJoin(named, ", ")));
  }
  if (parts.empty()) return "none compared";
  return absl::StrJoin(parts, "; ");
}

}  // namespace nfalab
