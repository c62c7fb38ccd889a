// The report of a study: report.md (Markdown) and its SVG figures, computed
// from the runs' metrics (StudyResults), for `nfalab study` / `nfalab report`.
//
//   NFALAB_RETURN_IF_ERROR(WriteStudyReport(results, "docs/studies/x"));
//
// Every number is the mean ± sample standard deviation (n - 1) over the
// seeds of a grid point, with 3 decimals ("0.512 ± 0.031"; "± n/a" for a
// single seed) in the generic sections; the analyses give mean [95% CI]
// (PAPER_MLP_TABLE also the per-seed values) and judge claims on per-seed
// effects (studies/claims.h).
// Non-finite values (e.g. the NaN C-NFC of a layer that did not move) are left
// out and the count is noted ("(2 of 3 finite)"); "n/a" means no value at all.
// "Final" is a run's last row of a measure (largest epoch, then step).
//
// Grid points are the combinations of the sweeps' point labels, in the
// study config's order; a point is shown as "sweep=label, ..." ("base" with
// no sweeps) and its file key is the labels joined by "__".
//
// Sections: the generic ones, then those of the analyses the study config
// selects (`analyses`, or the enum `analysis` as shorthand), each a
// registered StudyAnalysis (studies/study_analysis.h) in its own file. The
// statistics are report/statistics.h. The built-in sections:
// - always (GENERIC): header (study name, analysis, runs, seeds, the
//   command that regenerates the report); a table with one row per grid
//   point: final train loss, test loss and test accuracy (when present) and
//   every measured layer's final UC-NFC and C-NFC; and per grid point the
//   figure `curves_<key>.svg`: one panel per layer, UC-NFC and C-NFC against
//   epoch, mean line and ± std band.
// - EARLY_ALIGNMENT (paper claim 1), per grid point and layer: UC-NFC and
//   C-NFC at the first and last measurement as in CONV_ALIGNMENT below, and
//   four claims with thresholds from EarlyAlignmentOptions: A C-NFC >
//   UC-NFC first, B UC-NFC rises, C C-NFC falls, D the gap closes (D = B +
//   C per seed); studies/early_alignment_analysis.cc. Figure
//   `weight_change_<key>.svg`: ||dW||/||W|| against epoch, one series per
//   layer (mean ± std).
// - DATA_DISTRIBUTION (claim 2): per grid point the measured early
//   C-NFC against the G0/K0 predictor and the closed form from the data;
//   every layer's C-NFC after epoch 0; claims 2a-2c on per-seed values
//   (studies/data_distribution_analysis.cc); figure
//   `predicted_vs_measured.svg`.
// - SLO_VS_SGD (claim 3): every point's optimizer in words and its final
//   losses; every layer's final UC-NFC, C-NFC and ||dW||/||W|| per point;
//   and claims 3a-3d, each SLO point against the reference SGD point seed
//   by seed (studies/slo_vs_sgd_analysis.h).
// - CONV_ALIGNMENT (per-layer alignment over training), per grid point and
//   measured layer (for a VGG, the conv layers): the first measurement is
//   the smallest epoch >= 0 at which a run has both UC-NFC and C-NFC, the
//   last the largest; a run enters the layer's rows only if both are finite
//   at both epochs (the rows say which seeds did). A table of UC-NFC and
//   C-NFC at both epochs as "mean [lo, hi] (per-seed values)", the 95%
//   interval mean ± t_{0.975, n-1} s / sqrt(n) over the n seeds
//   (StudentT975 in report/statistics.h). Then three claims, each tested on a
//   per-seed difference d with a verdict from the 95% interval of its mean:
//   supported (above 0), not supported (below 0), inconclusive (contains 0, or
//   fewer than two seeds). A: C-NFC > UC-NFC at the first measurement (d = C -
//   UC there); B: UC-NFC rises (d = UC last - UC first); C: C-NFC at the last
//   measurement at least as high as at the first (d = C last - C first;
//   worded rises / falls / no detectable change). One line per claim lists
//   the layers under each verdict ("Claim A: supported at layers 1-6,
//   inconclusive at layers 7, 8."). The curves are GENERIC's figure.
// - PAPER_MLP_TABLE (the authors' MLP table, MLP/gen_csv.py): one row per
//   (dataset, seed) with every layer's UC-NFC and C-NFC at init (epoch 0)
//   and end (the dataset's last measured epoch), n/a where a run has no
//   value there, and a mean [95% CI] row per dataset; the same table as
//   `paper_mlp_table.csv` (studies/paper_mlp_table_analysis.cc has the
//   columns and the dataset names).
// The report only states what the numbers say; nothing is tuned.
#ifndef NFALAB_STUDIES_STUDY_REPORT_H_
#define NFALAB_STUDIES_STUDY_REPORT_H_

#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "studies/study_results.h"

namespace nfalab {

// The report's Markdown text. `figures`, if not null, receives the files
// the report links to as (file name, content) pairs, in link order: the SVG
// figures and, for PAPER_MLP_TABLE, paper_mlp_table.csv.
// Deterministic: the same results give the same bytes.
std::string RenderStudyReport(
    const StudyResults& results,
    std::vector<std::pair<std::string, std::string>>* figures);

// Creates `out_dir` if needed and writes the figures (every linked file)
// and then `<out_dir>/report.md`, each atomically. NotFound for an unknown
// analysis (listing the registered ones), InvalidArgument for a bad
// threshold, before anything is written. (RenderStudyReport states such an error in the
// report in place of the analysis sections.)
absl::Status WriteStudyReport(const StudyResults& results,
                              const std::string& out_dir);

}  // namespace nfalab

#endif  // NFALAB_STUDIES_STUDY_REPORT_H_
