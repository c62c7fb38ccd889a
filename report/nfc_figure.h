// nfc_figure: the standard figure of a run, drawn from its MetricsTable as a
// standalone SVG (see svg_plot.h for the rendering and document structure).
//
//   MetricsTable table = ...;  // e.g. filled by the trainer
//   std::string svg = RenderNfcFigure(table, "teacher_mlp");
//   NFALAB_RETURN_IF_ERROR(WriteFileAtomically("runs/t/nfc.svg", svg));
//
// Panels, in this order, laid out row by row with at most 3 per row:
// - one per measured layer l (a layer with `uc_nfc` or `c_nfc` rows), titled
//   "Layer l": the Pearson UC-NFC ("UC-NFC", blue) and C-NFC ("C-NFC",
//   green) against epoch, plus the early-time predictor ("predicted C-NFC",
//   a light green dot at epoch -1) when `predicted_c_nfc` rows exist. The y
//   axis is fixed to [0, 1] when every value shown is >= 0, else [-1, 1]. A
//   NaN (e.g. the C-NFC of a layer that has not moved) leaves a gap.
// - "Loss", when the table has losses (a run's; `nfalab measure` writes
//   none) or no other panel: `train_loss` ("train", solid) and, if present, `test_loss`
//   ("test", dashed) against epoch on a log y axis. Epoch -1 (before
//   training) is kept and drawn at x = -1, so the first segment shows the
//   drop during epoch 0. Non-positive losses cannot be drawn on a log axis;
//   the panel notes how many were skipped.
// - "Relative weight change", only if `weight_change` rows exist:
//   ||W - W0||_F / ||W||_F against epoch, one series "layer l" per layer.
// With no measured layer the figure is the loss panel (and the weight-change
// panel, if any). Rows of one series are drawn in (epoch, step) order.
#ifndef NFALAB_REPORT_NFC_FIGURE_H_
#define NFALAB_REPORT_NFC_FIGURE_H_

#include <string>

#include "absl/strings/string_view.h"
#include "report/metrics_table.h"

namespace nfalab {

// The figure described above; `title` is printed on top (XML-escaped) and
// may be empty.
std::string RenderNfcFigure(const MetricsTable& table, absl::string_view title);

}  // namespace nfalab

#endif  // NFALAB_REPORT_NFC_FIGURE_H_
