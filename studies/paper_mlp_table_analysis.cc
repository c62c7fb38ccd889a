// Study analysis "paper_mlp_table": the authors' MLP table (paper.md §5.1,
// MLP/gen_csv.py). Per (dataset, seed) and per measured layer, the UC-NFC
// and C-NFC at "init" and at the end:
// - init is the measurement at epoch 0, taken after the epoch at lr 1e-4
//   (the authors' index 0). A run without one gets n/a, never a later
//   epoch's value.
// - end is the dataset's last measured epoch (the authors' last index): the
//   largest epoch at which any of its runs measured a layer. A run that
//   stopped before it gets n/a.
// The report section is one Markdown table, a row per (dataset, seed) and
// after each dataset's rows a row of mean [95% t-interval] over its seeds,
// then one line per run with an n/a cell saying which and why.
//
// The dataset of a grid point is its label on the sweep named "dataset" if
// the study has one (that label names the data even when the source is a
// generic reader such as "idx"), else its runs' data.source. Grid points
// that share that name (another sweep varies, e.g., the lr) are told apart
// as "<name>:<their labels on the other sweeps joined by __>".
//
// paper_mlp_table.csv: header "dataset,seed" then, per layer l,
// "uc_nfc_init_l,c_nfc_init_l,uc_nfc_end_l,c_nfc_end_l"; one row per
// (dataset, seed) in grid-point then seed order, no summary rows. Values
// have 9 significant digits (as metrics.csv), "nan" for an undefined
// measurement, an empty field for a missing one. The exact column names and
// number format of gen_csv.py are unknown (its output is not in the
// authors' repository), so these names are nfalab's; what the columns hold
// is the script's. The CSV travels in the report's file list (the
// ReportFigures the analyses fill), which WriteStudyReport writes
// atomically beside report.md like the SVG figures.
#include <algorithm>
#include <array>
#include <cmath>
#include <map>
#include <optional>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "report/statistics.h"
#include "studies/grid_points.h"
#include "studies/report_format.h"
#include "studies/study_analysis.h"

