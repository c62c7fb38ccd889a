// `nfalab measure` from the command line (issue 17):
//   - a hand-written model.json of a linear network, f = W2 W1 x, whose
//     tangent features are closed-form (g_ic = W2[c, :] at layer 1, e_c at
//     the readout, so K1 = W2^T W2 and K2 = I): the UC-NFC and C-NFC written
//     equal a double computation from the weights alone;
//   - rows go to each model.json's epoch/step, else to the checkpoint's
//     position (epoch -1 for a first checkpoint at initialisation);
//   - every listed bad input (a missing .npy, a weight or initial_weight of
//     another shape, X of another sample shape, an unknown layer type, a
//     model.json that is not JSON, checkpoints of different architectures,
//     and more) gives one "error: " line naming the problem, and nothing is
//     written.
#include <cmath>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "core/check.h"
#include "core/file_io.h"
#include "core/npy.h"
#include "core/random.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "report/metrics_csv_reader.h"
#include "tests/cli_runner.h"
#include "tests/temp_dir.h"

namespace nfalab {
namespace {

using ::testing::HasSubstr;

constexpr int kInputs = 4, kHidden = 3, kOutputs = 2, kSamples = 5;

// f = W2 identity(W1 x), no biases.
constexpr char kModelJson[] = R"({"input_shape": [4], "epoch": 2, "step": 40,
 "layers": [
    {"type": "linear", "in_features": 4, "out_features": 3,
     "weight": "W1.npy", "initial_weight": "W0_1.npy"},
    {"type": "activation", "name": "identity"},
    {"type": "linear", "in_features": 3, "out_features": 2,
     "weight": "W2.npy", "initial_weight": "W0_2.npy"}]}
)";

MatrixD Random(int rows, int cols, Rng* rng) {
  MatrixD m(rows, cols);
  for (Eigen::Index i = 0; i < m.size(); ++i) m.data()[i] = rng->Normal();
  return m.cast<float>().cast<double>();  // Exactly what float files hold.
}

double Pearson(const MatrixD& a, const MatrixD& b) {
  const Eigen::ArrayXd x = a.reshaped().array() - a.mean();
  const Eigen::ArrayXd y = b.reshaped().array() - b.mean();
  return (x * y).sum() / std::sqrt(x.square().sum() * y.square().sum());
}

// rho(W^T W, W^T K W).
double Nfc(const MatrixD& w, const MatrixD& k) {
  return Pearson(w.transpose() * w, w.transpose() * k * w);
}

class MeasureCliTest : public testing::TempDirTest {
 protected:
  MeasureCliTest() : TempDirTest("measure_cli_test") {}

  // A checkpoint of the linear network in DIR/name (random W, W0 from
  // `seed`), and X.npy in dir().
  std::string WriteCheckpoint(const std::string& name, uint64_t seed,
                              const std::string& json = kModelJson) {
    const std::string checkpoint = Path(name);
    NFALAB_CHECK(MakeDirectories(checkpoint).ok());
    Rng rng(seed);
    w1_ = Random(kHidden, kInputs, &rng);
    w01_ = Random(kHidden, kInputs, &rng);
    w2_ = Random(kOutputs, kHidden, &rng);
    w02_ = Random(kOutputs, kHidden, &rng);
    Write(checkpoint + "/W1.npy", w1_);
    Write(checkpoint + "/W0_1.npy", w01_);
    Write(checkpoint + "/W2.npy", w2_);
    Write(checkpoint + "/W0_2.npy", w02_);
    NFALAB_CHECK(WriteFileAtomically(checkpoint + "/model.json", json).ok());
    Write(Path("X.npy"), Random(kSamples, kInputs, &rng));
    return checkpoint;
  }

  static void Write(const std::string& path, const MatrixD& m) {
    NFALAB_CHECK(WriteNpy(path, Matrix(m.cast<float>())).ok());
  }

  std::string Path(const std::string& name) const {
    return absl::StrCat(dir(), "/", name);
  }

  // Runs measure on `models` and X.npy into dir()/out.
  CliRun Measure(const std::vector<std::string>& models,
                 std::vector<std::string> flags = {}) {
    std::vector<std::string> args = {"measure"};
    for (const std::string& model : models) args.push_back("--model=" + model);
    args.push_back("--data=" + Path("X.npy"));
    args.push_back("--out=" + Path("out"));
    args.insert(args.end(), flags.begin(), flags.end());
    return RunNfalab(args);
  }

