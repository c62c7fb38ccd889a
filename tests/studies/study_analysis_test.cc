// Study analyses chosen by the study config: thresholds from the config
// change the verdict (a hand-computed SLO case), unknown names and bad
// thresholds are errors that name them, a registered analysis needs no
// change to the report module, and SloTargetLayers reads either form of the SLO
// options.
#include "studies/study_analysis.h"

#include <cmath>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "core/file_io.h"
#include "core/registry.h"
#include "gmock/gmock.h"
#include "google/protobuf/text_format.h"
#include "gtest/gtest.h"
#include "report/metrics_table.h"
#include "studies/early_alignment_options.pb.h"
#include "studies/slo_vs_sgd_analysis.h"
#include "studies/slo_vs_sgd_options.pb.h"
#include "studies/study_report.h"
#include "studies/study_results.h"
#include "tests/status_matchers.h"

namespace nfalab {
namespace {

using ::nfalab::testing::IsOk;
using ::nfalab::testing::StatusIs;
using ::testing::AllOf;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;

template <typename Proto>
Proto Parse(const std::string& text) {
  Proto proto;
  EXPECT_TRUE(google::protobuf::TextFormat::ParseFromString(text, &proto))
      << text;
  return proto;
}

// One SGD and one SLO (l* = 1) point, seeds 0 and 1 with equal values:
//   SGD: UC-NFC(1) 0.30, train loss 0.010;
//   SLO: UC-NFC(1) 0.45, train loss 0.025;
// so dUC-NFC = 0.15 and the train-loss ratio SLO/SGD = 2.5 in both seeds,
// with zero-width intervals.
// `thresholds`: SloVsSgdOptions fields in text format; empty selects the
// analysis by the enum shorthand, without options.
StudyResults SloStudy(const std::string& thresholds) {
  StudyResults results;
  results.study = Parse<StudyConfig>(
      R"pb(
        name: "slo"
        sweeps {
          name: "optimizer"
          points { label: "sgd" set: "optimizer.name=sgd" }
          points { label: "slo" set: "optimizer.name=slo" }
        }
      )pb" +
      (thresholds.empty()
           ? std::string("analysis: SLO_VS_SGD")
           : absl::StrCat("analyses { name: 'slo_vs_sgd' options { "
                          "[type.googleapis.com/"
                          "nfalab.SloVsSgdOptions] { ",
                          thresholds, " } } }")));
  const struct {
    std::string label, config;
    double uc, loss;
  } points[] = {
      {"sgd", R"pb(optimizer { name: "sgd" })pb", 0.30, 0.010},
      {"slo", R"pb(optimizer {
                     name: "slo"
                     slo { target_layers: 1 }
                   })pb",
       0.45, 0.025},
  };
  for (const auto& p : points) {
    for (uint64_t seed : {0, 1}) {
      RunRecord run;
      run.name = absl::StrCat(p.label, "__seed", seed);
      run.point_labels = {p.label};
      run.seed = seed;
      run.config = Parse<ExperimentConfig>(p.config);
      run.table.AddForLayer(0, 10, 0, "train_loss", p.loss);
      run.table.AddForLayer(0, 10, 1, "uc_nfc", p.uc);
      run.table.AddForLayer(0, 10, 1, "c_nfc", 0.9);
      results.runs.push_back(std::move(run));
    }
  }
  return results;
}

TEST(StudyAnalysisTest, DefaultThresholdsRejectTheClaim) {
  const std::string report = RenderStudyReport(SloStudy(""), nullptr);
  EXPECT_THAT(report, HasSubstr("; supported if the 95% CI of mean d lies "
                                "above θ = 0.200 (min_uc_gain in the study "
                                "config).\n"));
  EXPECT_THAT(report, HasSubstr("| 0.150 [0.150, 0.150] | not supported: "
                                "UC-NFC gain < θ |\n"));
  EXPECT_THAT(report, HasSubstr("| 2.500 [2.500, 2.500] | not supported: "
                                "loss ratio > θ |\n"));
}

