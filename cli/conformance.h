// Conformance checks: what every registered activation, alignment measure,
// optimizer, dataset source and layer must satisfy, as plain functions that
// return one row per check. The gtest suites in tests/plugins/ run them over
// every registered name, and `nfalab check-plugin PATH.so` runs them over the
// names a run-time plugin registers.
//
//   for (const ConformanceCheck& check : CheckActivation("swish")) {
//     if (check.result == CheckResult::kFail) std::cerr << check.detail;
//   }
//
// The checks (fixed seeds, so every run sees the same inputs):
//   activation         created by name with name() = the name; phi' agrees
//                      with central differences of phi in double on [-4, 4];
//                      phi and phi' finite on [-50, 50] in float and double;
//                      shapes kept (also empty); float agrees with double.
//   alignment measure  created; values finite and named on 3 layer shapes;
//                      two calls give bit-identical values; if it declares
//                      IsScaleInvariant(), values unchanged when W, W0 are
//                      scaled by 3 and K by 5 (otherwise "not checked").
//   optimizer          created from ConformanceOptimizerConfig(name); 5
//                      full-batch steps at lr 0.01 lower the MSE of a tiny
//                      tanh MLP, without and with bias.
//   dataset source     created; Load on a config whose data.path does not
//                      exist returns an error or valid splits (no crash);
//                      loading a working config is reported as not checked
//                      (it needs the source's own files and options).
//   layer              built on each of 14 probes it accepts (specs
//                      {out_features: 3, bias: true/false}, {activation:
//                      "tanh"/"softplus"}, {} on inputs [5] and [2, 3, 4];
//                      {kernel_size: 2} on [2, 4, 6], {kernel_size: 3,
//                      stride: 2} on [2, 6, 8]; {out_channels: 3,
//                      kernel_size: 3, padding: 1} on [2, 3, 4],
//                      {out_channels: 2, kernel_size: 2, stride: 2,
//                      padding: 0, bias: false} on [2, 4, 5]; none accepted
//                      fails), in double and in float with the same
//                      parameters (W from GAUSSIAN init, random b); on
//                      n = 4 samples away from 0, in double:
//                        Forward gives [n, output_size()];
//                        d_x of Backward = d/dx <d_y, f(x)> by central
//                        differences (step 1e-6, rel err <= 1e-6 of
//                        max(|.|, 0.1)); so are d_weight and d_bias in W, b;
//                        R = 3 rows per sample give the d_x of 3 one-row
//                        calls; a weighted layer's Forward is InputRows(x)
//                        W^T + b in the documented layout and OutputVectors
//                        rearranges as layer.h says (rel err <= 1e-10);
//                        Clone() computes the same Forward and is deep;
//                        float agrees with double (rel err <= 1e-5).
#ifndef NFALAB_CLI_CONFORMANCE_H_
#define NFALAB_CLI_CONFORMANCE_H_

#include <string>
#include <vector>

#include "optimizers/optimizer_config.pb.h"

namespace nfalab {

enum class CheckResult { kPass, kFail, kNotChecked };

struct ConformanceCheck {
  std::string kind;   // The registry's kind: "activation", "optimizer", ...
  std::string name;   // The registered name.
  std::string check;  // What was checked, e.g. "derivative vs finite diff.".
  CheckResult result;
  // The evidence: the worst value against its tolerance, or the error.
  std::string detail;
};

// Each returns the rows of one registered name's checks, in a fixed order.
// A name that cannot be created gives a single failed "create" row.
std::vector<ConformanceCheck> CheckActivation(const std::string& name);
std::vector<ConformanceCheck> CheckAlignmentMeasure(const std::string& name);
std::vector<ConformanceCheck> CheckOptimizer(const std::string& name);
std::vector<ConformanceCheck> CheckDatasetSource(const std::string& name);
std::vector<ConformanceCheck> CheckLayer(const std::string& name);

// The config CheckOptimizer creates `name` with: the defaults of
// OptimizerConfig at lr 0.01, with `options` set to the example options the
// entry registered, if it declares an options type (core/registry.h).
OptimizerConfig ConformanceOptimizerConfig(const std::string& name);

// A name in one of the five registries; `kind` is the registry's kind().
struct RegisteredName {
  std::string kind;
  std::string name;
};

// "2 names (activation cube_tanh, alignment measure trace_ratio)".
std::string DescribeNames(const std::vector<RegisteredName>& names);

// Runs the checks of `name.kind` on `name.name`.
std::vector<ConformanceCheck> CheckRegisteredName(const RegisteredName& name);

// An aligned table, one row per check (result "pass", "FAILED" or "not
// checked"), under a header line, then "N checks: P passed, F failed" (and
// ", S not checked" if any).
std::string FormatConformanceTable(const std::vector<ConformanceCheck>& checks);

// "activation relu, derivative vs finite diff.: FAILED (detail)", for test
// failure messages.
std::string FormatCheck(const ConformanceCheck& check);

bool AnyCheckFailed(const std::vector<ConformanceCheck>& checks);

}  // namespace nfalab

#endif  // NFALAB_CLI_CONFORMANCE_H_