  // One "error: " line containing each fragment, and no output directory.
  void ExpectRefused(const CliRun& run,
                     const std::vector<std::string>& fragments) {
    ExpectOneErrorLine(run, fragments.front());
    for (const std::string& fragment : fragments) {
      EXPECT_THAT(run.err, HasSubstr(fragment));
    }
    EXPECT_FALSE(ReadFile(Path("out/metrics.csv")).ok());
    EXPECT_FALSE(ListDirectory(Path("out")).ok()) << "out/ was created";
  }

  MatrixD w1_, w01_, w2_, w02_;
};

TEST_F(MeasureCliTest, LinearNetworkMatchesTheClosedForm) {
  const std::string checkpoint = WriteCheckpoint("c", 7);
  const CliRun run = Measure({checkpoint}, {"--layers=1,2"});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_THAT(run.out, HasSubstr("(epoch 2, step 40)"));
  absl::StatusOr<MetricsTable> table = ReadMetricsCsv(Path("out/metrics.csv"));
  ASSERT_TRUE(table.ok()) << table.status();
  const MatrixD k1 = w2_.transpose() * w2_;
  const MatrixD k2 = MatrixD::Identity(kOutputs, kOutputs);
  int checked = 0;
  for (const MetricsTable::Row& row : table->rows()) {
    EXPECT_EQ(row.epoch, 2);
    EXPECT_EQ(row.step, 40);
    const MatrixD& w = row.layer == 1 ? w1_ : w2_;
    const MatrixD& w0 = row.layer == 1 ? w01_ : w02_;
    const MatrixD& k = row.layer == 1 ? k1 : k2;
    double expected = NAN;
    if (row.measure == "uc_nfc") expected = Nfc(w, k);
    if (row.measure == "c_nfc") expected = Nfc(w - w0, k);
    if (row.measure == "weight_change") expected = (w - w0).norm() / w.norm();
    if (std::isnan(expected)) continue;
    EXPECT_NEAR(row.value, expected, 1e-6) << row.layer << " " << row.measure;
    ++checked;
  }
  EXPECT_EQ(checked, 6);
  // The readout's K is the identity: its UC-NFC is exactly 1.
  EXPECT_NEAR(Nfc(w2_, k2), 1.0, 1e-12);
  EXPECT_TRUE(ReadFile(Path("out/nfc.svg")).ok());
}

TEST_F(MeasureCliTest, RowsGoToThePositionWhenModelJsonHasNoEpoch) {
  const std::string json = absl::StrReplaceAll(
      kModelJson, {{R"(, "epoch": 2, "step": 40)", ""}});
  const std::string first = WriteCheckpoint("first", 1, json);
  const std::string second = WriteCheckpoint("second", 2, json);
  CliRun run = Measure({first, second});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  absl::StatusOr<MetricsTable> table = ReadMetricsCsv(Path("out/metrics.csv"));
  ASSERT_TRUE(table.ok());
  EXPECT_EQ(table->rows().front().epoch, 0);
  EXPECT_EQ(table->rows().front().step, 0);
  EXPECT_EQ(table->rows().back().epoch, 1);
  EXPECT_EQ(table->rows().back().step, 1);

  // A first checkpoint at initialisation sits at epoch -1.
  const std::string initial_json = absl::StrReplaceAll(
      json, {{R"("input_shape": [4])",
              R"("input_shape": [4], "at_initialisation": true)"}});
  const std::string initial = WriteCheckpoint("initial", 3, initial_json);
  Write(initial + "/W1.npy", w01_);
  Write(initial + "/W2.npy", w02_);
  run = Measure({initial, second}, {"--overwrite"});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  table = ReadMetricsCsv(Path("out/metrics.csv"));
  ASSERT_TRUE(table.ok());
  EXPECT_EQ(table->rows().front().epoch, -1);
  EXPECT_EQ(table->rows().back().epoch, 0);
  EXPECT_EQ(table->rows().back().step, 1);
}

TEST_F(MeasureCliTest, LabelsWithAnInitialCheckpointAddThePredictor) {
  const std::string json = absl::StrReplaceAll(
      kModelJson, {{R"("epoch": 2, "step": 40)",
                    R"("epoch": -1, "step": 0, "at_initialisation": true)"}});
  const std::string initial = WriteCheckpoint("initial", 4, json);
  Write(initial + "/W1.npy", w01_);
  Write(initial + "/W2.npy", w02_);
  ASSERT_TRUE(WriteNpyInt32(Path("y.npy"), {0, 1, 1, 0, 1}).ok());
  const CliRun run = Measure({initial}, {"--labels=" + Path("y.npy")});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  absl::StatusOr<MetricsTable> table = ReadMetricsCsv(Path("out/metrics.csv"));
  ASSERT_TRUE(table.ok());
  int predicted = 0;
  for (const MetricsTable::Row& row : table->rows()) {
    predicted += row.measure == "predicted_c_nfc";
  }
  EXPECT_EQ(predicted, 1);  // Layer 1, the hidden layer.

  // Without the initialisation, labels give no predictor, and say why.
  const std::string later = WriteCheckpoint("later", 5);
  const CliRun without =
      Measure({later}, {"--labels=" + Path("y.npy"), "--overwrite"});
  ASSERT_EQ(without.exit_code, 0) << without.err;
  EXPECT_THAT(without.out, HasSubstr("no early predictor"));
}