TEST(StudyAnalysisTest, ThresholdsFromTheConfigChangeTheVerdict) {
  // 0.15 > 0.1 and 2.5 < 3: supported under these thresholds.
  const std::string report = RenderStudyReport(
      SloStudy("min_uc_gain: 0.1 max_train_loss_ratio: 3"), nullptr);
  EXPECT_THAT(report, HasSubstr("lies above θ = 0.100 (min_uc_gain in the "
                                "study config).\n"));
  EXPECT_THAT(report, HasSubstr("lies below θ = 3.000 (max_train_loss_ratio "
                                "in the study config).\n"));
  EXPECT_THAT(report, HasSubstr("| 0.150 [0.150, 0.150] | supported: UC-NFC "
                                "gain > θ |\n"));
  EXPECT_THAT(report, HasSubstr("| 2.500 [2.500, 2.500] | supported: loss "
                                "ratio < θ |\n"));
  // C-NFC is equal (0.9): a gain above min_c_gain -0.1 is supported.
  EXPECT_THAT(RenderStudyReport(SloStudy("min_c_gain: -0.1"), nullptr),
              HasSubstr("| 0.000 [0.000, 0.000] | supported: C-NFC gain > θ "
                        "|\n"));
}

TEST(StudyAnalysisTest, NamesListEqualsTheEnumShorthand) {
  StudyResults by_enum = SloStudy("");
  StudyResults by_name = SloStudy("");
  by_name.study.clear_analysis();
  by_name.study.add_analyses()->set_name("slo_vs_sgd");
  std::string a = RenderStudyReport(by_enum, nullptr);
  std::string b = RenderStudyReport(by_name, nullptr);
  EXPECT_THAT(a, HasSubstr("- Analysis: SLO_VS_SGD\n"));
  EXPECT_THAT(b, HasSubstr("- Analysis: slo_vs_sgd\n"));
  a.replace(a.find("SLO_VS_SGD"), 10, "slo_vs_sgd");
  EXPECT_EQ(a, b);
}

TEST(StudyAnalysisTest, UnknownAnalysisIsAnErrorNamingItAndTheKnownOnes) {
  StudyResults results = SloStudy("");
  results.study.clear_analysis();
  results.study.add_analyses()->set_name("no_such_claim");
  const auto known = HasSubstr(
      "registered: [conv_alignment, data_distribution, early_alignment, "
      "paper_mlp_table, slo_vs_sgd]");
  EXPECT_THAT(CreateStudyAnalyses(results.study).status(),
              StatusIs(absl::StatusCode::kNotFound,
                       AllOf(HasSubstr("study \"slo\""),
                             HasSubstr("\"no_such_claim\""), known)));
  const std::string dir = ::testing::TempDir() + "/unknown_analysis";
  EXPECT_THAT(WriteStudyReport(results, dir),
              StatusIs(absl::StatusCode::kNotFound,
                       AllOf(HasSubstr("\"no_such_claim\""), known)));
  EXPECT_FALSE(ReadFile(dir + "/report.md").ok());
}

TEST(StudyAnalysisTest, BadThresholdIsAnErrorNamingTheField) {
  EXPECT_THAT(
      CreateStudyAnalyses(SloStudy("max_train_loss_ratio: 0").study).status(),
      StatusIs(absl::StatusCode::kInvalidArgument,
               HasSubstr("study \"slo\", analyses[0] \"slo_vs_sgd\": options "
                         "(nfalab.SloVsSgdOptions).max_train_loss_ratio must "
                         "be a finite number > 0, got 0")));
  EXPECT_THAT(CreateStudyAnalyses(SloStudy("min_uc_gain: nan").study).status(),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("options (nfalab.SloVsSgdOptions).min_uc_gain "
                                 "must be a finite number, got nan")));
  EXPECT_THAT(CreateStudyAnalyses(SloStudy("min_c_gain: inf").study).status(),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("options (nfalab.SloVsSgdOptions).min_c_gain "
                                 "must be a finite number, got inf")));
  StudyConfig early = SloStudy("").study;
  early.clear_analysis();
  StudyConfig::AnalysisSpec* spec = early.add_analyses();
  spec->set_name("early_alignment");
  EarlyAlignmentOptions options;
  options.set_min_c_fall(std::nan(""));
  spec->mutable_options()->PackFrom(options);
  EXPECT_THAT(CreateStudyAnalyses(early).status(),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("options (nfalab.EarlyAlignmentOptions)."
                                 "min_c_fall must be a finite number, got "
                                 "nan")));
}

