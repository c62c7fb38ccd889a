"""Unit tests of tools/python/nfalab_export.py (no nfalab binary involved).

  /usr/bin/python3 tests/python/nfalab_export_test.py [EXPORTER CHECKER]

EXPORTER and CHECKER are the paths of nfalab_export.py and
tools/check_export.py (default: found from this file). Besides the file
layout and the model.json keys, each export is run forward by check_export's
NumPy network (the layer semantics nfalab's export test checks against
nfalab itself) and must give PyTorch's outputs: that is what says a PyTorch
module was mapped to the nfalab layer that computes the same function.
"""
import copy
import importlib.util
import json
import os
import shutil
import sys
import tempfile
import unittest

import numpy as np
import torch
from torch import nn

_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
_PATHS = {"nfalab_export": os.path.join(_ROOT, "tools/python/nfalab_export.py"),
          "check_export": os.path.join(_ROOT, "tools/check_export.py")}


def _load(name):
    spec = importlib.util.spec_from_file_location(name, _PATHS[name])
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


nfalab_export = check_export = None  # loaded in main, from argv if given


def _state(model):
    return copy.deepcopy(model.state_dict())


def _mlp():
    torch.manual_seed(1)
    return nn.Sequential(nn.Linear(12, 16), nn.ReLU(),
                         nn.Linear(16, 16, bias=False), nn.Tanh(),
                         nn.Linear(16, 3))


def _conv_net():
    """Every image module type, nested Sequential included: input 2 x 9 x 9."""
    torch.manual_seed(2)
    return nn.Sequential(
        nn.Conv2d(2, 4, 3, padding=1), nn.GELU(approximate="tanh"),
        nn.MaxPool2d(2),                                    # 4 x 4 x 4
        nn.Sequential(nn.Conv2d(4, 5, (2, 2), stride=(1, 1), padding="valid",
                                bias=False),               # 5 x 3 x 3
                      nn.LeakyReLU(0.01)),
        nn.AvgPool2d(2, stride=1),                          # 5 x 2 x 2
        nn.Conv2d(5, 6, 3, stride=2, padding=1), nn.Softplus(),  # 6 x 1 x 1
        nn.AdaptiveAvgPool2d((1, 1)), nn.Flatten(), nn.Dropout(0.25),
        nn.Linear(6, 7), nn.Sigmoid(), nn.Identity(), nn.Linear(7, 3))


class _TempDirTest(unittest.TestCase):
    """Each test exports into its own temporary directory."""

    def setUp(self):
        self.tmp = tempfile.mkdtemp()

    def tearDown(self):
        shutil.rmtree(self.tmp)

    def path(self, *names):
        return os.path.join(self.tmp, *names)

    def read_model(self, name):
        with open(self.path(name, "model.json")) as f:
            return json.load(f)


