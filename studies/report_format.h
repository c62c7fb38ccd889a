// Markdown and figure pieces shared by the study report and its analyses.
//
//   absl::StrAppend(&out, TableHeader({"layer", "UC-NFC"}),
//                   TableRow({"1", FormatStat(values)}));
//   absl::StrAppend(&out, AddFigure(figure, "curves_base.svg", "alt",
//   figures));
//
// Numbers have 3 decimals ("0.512"); a statistic over seeds is
// "mean ± sample std" ("0.512 ± 0.031"; "± n/a" for one finite value; "n/a"
// for none; " (k of n finite)" when some values were not finite), or, with a
// confidence interval, "mean [lo, hi]" (report/statistics.h).
#ifndef NFALAB_STUDIES_REPORT_FORMAT_H_
#define NFALAB_STUDIES_REPORT_FORMAT_H_

#include <string>
#include <utility>
#include <vector>

#include "absl/strings/string_view.h"
#include "report/statistics.h"
#include "report/svg_plot.h"
#include "studies/grid_points.h"

namespace nfalab {

// The figures of a report as (file name, SVG document), in link order.
using ReportFigures = std::vector<std::pair<std::string, std::string>>;

// "%.3f", without a negative zero; "nan"/"inf"/"-inf" for non-finite values.
std::string Num(double value);

// "mean ± std" of the finite values, as described above.
std::string FormatStat(const std::vector<double>& values);

// "mean [lo, hi]", "mean [n/a]" (one value), "n/a" (none).
std::string FormatInterval(const MeanInterval& interval);

// "0.910, 0.930, 0.950".
std::string ValueList(const std::vector<double>& values);

// "layer 3" or "layers 1, 2, 4".
std::string LayerList(const std::vector<int>& layers);

// Like LayerList, with three or more consecutive layers as a range:
// "layers 1-6, 8, 9" (`layers` ascending).
std::string LayerRanges(const std::vector<int>& layers);

// The epoch, or "n/a" for a negative one (none measured).
std::string EpochLabel(int epoch);

// `text` as Markdown code.
std::string Code(absl::string_view text);

// A Markdown table row, and a header row with its rule.
std::string TableRow(const std::vector<std::string>& cells);
std::string TableHeader(const std::vector<std::string>& cells);

// Mean line and mean ± std band of a measure over the point's runs, by
// epoch (epochs >= min_epoch).
PlotSeries MeanSeries(const GridPoint& point, int layer,
                      absl::string_view measure, std::string name,
                      std::string color, int min_epoch);

// True if no finite point or band edge of the panel is negative.
bool AllNonNegative(const PlotPanel& panel);

// Adds the rendered figure to `figures` (if not null) and returns the
// Markdown that shows it, or a line saying why it could not be drawn.
std::string AddFigure(const PlotFigure& figure, const std::string& file,
                      const std::string& alt, ReportFigures* figures);

}  // namespace nfalab

#endif  // NFALAB_STUDIES_REPORT_FORMAT_H_
