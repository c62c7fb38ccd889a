// Every registered alignment measure (built-ins and //plugins:all), on
// random layers (W != W0, a random PSD K, random inputs): all values are
// finite, two calls give the same names and bit-identical values, and a
// measure that declares IsScaleInvariant() gives the same values (1e-9
// relative) when W and W0 are scaled by 3 and K by 5.
#include <cmath>
#include <memory>
#include <string>
#include <vector>

#include "core/random.h"
#include "core/tensor.h"
#include "gtest/gtest.h"
#include "metrics/alignment_measure.h"
#include "tests/random_matrix.h"

namespace nfalab {
namespace {

using ::nfalab::testing::GaussianMatrix;

// A random layer [k_out, k_in] with a readout flag, as the trainer passes it.
struct RandomLayer {
  RandomLayer(int k_out, int k_in, int m, int layer, int num_layers,
              uint64_t seed)
      : rng(seed),
        weight(OnGrid(GaussianMatrix<float>(k_out, k_in, &rng))),
        initial_weight(OnGrid(GaussianMatrix<float>(k_out, k_in, &rng))),
        ptk(RandomPsd(k_out, &rng)),
        inputs(GaussianMatrix<float>(m, k_in, &rng)),
        context{layer, num_layers, weight, initial_weight, ptk, inputs} {}

  // Entries on the grid 2^-10 (|w| < 8), so 3 W is exact in float and the
  // scale-invariance check sees no rounding from the scaling itself.
  static Matrix OnGrid(const Matrix& w) {
    return ((w.array() * 1024.0f).round() / 1024.0f).matrix();
  }
  // G G^T with G: [k, k + 3], positive definite almost surely.
  static MatrixD RandomPsd(int k, Rng* rng) {
    const MatrixD g = GaussianMatrix(k, k + 3, rng);
    return g * g.transpose();
  }

  Rng rng;
  Matrix weight, initial_weight;
  MatrixD ptk;
  Matrix inputs;
  LayerContext context;
};

class MeasureConformanceTest : public ::testing::TestWithParam<std::string> {
 protected:
  std::unique_ptr<AlignmentMeasure> Create() {
    auto measure = AlignmentMeasureRegistry::Global().Create(GetParam());
    EXPECT_TRUE(measure.ok()) << measure.status();
    return measure.ok() ? std::move(measure).value() : nullptr;
  }

  std::vector<MeasureValue> Compute(const AlignmentMeasure& measure,
                                    const LayerContext& layer) {
    auto values = measure.Compute(layer);
    EXPECT_TRUE(values.ok()) << values.status();
    return values.ok() ? *values : std::vector<MeasureValue>{};
  }
};

// Hidden (wide and narrow) and readout shapes.
struct Shape {
  int k_out, k_in, layer, num_layers;
};
constexpr Shape kShapes[] = {{6, 4, 1, 3}, {3, 8, 2, 3}, {2, 6, 3, 3}};

TEST_P(MeasureConformanceTest, ValuesAreFiniteOnRandomLayers) {
  const std::unique_ptr<AlignmentMeasure> measure = Create();
  ASSERT_NE(measure, nullptr);
  uint64_t seed = 31;
  for (const Shape& s : kShapes) {
    const RandomLayer layer(s.k_out, s.k_in, /*m=*/10, s.layer, s.num_layers,
                            seed++);
    const std::vector<MeasureValue> values = Compute(*measure, layer.context);
    EXPECT_FALSE(values.empty());
    for (const MeasureValue& v : values) {
      EXPECT_TRUE(std::isfinite(v.value))
          << v.name << " = " << v.value << " on a [" << s.k_out << ", "
          << s.k_in << "] layer";
      EXPECT_FALSE(v.name.empty());
    }
  }
}

TEST_P(MeasureConformanceTest, IsDeterministic) {
  const std::unique_ptr<AlignmentMeasure> measure = Create();
  ASSERT_NE(measure, nullptr);
  const RandomLayer layer(6, 4, 10, 1, 3, /*seed=*/41);
  const std::vector<MeasureValue> first = Compute(*measure, layer.context);
  const std::vector<MeasureValue> second = Compute(*measure, layer.context);
  ASSERT_EQ(first.size(), second.size());
  for (size_t i = 0; i < first.size(); ++i) {
    EXPECT_EQ(first[i].name, second[i].name);
    EXPECT_EQ(first[i].value, second[i].value) << first[i].name;
  }
}

TEST_P(MeasureConformanceTest, ScaleInvariantMeasuresIgnoreScale) {
  const std::unique_ptr<AlignmentMeasure> measure = Create();
  ASSERT_NE(measure, nullptr);
  if (!measure->IsScaleInvariant()) {
    GTEST_SKIP() << GetParam() << " does not declare IsScaleInvariant()";
  }
  const RandomLayer layer(6, 4, 10, 1, 3, /*seed=*/43);
  const Matrix w3 = 3.0f * layer.weight;
  const Matrix w03 = 3.0f * layer.initial_weight;
  const MatrixD k5 = 5.0 * layer.ptk;
  const LayerContext scaled{1, 3, w3, w03, k5, layer.inputs};
  const std::vector<MeasureValue> before = Compute(*measure, layer.context);
  const std::vector<MeasureValue> after = Compute(*measure, scaled);
  ASSERT_EQ(before.size(), after.size());
  for (size_t i = 0; i < before.size(); ++i) {
    EXPECT_EQ(before[i].name, after[i].name);
    EXPECT_NEAR(after[i].value, before[i].value,
                1e-9 * std::abs(before[i].value) + 1e-15)
        << before[i].name;
  }
}

INSTANTIATE_TEST_SUITE_P(
    AllMeasures, MeasureConformanceTest,
    ::testing::ValuesIn(AlignmentMeasureRegistry::Global().Names()),
    [](const ::testing::TestParamInfo<std::string>& info) {
      return info.param;
    });

}  // namespace
}  // namespace nfalab
