// nfc_alpha against the built-ins it generalises (nfc_sqrt at alpha 1/2,
// uc_nfc at alpha 1) and against a brute-force power and Pearson in double;
// its options through measurement.measure_options, and their errors.
#include <cmath>
#include <map>
#include <memory>
#include <string>

#include "Eigen/Eigenvalues"
#include "core/random.h"
#include "core/tensor.h"
#include "experiment/experiment_config.pb.h"
#include "experiment/measurement.h"
#include "gmock/gmock.h"
#include "google/protobuf/text_format.h"
#include "gtest/gtest.h"
#include "metrics/alignment_measure.h"
#include "plugins/nfc_alpha/nfc_alpha_options.pb.h"
#include "tests/random_matrix.h"
#include "tests/status_matchers.h"

namespace nfalab {
namespace {

using ::nfalab::testing::GaussianMatrix;
using ::nfalab::testing::StatusIs;
using ::testing::HasSubstr;

struct Layer {
  Matrix w, w0;
  MatrixD k;
};

Layer RandomLayer() {
  Rng rng(23);
  Layer layer{GaussianMatrix<float>(6, 4, &rng),
              GaussianMatrix<float>(6, 4, &rng), MatrixD()};
  const MatrixD a = GaussianMatrix<double>(6, 9, &rng);
  layer.k = a * a.transpose() / 9.0;  // a PSD K
  return layer;
}

std::map<std::string, double> Compute(const std::string& name,
                                      const google::protobuf::Any* options,
                                      const Layer& layer) {
  auto measure = AlignmentMeasureRegistry::Global().Create(name, options);
  EXPECT_TRUE(measure.ok()) << measure.status();
  const LayerContext context{1, 2, layer.w, layer.w0, layer.k};
  auto values = (*measure)->Compute(context);
  EXPECT_TRUE(values.ok()) << values.status();
  std::map<std::string, double> result;
  for (const MeasureValue& v : *values) result[v.name] = v.value;
  return result;
}

google::protobuf::Any Alpha(double alpha) {
  NfcAlphaOptions options;
  options.set_alpha(alpha);
  google::protobuf::Any any;
  any.PackFrom(options);
  return any;
}

TEST(NfcAlphaTest, GeneralisesNfcSqrtAndUcNfcExactly) {
  const Layer layer = RandomLayer();
  const auto half = Compute("nfc_alpha", nullptr, layer);  // default 1/2
  const auto sqrt = Compute("nfc_sqrt", nullptr, layer);
  EXPECT_EQ(half.at("nfc_alpha"), sqrt.at("nfc_sqrt"));
  EXPECT_EQ(half.at("nfc_alpha_cos"), sqrt.at("nfc_sqrt_cos"));
  const google::protobuf::Any one = Alpha(1.0);
  const auto first = Compute("nfc_alpha", &one, layer);
  const auto uc = Compute("uc_nfc", nullptr, layer);
  EXPECT_EQ(first.at("nfc_alpha"), uc.at("uc_nfc"));
  EXPECT_EQ(first.at("nfc_alpha_cos"), uc.at("uc_nfc_cos"));
}

TEST(NfcAlphaTest, QuarterPowerMatchesBruteForce) {
  const Layer layer = RandomLayer();
  const MatrixD w = layer.w.cast<double>();
  const MatrixD nfm = w.transpose() * w;
  const Eigen::SelfAdjointEigenSolver<MatrixD> eigen(w.transpose() * layer.k *
                                                     w);
  const MatrixD power = eigen.eigenvectors() *
                        eigen.eigenvalues()
                            .cwiseMax(0.0)
                            .array()
                            .pow(0.25)
                            .matrix()
                            .asDiagonal() *
                        eigen.eigenvectors().transpose();
  const double n = static_cast<double>(nfm.size());
  const double ma = nfm.sum() / n, mb = power.sum() / n;
  const MatrixD a = nfm.array() - ma, b = power.array() - mb;
  const double pearson = (a.array() * b.array()).sum() / (a.norm() * b.norm());
  const double cosine =
      (nfm.array() * power.array()).sum() / (nfm.norm() * power.norm());
  const google::protobuf::Any quarter = Alpha(0.25);
  const auto values = Compute("nfc_alpha", &quarter, layer);
  EXPECT_NEAR(values.at("nfc_alpha"), pearson, 1e-10);
  EXPECT_NEAR(values.at("nfc_alpha_cos"), cosine, 1e-10);
  // Not the default's value: the option took effect.
  EXPECT_GT(std::abs(values.at("nfc_alpha") -
                     Compute("nfc_alpha", nullptr, layer).at("nfc_alpha")),
            1e-6);
}

MeasurementConfig ParseMeasurement(const std::string& text) {
  MeasurementConfig config;
  EXPECT_TRUE(google::protobuf::TextFormat::ParseFromString(text, &config));
  return config;
}

TEST(NfcAlphaTest, OptionsInTheMeasurementConfigAreCheckedByName) {
  NFALAB_ASSERT_OK(ValidateMeasurementConfig(
      ParseMeasurement(R"pb(
        measures: "uc_nfc"
        measures: "nfc_alpha"
        measure_options {
          [type.googleapis.com/nfalab.NfcAlphaOptions] { alpha: 0.25 }
        }
      )pb"),
      3));
  EXPECT_THAT(
      ValidateMeasurementConfig(
          ParseMeasurement(R"pb(
            measures: "nfc_alpha"
            measure_options {
              [type.googleapis.com/nfalab.NfcAlphaOptions] { alpha: 0 }
            }
          )pb"),
          3),
      StatusIs(absl::StatusCode::kInvalidArgument,
               HasSubstr("measurement (\"nfc_alpha\"): measure_options "
                         "(nfalab.NfcAlphaOptions).alpha must be finite and "
                         "> 0, got 0")));
  // Options that no selected measure takes.
  EXPECT_THAT(
      ValidateMeasurementConfig(
          ParseMeasurement(R"pb(
            measures: "uc_nfc"
            measure_options {
              [type.googleapis.com/nfalab.NfcAlphaOptions] { alpha: 2 }
            }
          )pb"),
          3),
      StatusIs(absl::StatusCode::kInvalidArgument,
               HasSubstr("measurement.measure_options[0] is a "
                         "nfalab.NfcAlphaOptions, which no selected measure "
                         "takes; none of them takes options")));
  // The same type twice.
  EXPECT_THAT(ValidateMeasurementConfig(
                  ParseMeasurement(R"pb(
                    measures: "nfc_alpha"
                    measure_options {
                      [type.googleapis.com/nfalab.NfcAlphaOptions] { alpha: 2 }
                    }
                    measure_options {
                      [type.googleapis.com/nfalab.NfcAlphaOptions] { alpha: 3 }
                    }
                  )pb"),
                  3),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("measurement.measure_options[1] is a second "
                                 "nfalab.NfcAlphaOptions")));
}

}  // namespace
}  // namespace nfalab