class ExportTorchTest(_TempDirTest):

    def assert_forward_matches(self, name, torch_model, x):
        """check_export's NumPy network from the export = PyTorch's output."""
        directory = self.path(name)
        network = check_export.Network(self.read_model(name), directory)
        ours = network.forward(np.load(os.path.join(directory, "X.npy")))[0]
        with torch.no_grad():
            theirs = torch_model.double().eval()(torch.as_tensor(x).double()).numpy()
        torch_model.float()
        np.testing.assert_allclose(ours, theirs, rtol=0, atol=1e-9)

    def test_mlp_layout_and_values(self):
        model = _mlp()
        initial = _state(model)
        x = torch.randn(10, 12)
        nfalab_export.export_torch(model, initial, x, self.path("init"))
        self.assertEqual(sorted(os.listdir(self.path("init"))), [
            "W0_1.npy", "W0_2.npy", "W0_3.npy", "W1.npy", "W2.npy", "W3.npy",
            "X.npy", "b1.npy", "b3.npy", "model.json"])
        self.assertEqual(self.read_model("init"), {
            "input_shape": [12], "at_initialisation": True, "layers": [
                {"type": "linear", "in_features": 12, "out_features": 16,
                 "weight": "W1.npy", "initial_weight": "W0_1.npy", "bias": "b1.npy"},
                {"type": "activation", "name": "relu"},
                {"type": "linear", "in_features": 16, "out_features": 16,
                 "weight": "W2.npy", "initial_weight": "W0_2.npy"},
                {"type": "activation", "name": "tanh"},
                {"type": "linear", "in_features": 16, "out_features": 3,
                 "weight": "W3.npy", "initial_weight": "W0_3.npy", "bias": "b3.npy"}]})
        for l, key in ((1, "0"), (2, "2"), (3, "4")):
            w = np.load(self.path("init", f"W{l}.npy"))
            self.assertEqual(w.dtype, np.float32)
            np.testing.assert_array_equal(w, initial[f"{key}.weight"].numpy())
        b3 = np.load(self.path("init", "b3.npy"))
        self.assertEqual((b3.dtype, b3.shape), (np.float32, (3,)))
        np.testing.assert_array_equal(b3, model[4].bias.detach().numpy())
        stored_x = np.load(self.path("init", "X.npy"))
        self.assertEqual(stored_x.dtype, np.float32)
        np.testing.assert_array_equal(stored_x, x.numpy())
        self.assert_forward_matches("init", model, x)

        # One SGD step: W moves, W0 stays, the checkpoint says where it is.
        optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
        model(x).pow(2).mean().backward()
        optimizer.step()
        nfalab_export.export_torch(model, initial, x, self.path("trained"),
                                   epoch=2, step=17)
        description = self.read_model("trained")
        self.assertEqual((description["epoch"], description["step"],
                          description["at_initialisation"]), (2, 17, False))
        w2 = np.load(self.path("trained", "W2.npy"))
        np.testing.assert_array_equal(w2, model[2].weight.detach().numpy())
        np.testing.assert_array_equal(np.load(self.path("trained", "W0_2.npy")),
                                      initial["2.weight"].numpy())
        self.assertGreater(np.abs(w2 - initial["2.weight"].numpy()).max(), 0)
        self.assert_forward_matches("trained", model, x)
        self.assertEqual([f for f in os.listdir(self.path("trained"))
                          if f.endswith(".tmp")], [])

    def test_one_changed_weight_is_not_initialisation(self):
        model = _mlp()
        initial = _state(model)
        with torch.no_grad():
            model[4].weight[2, 5] += 1e-3          # the last layer only
        nfalab_export.export_torch(model, initial, torch.randn(4, 12),
                                   self.path("e"), epoch=0, step=8)
        self.assertIs(self.read_model("e")["at_initialisation"], False)
        with torch.no_grad():
            model[4].bias += 1.0                   # biases have no W0
            model[4].weight[2, 5] -= 1e-3
        model[4].weight.data.copy_(initial["4.weight"])
        nfalab_export.export_torch(model, initial, torch.randn(4, 12),
                                   self.path("e"), epoch=0, step=8)
        self.assertIs(self.read_model("e")["at_initialisation"], True)

    def test_conv_keys_per_module(self):
        model = _conv_net()
        initial = _state(model)
        x = torch.randn(6, 2, 9, 9)
        nfalab_export.export_torch(model, initial, x, self.path("conv"))
        description = self.read_model("conv")
        self.assertEqual(description["input_shape"], [2, 9, 9])
        self.assertNotIn("step", description)
        self.assertNotIn("epoch", description)
        w = lambda l: {"weight": f"W{l}.npy", "initial_weight": f"W0_{l}.npy"}
        conv = lambda i, o, k, s, p: {"type": "conv2d", "in_channels": i,
                                      "out_channels": o, "kernel_size": k,
                                      "stride": s, "padding": p}
        self.assertEqual(description["layers"], [
            {**conv(2, 4, 3, 1, 1), **w(1), "bias": "b1.npy"},
            {"type": "activation", "name": "gelu"},
            {"type": "maxpool2d", "kernel_size": 2, "stride": 2},
            {**conv(4, 5, 2, 1, 0), **w(2)},
            {"type": "activation", "name": "leaky_relu"},
            {"type": "avgpool2d", "kernel_size": 2, "stride": 1},
            {**conv(5, 6, 3, 2, 1), **w(3), "bias": "b3.npy"},
            {"type": "activation", "name": "softplus"},
            {"type": "global_avgpool"},
            {"type": "flatten"},
            {"type": "dropout", "rate": 0.25},
            {"type": "linear", "in_features": 6, "out_features": 7, **w(4),
             "bias": "b4.npy"},
            {"type": "activation", "name": "sigmoid"},
            {"type": "activation", "name": "identity"},
            {"type": "linear", "in_features": 7, "out_features": 3, **w(5),
             "bias": "b5.npy"}])
        shapes = {f"W{l}.npy": s for l, s in enumerate(
            [(4, 2, 3, 3), (5, 4, 2, 2), (6, 5, 3, 3), (7, 6), (3, 7)], start=1)}
        shapes.update({"X.npy": (6, 2, 9, 9), "b1.npy": (4,), "b3.npy": (6,)})
        for name, shape in shapes.items():
            a = np.load(self.path("conv", name))
            self.assertEqual((name, a.dtype, a.shape), (name, np.float32, shape))
        np.testing.assert_array_equal(np.load(self.path("conv", "W3.npy")),
                                      model[5].weight.detach().numpy())
        self.assert_forward_matches("conv", model, x)

    def test_numpy_input_and_float64_model(self):
        model = _mlp().double()
        x = np.random.default_rng(0).normal(size=(5, 12))       # float64
        nfalab_export.export_torch(model, _state(model), x, self.path("d"))
        for name in ("W1.npy", "W0_1.npy", "b1.npy", "X.npy"):
            self.assertEqual(np.load(self.path("d", name)).dtype, np.float32)
        self.assertIs(self.read_model("d")["at_initialisation"], True)

    def assert_refused(self, modules, x, *fragments):
        model = nn.Sequential(*modules)
        with self.assertRaises(ValueError) as raised:
            nfalab_export.export_torch(model, _state(model), x, self.path("bad"))
        for fragment in fragments:
            self.assertIn(fragment, str(raised.exception))
        self.assertFalse(os.path.exists(self.path("bad")), "wrote files")

    def test_refusals(self):
        image = torch.randn(2, 2, 6, 6)
        head = [nn.Flatten(), nn.Linear(72, 3)]
        self.assert_refused([nn.Conv2d(2, 2, 3, padding=1), nn.BatchNorm2d(2)] + head,
                            image, "module 1 ('1') BatchNorm2d(2", "nfalab supports")
        self.assert_refused([nn.Flatten(), nn.Linear(72, 8), nn.GELU(),
                             nn.Linear(8, 3)], image, "module 2 ('2') GELU(",
                            "approximate='tanh'")
        self.assert_refused([nn.Conv2d(2, 2, 3, padding=1, groups=2)] + head,
                            image, "module 0", "groups 2")
        self.assert_refused([nn.MaxPool2d(2, ceil_mode=True)] + [
            nn.Flatten(), nn.Linear(18, 3)], image, "ceil_mode")
        self.assert_refused([nn.Conv2d(2, 2, (3, 1), padding=(1, 0))] + head,
                            image, "kernel_size (3, 1)")
        self.assert_refused([nn.Conv2d(2, 2, 3, padding="same")] + head,
                            image, "'same'")
        self.assert_refused([nn.Conv2d(2, 2, 3, padding=1, dilation=2)] + head,
                            image, "dilation")
        self.assert_refused([nn.Conv2d(2, 2, 3, padding=1, padding_mode="reflect")]
                            + head, image, "padding_mode 'reflect'")
        self.assert_refused([nn.MaxPool2d(2, padding=1)] + head, image, "padding 1")
        self.assert_refused([nn.AvgPool2d(2, divisor_override=3),
                             nn.Flatten(), nn.Linear(18, 3)], image, "divisor_override")
        self.assert_refused([nn.AdaptiveAvgPool2d(2), nn.Flatten(),
                             nn.Linear(8, 3)], image, "output_size 2")
        self.assert_refused([nn.Linear(12, 4), nn.LeakyReLU(0.2), nn.Linear(4, 3)],
                            torch.randn(2, 12), "module 1", "negative_slope 0.2")
        self.assert_refused([nn.Linear(12, 4), nn.Softplus(beta=2), nn.Linear(4, 3)],
                            torch.randn(2, 12), "beta 2")
        self.assert_refused([nn.Linear(12, 4), nn.Softplus(threshold=5),
                             nn.Linear(4, 3)], torch.randn(2, 12), "threshold 5")
        self.assert_refused([nn.Linear(12, 4), nn.ELU(), nn.Linear(4, 3)],
                            torch.randn(2, 12), "ELU(alpha=1.0)")
        self.assert_refused([nn.Linear(12, 4), nn.Dropout2d(0.5), nn.Linear(4, 3)],
                            torch.randn(2, 12), "Dropout2d")
        self.assert_refused([nn.Flatten(2), nn.Linear(36, 3)], image, "start_dim 2")
        self.assert_refused([nn.Linear(6, 3)], image, "not flat")
        self.assert_refused([nn.Linear(11, 3)], torch.randn(2, 12), "in_features 11")
        self.assert_refused([nn.Conv2d(3, 2, 3)] + head, image, "in_channels 3")
        self.assert_refused([nn.AdaptiveAvgPool2d(1), nn.Conv2d(2, 2, 1),
                             nn.Flatten(), nn.Linear(2, 3)], image,
                            "module 1", "global_avgpool output is flat")
        self.assert_refused([nn.Conv2d(2, 3, 3)], image, "flat [C] output")
        self.assert_refused([nn.ReLU()], torch.randn(2, 12), "no weighted layer")

        class Custom(nn.Module):
            def forward(self, x):
                return 2 * x

        self.assert_refused([nn.Linear(12, 4), nn.Sequential(Custom()),
                             nn.Linear(4, 3)], torch.randn(2, 12),
                            "module 1 ('1.0') Custom()")

        class MyLinear(nn.Linear):
            pass

        self.assert_refused([MyLinear(12, 3)], torch.randn(2, 12), "MyLinear(")

    def test_refuses_bad_arguments(self):
        model = _mlp()
        cases = [
            (dict(X=torch.randn(3, 12, 1)), "expected [m, d]"),
            (dict(X=torch.full((2, 12), float("nan"))), "NaN"),
            (dict(initial_state={}), "initial_state has no '0.weight'"),
            (dict(epoch=1.5, step=2), "epoch must be an int"),
            (dict(epoch=0, step=-1), "step must be >= 0"),
            (dict(epoch=3), "give both or neither"),
        ]
        for change, fragment in cases:
            args = dict(model=model, initial_state=_state(model),
                        X=torch.randn(3, 12), directory=self.path("bad"))
            args.update(change)
            with self.assertRaises(ValueError, msg=fragment) as raised:
                nfalab_export.export_torch(**args)
            self.assertIn(fragment, str(raised.exception))
        with self.assertRaisesRegex(ValueError, "takes an nn.Sequential"):
            nfalab_export.export_torch(nn.Linear(12, 3), {}, torch.randn(3, 12),
                                       self.path("bad"))
        self.assertFalse(os.path.exists(self.path("bad")))


