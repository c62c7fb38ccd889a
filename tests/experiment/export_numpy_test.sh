#!/usr/bin/env bash
# End to end: `nfalab train --export_dir` writes .npy files and a model.json
# that NumPy loads, and tools/check_export.py rebuilds each network from
# model.json and recomputes K, UC-NFC, C-NFC and the weight change to match
# metrics.csv: an MLP without and with biases, an explicit layer list (tanh)
# an image MLP (flatten, gelu), a convolutional network (conv2d,
# maxpool2d, global_avgpool) and the VGG preset (with dropout). Corrupted exports and an unknown activation
# must make the checker fail.
set -euo pipefail

nfalab="$1"
checker="$2"
python=/usr/bin/python3
tmp="${TEST_TMPDIR}"

fail() {
  echo "FAIL: $*" >&2
  exit 1
}

# The export's file names, space separated.
listing() {
  (cd "$1" && ls | tr '\n' ' ' | sed 's/ $//')
}

# check NAME: runs the checker on run and export dirs of NAME.
check() {
  echo "== check_export.py: $1"
  "${python}" "${checker}" "${tmp}/$1/run" "${tmp}/$1/export"
}

# The checker's own derivatives and backpropagation.
"${python}" "${checker}" --self_test

mlp_flags=(--data.n_train=600 --data.n_test=100 --data.synthetic.input_dim=12
  --data.synthetic.num_outputs=3 --model.depth=3 --model.width=20
  --training.epochs=3 --measurement.measure_samples=400
  --measurement.include_readout=true --optimizer.learning_rate=0.1)

# 1. The paper's MLP (no biases).
"${nfalab}" train --out="${tmp}/mlp/run" --export_dir="${tmp}/mlp/export" \
  "${mlp_flags[@]}"
expected="K1.npy K2.npy K3.npy K4.npy W0_1.npy W0_2.npy W0_3.npy W0_4.npy W1.npy W2.npy W3.npy W4.npy X.npy model.json"
actual="$(listing "${tmp}/mlp/export")"
[[ "${actual}" == "${expected}" ]] || fail "unexpected export files: ${actual}"
check mlp

# 2. The same MLP with biases.
"${nfalab}" train --out="${tmp}/bias/run" --export_dir="${tmp}/bias/export" \
  "${mlp_flags[@]}" --model.bias=true
expected="K1.npy K2.npy K3.npy K4.npy W0_1.npy W0_2.npy W0_3.npy W0_4.npy W1.npy W2.npy W3.npy W4.npy X.npy b1.npy b2.npy b3.npy b4.npy model.json"
actual="$(listing "${tmp}/bias/export")"
[[ "${actual}" == "${expected}" ]] || fail "unexpected export files: ${actual}"
check bias

# model.json of both MLPs: input_shape, layer types, features, file names,
# and "bias" exactly when the layer has one.
for name in mlp bias; do
  "${python}" - "${tmp}/${name}/export/model.json" "${name}" <<'EOF' ||
import json, sys
model = json.load(open(sys.argv[1]))
with_bias = sys.argv[2] == "bias"
assert model["input_shape"] == [12], model["input_shape"]
layers = model["layers"]
types = [layer["type"] for layer in layers]
assert types == ["linear", "activation"] * 3 + ["linear"], types
sizes = [12, 20, 20, 20, 3]
for l, layer in enumerate(layers[0::2], start=1):
    expected = {"type": "linear", "in_features": sizes[l - 1],
                "out_features": sizes[l], "weight": f"W{l}.npy",
                "initial_weight": f"W0_{l}.npy"}
    if with_bias:
        expected["bias"] = f"b{l}.npy"
    assert layer == expected, (layer, expected)
for layer in layers[1::2]:
    assert layer == {"type": "activation", "name": "relu"}, layer
EOF
    fail "model.json of ${name}"
done

# 3. An explicit layer list; the last linear gets one feature per output.
cat >"${tmp}/layers.pbtxt" <<'EOF'
data {
  n_train: 500
  n_test: 100
  synthetic { input_dim: 10 num_outputs: 2 }
}
model {
  layers { type: "linear" out_features: 16 }
  layers { type: "activation" activation: "tanh" }
  layers { type: "linear" out_features: 8 }
  layers { type: "activation" activation: "tanh" }
  layers { type: "linear" }
}
optimizer { learning_rate: 0.1 }
training { epochs: 3 }
measurement { measure_samples: 300 include_readout: true }
EOF
"${nfalab}" train --config="${tmp}/layers.pbtxt" --out="${tmp}/layers/run" \
  --export_dir="${tmp}/layers/export"