namespace nfalab {
namespace {

constexpr char kCsvFile[] = "paper_mlp_table.csv";
constexpr char kDatasetSweep[] = "dataset";
constexpr int kInitEpoch = 0;

// The four values of a layer, in column order.
constexpr int kValues = 4;
constexpr const char* kMeasure[kValues] = {"uc_nfc", "c_nfc", "uc_nfc",
                                           "c_nfc"};
constexpr bool kAtEnd[kValues] = {false, false, true, true};
constexpr const char* kTitle[kValues] = {"UC-NFC init", "C-NFC init",
                                         "UC-NFC end", "C-NFC end"};
constexpr const char* kCsvName[kValues] = {"uc_nfc_init", "c_nfc_init",
                                           "uc_nfc_end", "c_nfc_end"};

// A measured value (NaN if the measure was undefined), or none.
using Cell = std::optional<double>;

struct SeedRow {
  const RunRecord* run = nullptr;
  // [position in the table's layers][value]
  std::vector<std::array<Cell, kValues>> cells;
  // The run's first and last epochs >= 0 with a UC-NFC or C-NFC; -1 if none.
  int first_epoch = -1;
  int last_epoch = -1;
};

struct DatasetRows {
  std::string name;
  int end_epoch = -1;
  std::vector<SeedRow> seeds;  // in seed order
};

// The first and last epochs >= 0 at which the run measured a layer.
std::pair<int, int> MeasuredEpochs(const MetricsTable& table) {
  int first = -1;
  int last = -1;
  for (const MetricsTable::Row& row : table.rows()) {
    if (row.layer <= 0 || row.epoch < 0 ||
        (row.measure != "uc_nfc" && row.measure != "c_nfc")) {
      continue;
    }
    if (first < 0 || row.epoch < first) first = row.epoch;
    if (row.epoch > last) last = row.epoch;
  }
  return {first, last};
}

Cell CellAt(const MetricsTable& table, int layer, const char* measure,
            int epoch) {
  const std::map<int, double> values = ByEpoch(table, layer, measure);
  auto it = values.find(epoch);
  if (epoch < 0 || it == values.end()) return std::nullopt;
  return it->second;
}

// The dataset name of each grid point, as the file comment says.
std::vector<std::string> DatasetNames(const StudyConfig& study,
                                      const std::vector<GridPoint>& points) {
  int sweep = -1;
  for (int i = 0; i < study.sweeps_size(); ++i) {
    if (study.sweeps(i).name() == kDatasetSweep) sweep = i;
  }
  std::vector<std::string> names;
  std::map<std::string, int> count;
  for (const GridPoint& point : points) {
    names.push_back(sweep >= 0 && sweep < static_cast<int>(point.labels.size())
                        ? point.labels[sweep]
                    : point.runs.empty()
                        ? point.key
                        : point.runs[0]->config.data().source());
    ++count[names.back()];
  }
  for (size_t p = 0; p < points.size(); ++p) {
    if (count[names[p]] < 2) continue;
    std::vector<std::string> others;
    for (size_t i = 0; i < points[p].labels.size(); ++i) {
      if (static_cast<int>(i) != sweep) others.push_back(points[p].labels[i]);
    }
    absl::StrAppend(&names[p], ":", absl::StrJoin(others, "__"));
  }
  return names;
}

std::vector<DatasetRows> CollectRows(const StudyConfig& study,
                                     const std::vector<GridPoint>& points,
                                     const std::vector<int>& layers) {
  const std::vector<std::string> names = DatasetNames(study, points);
  std::vector<DatasetRows> datasets;
  for (size_t p = 0; p < points.size(); ++p) {
    DatasetRows dataset;
    dataset.name = names[p];
    std::vector<const RunRecord*> runs = points[p].runs;
    std::stable_sort(runs.begin(), runs.end(),
                     [](const RunRecord* a, const RunRecord* b) {
                       return a->seed < b->seed;
                     });
    for (const RunRecord* run : runs) {
      SeedRow row;
      row.run = run;
      std::tie(row.first_epoch, row.last_epoch) = MeasuredEpochs(run->table);
      dataset.end_epoch = std::max(dataset.end_epoch, row.last_epoch);
      dataset.seeds.push_back(std::move(row));
    }
    for (SeedRow& row : dataset.seeds) {
      for (int layer : layers) {
        std::array<Cell, kValues> cells;
        for (int v = 0; v < kValues; ++v) {
          cells[v] = CellAt(row.run->table, layer, kMeasure[v],
                            kAtEnd[v] ? dataset.end_epoch : kInitEpoch);
        }
        row.cells.push_back(cells);
      }
    }
    datasets.push_back(std::move(dataset));
  }
  return datasets;
}

std::string MarkdownCell(const Cell& cell) {
  return cell.has_value() ? Num(*cell) : "n/a";
}

std::string CsvCell(const Cell& cell) {
  if (!cell.has_value()) return "";
  if (std::isnan(*cell)) return "nan";
  return absl::StrFormat("%.9g", *cell);
}

// "mean [lo, hi]" over the seeds' finite values, noting how many there were
// when some seeds had none.
std::string SummaryCell(const DatasetRows& dataset, size_t layer, int v) {
  std::vector<double> values;
  for (const SeedRow& row : dataset.seeds) {
    values.push_back(row.cells[layer][v].value_or(std::nan("")));
  }
  const MeanInterval interval = MeanConfidence95(values);
  std::string cell = FormatInterval(interval);
  if (interval.n > 0 && interval.n < static_cast<int>(values.size())) {
    absl::StrAppend(&cell, " (", interval.n, " of ", values.size(), " seeds)");
  }
  return cell;
}

// The line explaining a run's n/a cells; empty if it has none.
std::string MissingNote(const DatasetRows& dataset, const SeedRow& row,
                        const std::vector<int>& layers) {
  std::vector<std::string> parts;
  for (int v = 0; v < kValues; ++v) {
    std::vector<int> missing;
    for (size_t l = 0; l < layers.size(); ++l) {
      if (!row.cells[l][v].has_value()) missing.push_back(layers[l]);
    }
    if (!missing.empty()) {
      parts.push_back(absl::StrCat(kTitle[v], " at ", LayerRanges(missing)));
    }
  }
  if (parts.empty()) return "";
  std::string note =
      absl::StrCat("- ", Code(dataset.name), " seed ", row.run->seed,
                   ": n/a for ", absl::StrJoin(parts, ", "), ". ");
  if (row.first_epoch < 0) {
    absl::StrAppend(&note, "The run has no measurement at epoch ≥ 0.");
  } else {
    absl::StrAppend(&note, "Its measurements span epochs ", row.first_epoch,
                    "–", row.last_epoch, ".");
    if (row.first_epoch != kInitEpoch) {
      absl::StrAppend(&note,
                      " Its first is not at epoch 0, so it has no "
                      "init value.");
    }
  }
  if (!row.run->error.empty()) {
    absl::StrAppend(&note, " It stopped early: ", row.run->error);
  }
  return absl::StrCat(note, "\n");
}

std::string CsvText(const std::vector<DatasetRows>& datasets,
                    const std::vector<int>& layers) {
  std::vector<std::string> header = {"dataset", "seed"};
  for (int layer : layers) {
    for (int v = 0; v < kValues; ++v) {
      header.push_back(absl::StrCat(kCsvName[v], "_", layer));
    }
  }
  std::string csv = absl::StrCat(absl::StrJoin(header, ","), "\n");
  for (const DatasetRows& dataset : datasets) {
    for (const SeedRow& row : dataset.seeds) {
      std::vector<std::string> fields = {dataset.name,
                                         absl::StrCat(row.run->seed)};
      for (const std::array<Cell, kValues>& cells : row.cells) {
        for (const Cell& cell : cells) fields.push_back(CsvCell(cell));
      }
      absl::StrAppend(&csv, absl::StrJoin(fields, ","), "\n");
    }
  }
  return csv;
}

std::string PaperTableSection(const StudyResults& results,
                              const std::vector<GridPoint>& points,
                              ReportFigures* files) {
  const std::vector<int> layers = AllMeasuredLayers(points);
  const std::vector<DatasetRows> datasets =
      CollectRows(results.study, points, layers);
  std::string out = "## The authors' MLP table\n\n";
  absl::StrAppend(
      &out,
      "UC-NFC and C-NFC per layer at init and at the end, per dataset and "
      "seed, as the authors' table (MLP/gen_csv.py, paper.md §5.1). Init "
      "is the measurement at epoch 0, taken after the epoch at lr 1e-4 "
      "(the authors' index 0); end is the dataset's last measured epoch "
      "(their last index). A run without a value there shows n/a (listed "
      "below the table), never another epoch's value; nan is an undefined "
      "measurement (e.g. the C-NFC of a layer that did not move). After "
      "each dataset's seeds, mean [95% CI] over them: mean ± t_{0.975, n−1} "
      "· s / √n of the n finite values (s the sample std).\n\n");
  std::vector<std::string> ends;
  for (const DatasetRows& dataset : datasets) {
    ends.push_back(absl::StrCat(Code(dataset.name), " epoch ",
                                EpochLabel(dataset.end_epoch)));
  }
  absl::StrAppend(&out, "End: ", absl::StrJoin(ends, ", "),
                  ". The same "
                  "values, unrounded, are in [",
                  kCsvFile, "](", kCsvFile, ").\n\n");
  if (files != nullptr)
    files->emplace_back(kCsvFile, CsvText(datasets, layers));
  if (layers.empty()) {
    absl::StrAppend(&out, "No layer was measured, so there is no table.\n\n");
    return out;
  }
  std::vector<std::string> header = {"dataset", "seed"};
  for (int layer : layers) {
    for (int v = 0; v < kValues; ++v) {
      header.push_back(absl::StrCat("L", layer, " ", kTitle[v]));
    }
  }
  absl::StrAppend(&out, TableHeader(header));
  std::string notes;
  for (const DatasetRows& dataset : datasets) {
    for (const SeedRow& row : dataset.seeds) {
      std::vector<std::string> cells = {Code(dataset.name),
                                        absl::StrCat(row.run->seed)};
      for (const std::array<Cell, kValues>& layer_cells : row.cells) {
        for (const Cell& cell : layer_cells) {
          cells.push_back(MarkdownCell(cell));
        }
      }
      absl::StrAppend(&out, TableRow(cells));
      absl::StrAppend(&notes, MissingNote(dataset, row, layers));
    }
    std::vector<std::string> cells = {Code(dataset.name), "mean [95% CI]"};
    for (size_t l = 0; l < layers.size(); ++l) {
      for (int v = 0; v < kValues; ++v) {
        cells.push_back(SummaryCell(dataset, l, v));
      }
    }
    absl::StrAppend(&out, TableRow(cells));
  }
  absl::StrAppend(&out, "\n");
  if (!notes.empty()) absl::StrAppend(&out, "n/a cells:\n\n", notes, "\n");
  return out;
}

class PaperMlpTableAnalysis : public StudyAnalysis {
 public:
  std::string Section(const StudyResults& results,
                      const std::vector<GridPoint>& points,
                      ReportFigures* files) const override {
    return PaperTableSection(results, points, files);
  }
};

}  // namespace

NFALAB_REGISTER_STUDY_ANALYSIS(
    "paper_mlp_table", PaperMlpTableAnalysis,
    "the authors' MLP table: UC-/C-NFC per layer at init and end, per "
    "dataset and seed (Markdown and paper_mlp_table.csv)");

}  // namespace nfalab