TEST_F(MeasureCliTest, MissingNpyFileIsRefused) {
  const std::string checkpoint = WriteCheckpoint("c", 1);
  ASSERT_EQ(std::remove((checkpoint + "/W2.npy").c_str()), 0);
  ExpectRefused(Measure({checkpoint}), {"W2.npy"});
}

TEST_F(MeasureCliTest, WeightOfAnotherShapeIsRefused) {
  const std::string checkpoint = WriteCheckpoint("c", 1);
  Write(checkpoint + "/W1.npy", MatrixD::Ones(3, 5));
  ExpectRefused(Measure({checkpoint}),
                {"W1.npy", "weight", "[3, 5]", "[3, 4]"});
}

TEST_F(MeasureCliTest, InitialWeightOfAnotherShapeIsRefused) {
  const std::string checkpoint = WriteCheckpoint("c", 1);
  Write(checkpoint + "/W0_2.npy", MatrixD::Ones(3, 2));
  ExpectRefused(Measure({checkpoint}),
                {"W0_2.npy", "initial_weight", "[3, 2]", "[2, 3]"});
}

TEST_F(MeasureCliTest, SamplesOfAnotherShapeAreRefused) {
  const std::string checkpoint = WriteCheckpoint("c", 1);
  Write(Path("X.npy"), MatrixD::Ones(kSamples, 6));
  ExpectRefused(Measure({checkpoint}), {"X.npy", "[6]", "[4]"});
}

TEST_F(MeasureCliTest, ValuesFloatCannotHoldAreRefused) {
  const std::string checkpoint = WriteCheckpoint("c", 1);
  MatrixD x = MatrixD::Ones(kSamples, kInputs);
  x(3, 2) = NAN;
  ASSERT_TRUE(WriteNpy(Path("X.npy"), x).ok());  // float64, as NumPy's default
  ExpectRefused(Measure({checkpoint}), {"X.npy", "element [3, 2] is NaN"});
  Write(Path("X.npy"), MatrixD::Ones(kSamples, kInputs));
  MatrixD w1 = MatrixD::Ones(kHidden, kInputs);
  w1(1, 0) = 1e300;
  ASSERT_TRUE(WriteNpy(checkpoint + "/W1.npy", w1).ok());
  ExpectRefused(Measure({checkpoint}),
                {"W1.npy (the weight of layers[0])", "element [1, 0]",
                 "beyond float's range"});
}

TEST_F(MeasureCliTest, UnknownLayerTypeIsRefusedListingTheKnownOnes) {
  const std::string checkpoint = WriteCheckpoint(
      "c", 1,
      absl::StrReplaceAll(kModelJson, {{R"("activation", "name")",
                                        R"("swirl", "name")"}}));
  ExpectRefused(Measure({checkpoint}),
                {"swirl", "layers[1]", "linear", "conv2d", "maxpool2d"});
}

TEST_F(MeasureCliTest, ModelJsonThatIsNotJsonNamesTheLine) {
  // Line 4 loses the comma between two keys.
  const std::string checkpoint = WriteCheckpoint(
      "c", 1,
      absl::StrReplaceAll(kModelJson, {{R"("out_features": 3,)",
                                        R"("out_features": 3)"}}));
  ExpectRefused(Measure({checkpoint}),
                {"model.json is not valid JSON", "line 4"});
  // JsonCpp throws past its nesting limit; that is an error line too.
  const std::string deep = WriteCheckpoint(
      "deep", 1,
      absl::StrCat(R"({"input_shape": [4], "layers": )", std::string(300, '['),
                   std::string(300, ']'), "}"));
  ExpectRefused(Measure({deep}), {"nested more than 64 levels deep"});
}

TEST_F(MeasureCliTest, CheckpointsOfDifferentArchitecturesAreRefused) {
  const std::string first = WriteCheckpoint("first", 1);
  // The same shapes, but a tanh instead of the identity.
  const std::string second = WriteCheckpoint(
      "second", 2,
      absl::StrReplaceAll(kModelJson, {{"identity", "tanh"},
                                       {R"("epoch": 2)", R"("epoch": 3)"}}));
  ExpectRefused(Measure({first, second}),
                {"different architectures", "layers[1]", "identity", "tanh",
                 first, second});
}