"${python}" - "${tmp}/layers/export/model.json" <<'EOF' || fail "model.json of layers"
import json, sys
layers = json.load(open(sys.argv[1]))["layers"]
assert [(l["type"], l.get("out_features", l.get("name"))) for l in layers] == [
    ("linear", 16), ("activation", "tanh"), ("linear", 8),
    ("activation", "tanh"), ("linear", 2)], layers
assert not any("bias" in l for l in layers), layers
EOF
check layers

# 4. Images: 6x5 one-channel IDX files, so the MLP starts with flatten and
# X.npy is [m, 1, 6, 5]; biases and gelu.
# make_idx DIR H W: 300 random one-channel H x W images, 4 classes.
make_idx() {
  mkdir -p "$1"
  "${python}" - "$@" <<'EOF'
import struct, sys
import numpy as np
rng = np.random.default_rng(0)
n, h, w = 300, int(sys.argv[2]), int(sys.argv[3])
images = rng.integers(0, 256, size=(n, h, w), dtype=np.uint8)
labels = images.reshape(n, -1)[:, :4].argmax(1).astype(np.uint8)
with open(f"{sys.argv[1]}/train-images-idx3-ubyte", "wb") as f:
    f.write(struct.pack(">IIII", 0x803, n, h, w) + images.tobytes())
with open(f"{sys.argv[1]}/train-labels-idx1-ubyte", "wb") as f:
    f.write(struct.pack(">II", 0x801, n) + labels.tobytes())
EOF
}
make_idx "${tmp}/idx" 6 5
"${nfalab}" train --out="${tmp}/image/run" --export_dir="${tmp}/image/export" \
  --data.source=idx --data.path="${tmp}/idx" --data.idx.num_classes=4 \
  --data.n_train=300 --data.n_test=0 --model.depth=2 --model.width=16 \
  --model.bias=true --model.activation=gelu --training.epochs=3 \
  --measurement.measure_samples=200 --optimizer.learning_rate=0.1
"${python}" - "${tmp}/image/export" <<'EOF' || fail "model.json of image"
import json, sys
import numpy as np
model = json.load(open(f"{sys.argv[1]}/model.json"))
assert model["input_shape"] == [1, 6, 5], model["input_shape"]
assert model["layers"][0] == {"type": "flatten"}, model["layers"][0]
assert model["layers"][1]["in_features"] == 30, model["layers"][1]
assert np.load(f"{sys.argv[1]}/X.npy").shape == (200, 1, 6, 5)
EOF
check image

# 5. A convolutional network on 12x11 images: conv2d (3x3, padding 1, bias)
# 1x12x11 -> 4x12x11, relu, maxpool2d 2 -> 4x6x5 (the last column is not
# read), conv2d stride 2 padding 0 -> 3x2x2, tanh, global_avgpool, flatten,
# linear. K of a conv layer is the patch form (sum over positions too).
make_idx "${tmp}/idx_conv" 12 11
cat >"${tmp}/conv.pbtxt" <<'EOF'
data { source: "idx" n_train: 300 n_test: 0 idx { num_classes: 4 } }
model {
  layers { type: "conv2d" out_channels: 4 }
  layers { type: "activation" activation: "relu" }
  layers { type: "maxpool2d" }
  layers { type: "conv2d" out_channels: 3 stride: 2 padding: 0 }
  layers { type: "activation" activation: "tanh" }
  layers { type: "global_avgpool" }
  layers { type: "flatten" }
  layers { type: "linear" }
}
optimizer { learning_rate: 0.1 }
training { epochs: 3 }
measurement { measure_samples: 200 include_readout: true }
EOF
"${nfalab}" train --config="${tmp}/conv.pbtxt" --data.path="${tmp}/idx_conv" \
  --out="${tmp}/conv/run" --export_dir="${tmp}/conv/export"
"${python}" - "${tmp}/conv/export" <<'EOF' || fail "model.json of conv"
import json, sys
import numpy as np
model = json.load(open(f"{sys.argv[1]}/model.json"))
assert model["input_shape"] == [1, 12, 11], model["input_shape"]
types = [layer["type"] for layer in model["layers"]]
assert types == ["conv2d", "activation", "maxpool2d", "conv2d", "activation",
                 "global_avgpool", "flatten", "linear"], types
