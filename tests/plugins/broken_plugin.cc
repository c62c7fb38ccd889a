// A run-time plugin with planted faults (tests/plugins/planted_faults.h), for
// check_plugin_test: `nfalab check-plugin` must report the derivative of
// bad_slope_tanh, the scale invariance of false_invariant and the input VJP
// of the layer bad_vjp_tanh as FAILED and exit 1.
#include "layers/activation.h"
#include "layers/layer.h"
#include "metrics/alignment_measure.h"
#include "tests/plugins/planted_faults.h"

NFALAB_REGISTER_ACTIVATION("bad_slope_tanh",
                           ::nfalab::testing::SlopeOffByATenthPercent,
                           "tanh with a derivative 0.1% off (test plugin)");
NFALAB_REGISTER_ALIGNMENT_MEASURE(
    "false_invariant", ::nfalab::testing::FalselyScaleInvariant,
    "falsely declares scale invariance (test plugin)");
NFALAB_REGISTER_LAYER("bad_vjp_tanh", ::nfalab::testing::TanhLayerWithVjpOff,
                      "a tanh layer whose VJP is 0.1% off (test plugin)");
