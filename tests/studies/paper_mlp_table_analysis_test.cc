// The "paper_mlp_table" study analysis on hand-made runs: the table takes
// init at epoch 0 and end at the last measured epoch (never epoch -1 or an
// epoch in between), the CSV has known bytes, the summary row has
// hand-computed 95% intervals, and missing values are n/a with a note.
#include <cstdint>
#include <limits>
#include <string>
#include <utility>
#include <vector>

#include "core/file_io.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "report/metrics_table.h"
#include "studies/study_report.h"
#include "studies/study_results.h"
#include "tests/status_matchers.h"
#include "tests/studies/hand_made_results.h"

namespace nfalab {
namespace {

using ::nfalab::testing::IsOk;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;

using Files = std::vector<std::pair<std::string, std::string>>;

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr char kSection[] = "## The authors' MLP table";
constexpr char kCsv[] = "paper_mlp_table.csv";

// A layer's measure at epochs 0, 1, ... (AddCurve) after an epoch -1 row
// (initialisation) of 0, which must never be read as init.
void AddMeasured(MetricsTable* table, int layer, const std::string& measure,
                 const std::vector<double>& values) {
  table->AddForLayer(-1, 0, layer, measure, 0.0);
  AddCurve(table, layer, measure, values);
}

RunRecord MakeRunOn(const std::string& source, std::vector<std::string> labels,
                    uint64_t seed, MetricsTable table) {
  ExperimentConfig config;
  config.mutable_data()->set_source(source);
  return MakeRun(std::move(labels), seed, std::move(table), std::move(config));
}

// The line of the section's table that starts with `prefix`.
std::string RowStartingWith(const std::string& report,
                            const std::string& prefix) {
  return LineStartingWith(report, prefix, kSection);
}

std::string CsvOf(const Files& files) {
  for (const auto& [name, content] : files) {
    if (name == kCsv) return content;
  }
  return "<no " + std::string(kCsv) + ">";
}

// One dataset (no sweep: named by data.source), two seeds, two layers,
// epochs 0-2. Layer 2 of seed 0 has an undefined C-NFC at epoch 0; seed 1
// stopped measuring layer 2 after epoch 1, so its end values are missing.
StudyResults SmallStudy() {
  StudyResults results;
  results.study = ParseStudy(R"pb(name: "small" analysis: PAPER_MLP_TABLE)pb");
  MetricsTable t0;
  AddMeasured(&t0, 0, "train_loss", {0.5, 0.4, 0.3});
  AddMeasured(&t0, 1, "uc_nfc", {0.25, 0.4, 0.5});
  AddMeasured(&t0, 1, "c_nfc", {0.75, 0.8, 0.875});
  AddMeasured(&t0, 2, "uc_nfc", {0.125, 0.3, 0.625});
  AddMeasured(&t0, 2, "c_nfc", {kNaN, 0.5, 0.5});
  MetricsTable t1;
  AddMeasured(&t1, 1, "uc_nfc", {0.3, 0.45, 0.55});
  AddMeasured(&t1, 1, "c_nfc", {0.7, 0.8, 0.9});
  AddMeasured(&t1, 2, "uc_nfc", {0.1, 0.2});
  AddMeasured(&t1, 2, "c_nfc", {0.6, 0.65});
  // Added in reverse seed order: rows come in seed order.
  results.runs.push_back(MakeRunOn("fashion_mnist", {}, 1, std::move(t1)));
  results.runs.push_back(MakeRunOn("fashion_mnist", {}, 0, std::move(t0)));
  return results;
}

TEST(PaperMlpTableTest, CsvHasTheAuthorsLayoutAndExactValues) {
  Files files;
  RenderStudyReport(SmallStudy(), &files);
  EXPECT_EQ(CsvOf(files),
            "dataset,seed,"
            "uc_nfc_init_1,c_nfc_init_1,uc_nfc_end_1,c_nfc_end_1,"
            "uc_nfc_init_2,c_nfc_init_2,uc_nfc_end_2,c_nfc_end_2\n"
            "fashion_mnist,0,0.25,0.75,0.5,0.875,0.125,nan,0.625,0.5\n"
            "fashion_mnist,1,0.3,0.7,0.55,0.9,0.1,0.6,,\n");
}

TEST(PaperMlpTableTest, TableTakesInitAtEpochZeroAndEndAtTheLastEpoch) {
  const std::string report = RenderStudyReport(SmallStudy(), nullptr);
  EXPECT_THAT(report, HasSubstr("- Analysis: PAPER_MLP_TABLE\n"));
  EXPECT_THAT(report,
              HasSubstr("| dataset | seed | L1 UC-NFC init | L1 C-NFC init | "
                        "L1 UC-NFC end | L1 C-NFC end | L2 UC-NFC init | "
                        "L2 C-NFC init | L2 UC-NFC end | L2 C-NFC end |\n"));
  EXPECT_EQ(RowStartingWith(report, "| `fashion_mnist` | 0 |"),
            "| `fashion_mnist` | 0 | 0.250 | 0.750 | 0.500 | 0.875 | 0.125 | "
            "nan | 0.625 | 0.500 |");
  EXPECT_EQ(RowStartingWith(report, "| `fashion_mnist` | 1 |"),
            "| `fashion_mnist` | 1 | 0.300 | 0.700 | 0.550 | 0.900 | 0.100 | "
            "0.600 | n/a | n/a |");
  EXPECT_THAT(report, HasSubstr("End: `fashion_mnist` epoch 2."));
}

TEST(PaperMlpTableTest, MissingEndValuesAreNotedNotShifted) {
  const std::string report = RenderStudyReport(SmallStudy(), nullptr);
  EXPECT_THAT(report,
              HasSubstr("- `fashion_mnist` seed 1: n/a for UC-NFC end at "
                        "layer 2, C-NFC end at layer 2. Its measurements span "
                        "epochs 0–2.\n"));
  // Seed 1's layer-2 value at epoch 1 (0.2) is not taken as its end.
  EXPECT_THAT(RowStartingWith(report, "| `fashion_mnist` | 1 |"),
              Not(HasSubstr("0.200")));
  EXPECT_THAT(report, Not(HasSubstr("- `fashion_mnist` seed 0:")));
}

// Three seeds of one layer, named by the `dataset` sweep's label (the
// source is the generic "idx" reader). Per seed 0, 1, 2:
//   UC init (0.1, 0.2, 0.3), UC end (0.5, 0.6, 0.8), C init 0.9 each,
//   C end (0.2, -, 0.4): seed 1 stopped after epoch 1.
// Hand-computed 95% intervals, mean ± t * s / sqrt(n):
//   (0.1, 0.2, 0.3): mean 0.2, s 0.1, t_{0.975,2} = 4.303, half-width
//     4.303 * 0.1 / sqrt(3) = 0.24843 -> [-0.048, 0.448].
//   (0.5, 0.6, 0.8): mean 0.63333, s = sqrt(0.046667 / 2) = 0.15275,
//     half-width 4.303 * 0.15275 / sqrt(3) = 0.37949 -> [0.254, 1.013].
//   (0.9, 0.9, 0.9): s 0 -> [0.900, 0.900].
//   (0.2, 0.4), n 2: t_{0.975,1} = 12.706, s = 0.141421, half-width
//     12.706 * 0.141421 / sqrt(2) = 1.2706 -> 0.3 [-0.971, 1.571].
StudyResults MnistStudy() {
  StudyResults results;
  results.study = ParseStudy(R"pb(
    name: "mnist"
    sweeps {
      name: "dataset"
      points { label: "mnist" set: "data.source=idx" }
    }
    seeds: [ 0, 1, 2 ]
    analysis: PAPER_MLP_TABLE
  )pb");
  const double uc[3][2] = {{0.1, 0.5}, {0.2, 0.6}, {0.3, 0.8}};
  const double c_end[3] = {0.2, kNaN, 0.4};
  for (int s = 0; s < 3; ++s) {
    MetricsTable t;
    AddMeasured(&t, 1, "uc_nfc", {uc[s][0], 0.45, 0.45, uc[s][1]});
    if (s == 1) {
      AddMeasured(&t, 1, "c_nfc", {0.9, 0.7});
    } else {
      AddMeasured(&t, 1, "c_nfc", {0.9, 0.7, 0.7, c_end[s]});
    }
    results.runs.push_back(MakeRunOn("idx", {"mnist"}, s, std::move(t)));
  }
  return results;
}

TEST(PaperMlpTableTest, SummaryRowHasMeanAndHandComputedInterval) {
  const std::string report = RenderStudyReport(MnistStudy(), nullptr);
  EXPECT_EQ(RowStartingWith(report, "| `mnist` | mean [95% CI] |"),
            "| `mnist` | mean [95% CI] | 0.200 [-0.048, 0.448] | "
            "0.900 [0.900, 0.900] | 0.633 [0.254, 1.013] | "
            "0.300 [-0.971, 1.571] (2 of 3 seeds) |");
  // The summary row follows the dataset's seed rows.
  EXPECT_LT(report.find("| `mnist` | 2 |"), report.find("| `mnist` | mean"));
  EXPECT_EQ(RowStartingWith(report, "| `mnist` | 1 |"),
            "| `mnist` | 1 | 0.200 | 0.900 | 0.600 | n/a |");
  EXPECT_THAT(report, HasSubstr("End: `mnist` epoch 3."));
}

TEST(PaperMlpTableTest, RunWithoutEpochZeroOrALayerHasNotedNaCells) {
  StudyResults results = MnistStudy();
  // Seed 2 measures from epoch 1 on only, and never layer 2, which seed 0
  // measured.
  MetricsTable late;
  late.AddForLayer(1, 20, 1, "uc_nfc", 0.35);
  late.AddForLayer(1, 20, 1, "c_nfc", 0.85);
  late.AddForLayer(3, 40, 1, "uc_nfc", 0.7);
  late.AddForLayer(3, 40, 1, "c_nfc", 0.6);
  results.runs[2].table = std::move(late);
  results.runs[2].error = "diverged";
  AddMeasured(&results.runs[0].table, 2, "uc_nfc", {0.1, 0.2, 0.3, 0.4});
  AddMeasured(&results.runs[0].table, 2, "c_nfc", {0.5, 0.6, 0.7, 0.8});
  Files files;
  const std::string report = RenderStudyReport(results, &files);
  EXPECT_EQ(RowStartingWith(report, "| `mnist` | 2 |"),
            "| `mnist` | 2 | n/a | n/a | 0.700 | 0.600 | n/a | n/a | n/a | "
            "n/a |");
  EXPECT_THAT(report,
              HasSubstr("- `mnist` seed 2: n/a for UC-NFC init at layers 1, "
                        "2, C-NFC init at layers 1, 2, UC-NFC end at layer "
                        "2, C-NFC end at layer 2. Its measurements span "
                        "epochs 1–3. Its first is not at epoch 0, so it has "
                        "no init value. It stopped early: diverged\n"));
  // Epoch 1's values are not shifted into the init column.
  EXPECT_THAT(RowStartingWith(report, "| `mnist` | 2 |"),
              Not(HasSubstr("0.350")));
  EXPECT_THAT(CsvOf(files), HasSubstr("\nmnist,2,,,0.7,0.6,,,,\n"));
  // Layer 2 was measured by one seed only: mean without an interval.
  EXPECT_THAT(RowStartingWith(report, "| `mnist` | mean [95% CI] |"),
              HasSubstr("| 0.100 [n/a] (1 of 3 seeds) | 0.500 [n/a] (1 of 3 "
                        "seeds) | 0.400 [n/a] (1 of 3 seeds) |"));
}

TEST(PaperMlpTableTest, GridPointsSharingADatasetAreToldApartByTheirLabels) {
  StudyResults results;
  results.study = ParseStudy(R"pb(
    name: "two_lrs"
    sweeps {
      name: "lr"
      points { label: "0.1" set: "optimizer.learning_rate=0.1" }
      points { label: "0.2" set: "optimizer.learning_rate=0.2" }
    }
    analysis: PAPER_MLP_TABLE
  )pb");
  for (const std::string label : {"0.1", "0.2"}) {
    MetricsTable t;
    AddMeasured(&t, 1, "uc_nfc", {0.5});
    AddMeasured(&t, 1, "c_nfc", {0.75});
    results.runs.push_back(MakeRunOn("cifar10", {label}, 0, std::move(t)));
  }
  Files files;
  const std::string report = RenderStudyReport(results, &files);
  EXPECT_THAT(report, HasSubstr("| `cifar10:0.1` | 0 | 0.500 |"));
  EXPECT_THAT(report, HasSubstr("| `cifar10:0.2` | 0 | 0.500 |"));
  EXPECT_EQ(CsvOf(files),
            "dataset,seed,uc_nfc_init_1,c_nfc_init_1,uc_nfc_end_1,"
            "c_nfc_end_1\n"
            "cifar10:0.1,0,0.5,0.75,0.5,0.75\n"
            "cifar10:0.2,0,0.5,0.75,0.5,0.75\n");
}

TEST(PaperMlpTableTest, WriteStudyReportWritesTheCsvBesideTheReport) {
  const std::string dir = ::testing::TempDir() + "/paper_mlp_table/out";
  ASSERT_THAT(WriteStudyReport(SmallStudy(), dir), IsOk());
  Files files;
  const std::string report = RenderStudyReport(SmallStudy(), &files);
  EXPECT_THAT(report, HasSubstr("[paper_mlp_table.csv](paper_mlp_table.csv)"));
  absl::StatusOr<std::string> csv = ReadFile(dir + "/" + kCsv);
  ASSERT_THAT(csv, IsOk());
  EXPECT_EQ(*csv, CsvOf(files));
  std::vector<std::string> names;
  for (const auto& [name, content] : files) names.push_back(name);
  EXPECT_THAT(names, ElementsAre("curves_base.svg", kCsv));
}

}  // namespace
}  // namespace nfalab