class ExportNumpyTest(_TempDirTest):

    def setUp(self):
        super().setUp()
        rng = np.random.default_rng(3)
        self.w = [rng.normal(size=s) for s in ((8, 12), (8, 8), (3, 8))]
        self.w0 = [rng.normal(size=w.shape) for w in self.w]
        self.b = [rng.normal(size=8), None, rng.normal(size=3)]
        self.x = rng.normal(size=(5, 12))

    def test_layout_and_forward(self):
        nfalab_export.export_numpy(self.w, self.w0, "softplus", self.x,
                                   self.path("np"), biases=self.b, epoch=4, step=40)
        self.assertEqual(sorted(os.listdir(self.path("np"))), [
            "W0_1.npy", "W0_2.npy", "W0_3.npy", "W1.npy", "W2.npy", "W3.npy",
            "X.npy", "b1.npy", "b3.npy", "model.json"])
        description = self.read_model("np")
        self.assertEqual((description["epoch"], description["step"],
                          description["at_initialisation"]), (4, 40, False))
        self.assertEqual([(e["type"], e.get("out_features", e.get("name")))
                          for e in description["layers"]],
                         [("linear", 8), ("activation", "softplus"), ("linear", 8),
                          ("activation", "softplus"), ("linear", 3)])
        for l in (1, 2, 3):
            for prefix, source in (("W", self.w), ("W0_", self.w0)):
                a = np.load(self.path("np", f"{prefix}{l}.npy"))
                self.assertEqual(a.dtype, np.float32)
                np.testing.assert_array_equal(a, source[l - 1].astype(np.float32))
        # The forward pass from the files against the matrices themselves.
        network = check_export.Network(description, self.path("np"))
        f32 = lambda a: a.astype(np.float32).astype(np.float64)
        a = f32(self.x)
        for j, (w, b) in enumerate(zip(self.w, self.b)):
            if j:
                a = np.log1p(np.exp(a))
            a = a @ f32(w).T + (0 if b is None else f32(b))
        np.testing.assert_allclose(network.forward(np.load(self.path("np", "X.npy")))[0],
                                   a, rtol=0, atol=1e-12)

    def test_images_are_flattened_and_initialisation_marked(self):
        x = np.random.default_rng(0).normal(size=(5, 3, 2, 2))
        nfalab_export.export_numpy(self.w, self.w, "relu", x, self.path("im"))
        description = self.read_model("im")
        self.assertEqual(description["input_shape"], [3, 2, 2])
        self.assertEqual(description["layers"][0], {"type": "flatten"})
        self.assertIs(description["at_initialisation"], True)
        self.assertNotIn("b1.npy", os.listdir(self.path("im")))

    def test_shape_errors(self):
        bad = [
            (dict(weights=[self.w[0], self.w[1][:, :7], self.w[2]]),
             "weights[1] has shape [8, 7]: expected [out, 8]"),
            (dict(X=self.x[:, :11]), "weights[0] has shape [8, 12]: expected [out, 11]"),
            (dict(initial_weights=[self.w0[0], self.w0[1].T[:4], self.w0[2]]),
             "initial_weights[1] has shape [4, 8]"),
            (dict(initial_weights=self.w0[:2]), "3 weights and 2 initial weights"),
            (dict(biases=[np.zeros(8), None, np.zeros(4)]), "biases[2] has shape [4]"),
            (dict(biases=[None]), "1 biases for 3 weights"),
            (dict(activation="swish"), "activation 'swish'"),
            (dict(weights=[], initial_weights=[]), "at least 1"),
        ]
        for change, fragment in bad:
            args = dict(weights=self.w, initial_weights=self.w0, activation="relu",
                        X=self.x, directory=self.path("bad"))
            args.update(change)
            with self.assertRaises(ValueError, msg=fragment) as raised:
                nfalab_export.export_numpy(**args)
            self.assertIn(fragment, str(raised.exception))
        self.assertFalse(os.path.exists(self.path("bad")))


def main():
    global nfalab_export, check_export
    if len(sys.argv) == 3:
        _PATHS["nfalab_export"], _PATHS["check_export"] = sys.argv[1:3]
    nfalab_export = _load("nfalab_export")
    check_export = _load("check_export")
    unittest.main(argv=sys.argv[:1], verbosity=2)


if __name__ == "__main__":
    main()