TEST_F(MeasureCliTest, ShapesThatModelJsonDoesNotHaveAreRefused) {
  // in_features 5 where the input has 4.
  const std::string checkpoint = WriteCheckpoint(
      "c", 1,
      absl::StrReplaceAll(kModelJson, {{R"("in_features": 4)",
                                        R"("in_features": 5)"}}));
  ExpectRefused(Measure({checkpoint}), {"layers[0] (linear)", "in_features",
                                        "5", "has 4"});
}

TEST_F(MeasureCliTest, UnknownKeysAreRefused) {
  std::string checkpoint = WriteCheckpoint(
      "c", 1,
      absl::StrReplaceAll(kModelJson,
                          {{R"("name": "identity")",
                            R"("name": "identity", "slope": 2)"}}));
  ExpectRefused(Measure({checkpoint}), {"unknown key \"slope\"", "name"});
  checkpoint = WriteCheckpoint(
      "c", 1,
      absl::StrReplaceAll(kModelJson, {{R"("step": 40)",
                                        R"("step": 40, "lr": 0.1)"}}));
  ExpectRefused(Measure({checkpoint}), {"unknown key \"lr\"", "input_shape"});
}

TEST_F(MeasureCliTest, InitialisationThatIsNotIsRefused) {
  const std::string checkpoint = WriteCheckpoint(
      "c", 1,
      absl::StrReplaceAll(kModelJson,
                          {{R"("input_shape": [4])",
                            R"("input_shape": [4], "at_initialisation": true)"}}));
  ExpectRefused(Measure({checkpoint}),
                {"at_initialisation", "W1.npy", "W0_1.npy"});
}

TEST_F(MeasureCliTest, TwoCheckpointsAtOneStepAreRefused) {
  const std::string first = WriteCheckpoint("first", 1);
  const std::string second = WriteCheckpoint("second", 2);
  ExpectRefused(Measure({first, second}), {"epoch 2, step 40", first, second});
}

TEST_F(MeasureCliTest, PositionsRecordedInSomeCheckpointsOnlyAreRefused) {
  const std::string recorded = WriteCheckpoint("recorded", 1);
  const std::string unrecorded = WriteCheckpoint(
      "unrecorded", 2,
      absl::StrReplaceAll(kModelJson, {{R"(, "epoch": 2, "step": 40)", ""}}));
  ExpectRefused(Measure({recorded, unrecorded}),
                {"records its epoch and step", recorded, unrecorded});
}

TEST_F(MeasureCliTest, EpochWithoutStepIsRefused) {
  const std::string checkpoint = WriteCheckpoint(
      "c", 1, absl::StrReplaceAll(kModelJson, {{R"(, "step": 40)", ""}}));
  ExpectRefused(Measure({checkpoint}), {"give both or neither"});
}

TEST_F(MeasureCliTest, LabelsOutOfRangeAreRefused) {
  const std::string checkpoint = WriteCheckpoint("c", 1);
  ASSERT_TRUE(WriteNpyInt32(Path("y.npy"), {0, 1, 2, 0, 1}).ok());
  ExpectRefused(Measure({checkpoint}, {"--labels=" + Path("y.npy")}),
                {"y.npy", "label 2 is 2", "[0, 2)"});
}

TEST_F(MeasureCliTest, BadFlagsAreRefused) {
  const std::string checkpoint = WriteCheckpoint("c", 1);
  ExpectRefused(Measure({checkpoint}, {"--lyers=1"}), {"--lyers"});
  ExpectRefused(Measure({checkpoint}, {"--measures=uc_nfc,bogus"}),
                {"bogus"});
  ExpectRefused(Measure({checkpoint}, {"--layers=3"}), {"3"});
  ExpectRefused(Measure({checkpoint}, {"--loss=hinge"}), {"hinge"});
  ExpectRefused(RunNfalab({"measure", "--data=" + Path("X.npy"),
                           "--out=" + Path("out")}),
                {"--model"});
}

TEST_F(MeasureCliTest, ExistingResultsNeedOverwrite) {
  const std::string checkpoint = WriteCheckpoint("c", 1);
  ASSERT_EQ(Measure({checkpoint}).exit_code, 0);
  const absl::StatusOr<std::string> before = ReadFile(Path("out/metrics.csv"));
  const CliRun again = Measure({checkpoint});
  ExpectOneErrorLine(again, "--overwrite");
  EXPECT_EQ(ReadFile(Path("out/metrics.csv")).value_or(""),
            before.value_or("?"));
  EXPECT_EQ(Measure({checkpoint}, {"--overwrite"}).exit_code, 0);
}

}  // namespace
}  // namespace nfalab