TEST(StudyAnalysisTest, OptionsOfAnotherTypeOrForAnAnalysisWithoutAreErrors) {
  StudyConfig study = SloStudy("").study;
  study.clear_analysis();
  StudyConfig::AnalysisSpec* spec = study.add_analyses();
  spec->set_name("slo_vs_sgd");
  spec->mutable_options()->PackFrom(StudyConfig());
  EXPECT_THAT(CreateStudyAnalyses(study).status(),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(HasSubstr("nfalab.StudyConfig"),
                             HasSubstr("nfalab.SloVsSgdOptions"))));
  spec->set_name("early_alignment");
  spec->mutable_options()->PackFrom(SloVsSgdOptions());
  EXPECT_THAT(CreateStudyAnalyses(study).status(),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(HasSubstr("analyses[0] \"early_alignment\""),
                             HasSubstr("nfalab.EarlyAlignmentOptions"))));
  spec->set_name("conv_alignment");  // takes no options
  EXPECT_THAT(CreateStudyAnalyses(study).status(),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("analyses[0] \"conv_alignment\"")));
}

TEST(StudyAnalysisTest, EnumAndNamesTogetherAreAnError) {
  StudyConfig study = SloStudy("").study;
  study.add_analyses()->set_name("slo_vs_sgd");
  EXPECT_THAT(SelectedAnalyses(study).status(),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("sets both analysis: SLO_VS_SGD and "
                                 "analyses")));
}

// An analysis registered outside the report module appears in the report.
class RunCount : public StudyAnalysis {
 public:
  std::string Section(const StudyResults& results,
                      const std::vector<GridPoint>& points,
                      ReportFigures* /*figures*/) const override {
    return absl::StrCat("## Run count\n\n", results.runs.size(), " runs in ",
                        points.size(), " grid points.\n\n");
  }
};

TEST(StudyAnalysisTest, ARegisteredAnalysisNeedsNoReportChange) {
  ScopedRegistration<StudyAnalysisRegistry> registration(
      StudyAnalysisRegistry::Global(), "run_count",
      [](const google::protobuf::Any*)
          -> absl::StatusOr<std::unique_ptr<StudyAnalysis>> {
        return std::unique_ptr<StudyAnalysis>(new RunCount());
      });
  StudyResults results = SloStudy("");
  results.study.clear_analysis();
  results.study.add_analyses()->set_name("run_count");
  results.study.add_analyses()->set_name("slo_vs_sgd");
  const std::string report = RenderStudyReport(results, nullptr);
  EXPECT_THAT(report, HasSubstr("- Analysis: run_count, slo_vs_sgd\n"));
  const size_t count = report.find("## Run count\n\n4 runs in 2 grid points.");
  ASSERT_NE(count, std::string::npos);
  EXPECT_GT(report.find("## Claim 3: SLO against SGD"), count);
}

TEST(SloTargetLayersTest, ReadsEitherFormSortedWithoutRepeats) {
  EXPECT_THAT(SloTargetLayers(Parse<ExperimentConfig>(
                  R"pb(optimizer {
                         name: "slo"
                         options {
                           [type.googleapis.com/nfalab.SloOptions] {
                             target_layers: [ 3, 1, 3 ]
                           }
                         }
                       })pb")),
              ElementsAre(1, 3));
  // The deprecated alias, as the shipped studies' run configs still have it.
  EXPECT_THAT(SloTargetLayers(Parse<ExperimentConfig>(
                  R"pb(optimizer {
                         name: "slo"
                         slo { target_layers: [ 5, 2 ] }
                       })pb")),
              ElementsAre(2, 5));
  EXPECT_THAT(SloTargetLayers(
                  Parse<ExperimentConfig>(R"pb(optimizer { name: "sgd" })pb")),
              IsEmpty());
}

}  // namespace
}  // namespace nfalab