assert np.load(f"{sys.argv[1]}/W1.npy").shape == (4, 1, 3, 3)
assert np.load(f"{sys.argv[1]}/W2.npy").shape == (3, 4, 3, 3)
assert np.load(f"{sys.argv[1]}/K1.npy").shape == (4, 4)
assert np.load(f"{sys.argv[1]}/X.npy").shape == (200, 1, 12, 11)
EOF
check conv

# 5b. The VGG preset (configuration A, channels x 1/16, classifier 16 with
# dropout) on 32x32 images: five pools leave 1x1, global_avgpool is then the
# identity, dropout is off when measuring; every weighted layer measured.
make_idx "${tmp}/idx_vgg" 32 32
cat >"${tmp}/vgg.pbtxt" <<'EOF'
data { source: "idx" n_train: 120 n_test: 0 idx { num_classes: 4 } }
model {
  vgg { width_multiplier: 0.0625 classifier_width: 16 dropout: 0.5 }
}
optimizer { learning_rate: 0.05 momentum: 0.9 reset_every_epoch: true }
training { epochs: 2 batch_size: 32 }
measurement { measure_samples: 40 include_classifier: true include_readout: true }
EOF
"${nfalab}" train --config="${tmp}/vgg.pbtxt" --data.path="${tmp}/idx_vgg" \
  --out="${tmp}/vgg/run" --export_dir="${tmp}/vgg/export"
"${python}" - "${tmp}/vgg/export" <<'EOF' || fail "model.json of vgg"
import json, sys
import numpy as np
model = json.load(open(f"{sys.argv[1]}/model.json"))
types = [layer["type"] for layer in model["layers"]]
assert types.count("conv2d") == 8 and types.count("maxpool2d") == 5, types
assert types[-9:] == ["global_avgpool", "flatten", "linear", "activation",
                      "dropout", "linear", "activation", "dropout", "linear"], types
assert [np.load(f"{sys.argv[1]}/W{l}.npy").shape[0] for l in range(1, 12)] == \
    [4, 8, 16, 16, 32, 32, 32, 32, 16, 16, 4]
assert np.load(f"{sys.argv[1]}/K11.npy").shape == (4, 4)
EOF
check vgg

# The checker must fail on a moved conv weight: layer 2's W (layer 1's K).
cp -r "${tmp}/conv/export" "${tmp}/corrupt_conv"
"${python}" -c '
import sys
import numpy as np
w = np.load(sys.argv[1])
w[0, 0, 1, 1] += 0.05
np.save(sys.argv[1], w)' "${tmp}/corrupt_conv/W2.npy"
status=0
"${python}" "${checker}" "${tmp}/conv/run" "${tmp}/corrupt_conv" \
  >"${tmp}/corrupt_conv.out" || status=$?
cat "${tmp}/corrupt_conv.out"
[[ ${status} -eq 1 ]] || fail "corrupted conv W2.npy: exit status ${status}, expected 1"
grep -q "export check: MISMATCH (layer 1 K" "${tmp}/corrupt_conv.out" ||
  fail "corrupted conv W2.npy: the failure does not name layer 1's K"

# 6. The checker must fail
: one weight entry of the MLP with biases moved.
cp -r "${tmp}/bias/export" "${tmp}/corrupt"
"${python}" -c '
import sys
import numpy as np
w = np.load(sys.argv[1])
w[0, 0] += 0.01
np.save(sys.argv[1], w)' "${tmp}/corrupt/W2.npy"
status=0
"${python}" "${checker}" "${tmp}/bias/run" "${tmp}/corrupt" >"${tmp}/corrupt.out" || status=$?
cat "${tmp}/corrupt.out"
[[ ${status} -eq 1 ]] || fail "corrupted W2.npy: exit status ${status}, expected 1"
grep -q "export check: MISMATCH (layer 1 K" "${tmp}/corrupt.out" ||
  fail "corrupted W2.npy: the failure does not name layer 1's K"

# An activation the checker does not know is refused by name.
sed -i 's/"name": "relu"/"name": "swish"/' "${tmp}/corrupt/model.json"
status=0
"${python}" "${checker}" "${tmp}/bias/run" "${tmp}/corrupt" 2>"${tmp}/unknown.err" || status=$?
cat "${tmp}/unknown.err"
[[ ${status} -eq 2 ]] || fail "unknown activation: exit status ${status}, expected 2"
grep -q "activation 'swish'" "${tmp}/unknown.err" ||
  fail "unknown activation: not named"
echo PASS
