"""Writes a network trained outside nfalab in nfalab's export format.

`nfalab measure --model=DIR` measures what this module writes: DIR/model.json
(the layer list, experiment/model_import.h), W{l}.npy, W0_{l}.npy and, for
layers with a bias, b{l}.npy (float32, PyTorch's layouts) for the weighted
layers l = 1, 2, ... in order, and X.npy (float32, the samples). Only NumPy
is needed; PyTorch is imported by `export_torch` alone.

Example (one checkpoint at initialisation, one per epoch)::

    import copy
    from nfalab_export import export_torch

    initial = copy.deepcopy(model.state_dict())
    export_torch(model, initial, X, "ckpt/init")
    for epoch in range(epochs):
        train_one_epoch(model)
        export_torch(model, initial, X, f"ckpt/epoch_{epoch}", epoch=epoch,
                     step=(epoch + 1) * steps_per_epoch)

    # nfalab measure --model=ckpt/init --model=ckpt/epoch_0 ... \
    #     --data=ckpt/init/X.npy --out=measured

Every check runs before the first file is written, and each file is written
atomically, so a refused model leaves the directory as it was.
"""
import json
import os
import secrets

import numpy as np

ACTIVATIONS = ("relu", "identity", "tanh", "sigmoid", "gelu", "softplus",
               "leaky_relu", "quadratic")

_SUPPORTED = (
    "nfalab supports Linear; Conv2d (square kernel, stride and padding, "
    "dilation 1, groups 1, zero padding); ReLU, Tanh, Sigmoid, "
    "GELU(approximate='tanh'), Softplus(beta=1), LeakyReLU(0.01), Identity; "
    "MaxPool2d and AvgPool2d (square, padding 0, ceil_mode False); "
    "AdaptiveAvgPool2d(1); Flatten(1, -1); Dropout; nested Sequential")


class _Layers:
    """The model.json layer list and weight arrays, built and shape-checked.

    `shape` follows one sample through the layers as PyTorch sees it; a layer
    whose PyTorch meaning would differ from nfalab's on that shape is refused.
    """

    def __init__(self, input_shape):
        self.input_shape = tuple(int(n) for n in input_shape)
        self.shape = self.input_shape
        self.entries = []   # model.json layer objects
        self.arrays = {}    # file name -> float32 array
        self.pooled = False  # after global_avgpool: nfalab's output is flat

    def add(self, entry):
        self.entries.append(entry)

    def add_weighted(self, entry, weight, initial, bias):
        l = sum("weight" in e for e in self.entries) + 1
        entry.update(weight=f"W{l}.npy", initial_weight=f"W0_{l}.npy")
        self.arrays[f"W{l}.npy"] = weight
        self.arrays[f"W0_{l}.npy"] = initial
        if bias is not None:
            entry["bias"] = f"b{l}.npy"
            self.arrays[f"b{l}.npy"] = bias
        self.entries.append(entry)

    def at_initialisation(self):
        weights = [e for e in self.entries if "weight" in e]
        return all(np.array_equal(self.arrays[e["weight"]],
                                  self.arrays[e["initial_weight"]])
                   for e in weights)


def _float32(array, what):
    a = np.asarray(array)
    if not np.issubdtype(a.dtype, np.number) or np.issubdtype(a.dtype, np.complexfloating):
        raise ValueError(f"{what}: dtype {a.dtype} is not real")
    a = np.ascontiguousarray(a, dtype=np.float32)
    if not np.all(np.isfinite(a)):
        raise ValueError(f"{what}: has a NaN or infinite entry (as float32)")
    return a


def _samples(X):
    """X as a float32 array [m, d] or [m, C, H, W]."""
    if hasattr(X, "detach"):
        X = X.detach().cpu().numpy()
    x = _float32(X, "X")
    if x.ndim not in (2, 4) or x.shape[0] < 1 or 0 in x.shape:
        raise ValueError(f"X has shape {list(x.shape)}: expected [m, d] or "
                         "[m, C, H, W] with m >= 1")
    return x


def _check_position(epoch, step):
    """epoch >= -1 and step >= 0, both ints or both None (as model.json)."""
    if (epoch is None) != (step is None):
        raise ValueError(f"epoch {epoch!r} and step {step!r}: give both or "
                         "neither (nfalab reads them together)")
    for name, value, least in (("epoch", epoch, -1), ("step", step, 0)):
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
            raise ValueError(f"{name} must be an int, got {value!r}")
        if value < least:
            raise ValueError(f"{name} must be >= {least}, got {value}")


def _write_atomically(path, write):
    """Calls write(file) on a temporary file next to `path`, then renames it."""
    directory, name = os.path.split(path)
    tmp = os.path.join(directory, f".{name}.{secrets.token_hex(6)}.tmp")
    # Mode 0666 less the umask, as np.save and open() would create it.
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    try:
        with os.fdopen(fd, "wb") as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def _write(layers, x, directory, epoch, step):
    if len(layers.shape) != 1:
        raise ValueError(f"the network's output has shape {list(layers.shape)} "
                         "per sample; nfalab needs a flat [C] output")
    if not any("weight" in e for e in layers.entries):
        raise ValueError("the network has no weighted layer (Linear or Conv2d)")
    model = {"input_shape": list(layers.input_shape)}
    if epoch is not None:
        model["epoch"] = int(epoch)
    if step is not None:
        model["step"] = int(step)
    model["at_initialisation"] = layers.at_initialisation()
    model["layers"] = layers.entries
    lines = ",\n".join("    " + json.dumps(e) for e in layers.entries)
    head = json.dumps({k: v for k, v in model.items() if k != "layers"})
    text = f'{head[:-1]},\n "layers": [\n{lines}]}}\n'
    assert json.loads(text) == model

    os.makedirs(directory, exist_ok=True)
    for name, array in list(layers.arrays.items()) + [("X.npy", x)]:
        _write_atomically(os.path.join(directory, name),
                          lambda f, a=array: np.save(f, a, allow_pickle=False))
    # model.json last: a reader that finds it finds every file it names.
    _write_atomically(os.path.join(directory, "model.json"),
                      lambda f: f.write(text.encode()))


# ---------------------------------------------------------------- NumPy MLPs


def export_numpy(weights, initial_weights, activation, X, directory, *,
                 biases=None, epoch=None, step=None):
    """Exports an MLP given as matrices: linear, activation, ..., linear.

    Args:
      weights: the L >= 1 weight matrices [out, in], first layer first.
      initial_weights: the same matrices at initialisation (W0, for C-NFC).
      activation: an nfalab activation name (ACTIVATIONS), between layers.
      X: the samples, [m, d] (or images [m, C, H, W], flattened first).
      directory: created if needed.
      biases: None, or one [out] array (or None) per layer.
      epoch, step: where in training this checkpoint is (both or neither).

    Raises:
      ValueError: shapes do not chain, or an unknown activation.
    """
    if activation not in ACTIVATIONS:
        raise ValueError(f"activation {activation!r} is not one of nfalab's "
                         f"({', '.join(ACTIVATIONS)})")
    _check_position(epoch, step)
    weights = [_float32(w, f"weights[{j}]") for j, w in enumerate(weights)]
    initial = [_float32(w, f"initial_weights[{j}]")
               for j, w in enumerate(initial_weights)]
    if not weights or len(initial) != len(weights):
        raise ValueError(f"{len(weights)} weights and {len(initial)} initial "
                         "weights: need the same number, at least 1")
    if biases is None:
        biases = [None] * len(weights)
    if len(biases) != len(weights):
        raise ValueError(f"{len(biases)} biases for {len(weights)} weights")
    x = _samples(X)
    layers = _Layers(x.shape[1:])
    if x.ndim == 4:
        layers.add({"type": "flatten"})
    fan_in = int(np.prod(x.shape[1:]))
    for j, (w, w0, b) in enumerate(zip(weights, initial, biases)):
        if w.ndim != 2 or w.shape[1] != fan_in:
            raise ValueError(f"weights[{j}] has shape {list(w.shape)}: expected "
                             f"[out, {fan_in}] (the input of layer {j + 1})")
        if w0.shape != w.shape:
            raise ValueError(f"initial_weights[{j}] has shape {list(w0.shape)}, "
                             f"weights[{j}] {list(w.shape)}")
        if b is not None:
            b = _float32(b, f"biases[{j}]")
            if b.shape != (w.shape[0],):
                raise ValueError(f"biases[{j}] has shape {list(b.shape)}: "
                                 f"expected [{w.shape[0]}]")
        if j > 0:
            layers.add({"type": "activation", "name": activation})
        layers.add_weighted({"type": "linear", "in_features": fan_in,
                             "out_features": w.shape[0]}, w, w0, b)
        fan_in = w.shape[0]
    layers.shape = (fan_in,)
    _write(layers, x, directory, epoch, step)


# -------------------------------------------------------------------- PyTorch


def _modules(sequential, prefix=""):
    """(state_dict prefix, module) of every leaf, nested Sequentials inlined."""
    import torch.nn as nn
    for name, module in sequential.named_children():
        path = f"{prefix}{name}"
        if type(module) is nn.Sequential:
            yield from _modules(module, path + ".")
        else:
            yield path, module


def _square(value):
    """An int from an int or a tuple of equal ints; None if it is not one."""
    if isinstance(value, (tuple, list)):
        if len(value) == 0 or any(v != value[0] for v in value):
            return None
        value = value[0]
    if isinstance(value, bool) or not isinstance(value, int):
        return None
    return value


class _Refused(Exception):
    """One module cannot be exported: why."""


def _pool_entry(kind, module, layers):
    k = _square(module.kernel_size)
    s = _square(module.stride)  # PyTorch makes a None stride the kernel size
    if k is None or s is None:
        raise _Refused(f"kernel_size {module.kernel_size} and stride "
                       f"{module.stride} must be square")
    if _square(module.padding) != 0:
        raise _Refused(f"padding {module.padding}: nfalab pools without padding")
    if module.ceil_mode:
        raise _Refused("ceil_mode=True: nfalab's windows are floor mode")
    if kind == "maxpool2d":
        if _square(module.dilation) != 1:
            raise _Refused(f"dilation {module.dilation}: nfalab needs 1")
        if module.return_indices:
            raise _Refused("return_indices=True")
    elif module.divisor_override is not None:
        raise _Refused(f"divisor_override {module.divisor_override}")
    c, h, w = _image(layers, kind)
    if k > h or k > w:
        raise _Refused(f"kernel {k} is larger than the input {[c, h, w]}")
    layers.add({"type": kind, "kernel_size": k, "stride": s})
    layers.shape = (c, (h - k) // s + 1, (w - k) // s + 1)


def _image(layers, kind):
    if layers.pooled or len(layers.shape) != 3:
        raise _Refused(f"{kind} needs an image input [C, H, W], got "
                       f"{list(layers.shape)}" +
                       (" (nfalab's global_avgpool output is flat)"
                        if layers.pooled else ""))
    return layers.shape


def _weights(path, module, initial_state):
    weight = module.weight.detach().cpu().numpy()
    key = f"{path}.weight"
    if key not in initial_state:
        raise _Refused(f"initial_state has no {key!r}")
    w0 = initial_state[key]
    w0 = w0.detach().cpu().numpy() if hasattr(w0, "detach") else np.asarray(w0)
    if w0.shape != weight.shape:
        raise _Refused(f"initial_state[{key!r}] has shape {list(w0.shape)}, the "
                       f"weight {list(weight.shape)}")
    bias = None
    if module.bias is not None:
        bias = _float32(module.bias.detach().cpu().numpy(), f"{path}.bias")
    return (_float32(weight, key), _float32(w0, f"initial_state[{key!r}]"), bias)


def _torch_entry(path, module, initial_state, layers):
    """Appends the nfalab layer of one PyTorch module, or raises _Refused."""
    import torch.nn as nn
    kind = type(module)
    if kind is nn.Linear:
        if len(layers.shape) != 1:
            raise _Refused(f"input {list(layers.shape)} is not flat; add a "
                           "Flatten (nfalab's linear takes a flat [d])")
        if layers.shape[0] != module.in_features:
            raise _Refused(f"in_features {module.in_features}, but the input "
                           f"has {layers.shape[0]} features")
        layers.add_weighted({"type": "linear", "in_features": module.in_features,
                             "out_features": module.out_features},
                            *_weights(path, module, initial_state))
        layers.shape = (module.out_features,)
        layers.pooled = False
    elif kind is nn.Conv2d:
        k = _square(module.kernel_size)
        s = _square(module.stride)
        p = 0 if module.padding == "valid" else _square(module.padding)
        if k is None or s is None or p is None:
            raise _Refused(f"kernel_size {module.kernel_size}, stride "
                           f"{module.stride} and padding {module.padding!r} "
                           "must be square ints ('same' is not supported)")
        if _square(module.dilation) != 1 or module.groups != 1:
            raise _Refused(f"dilation {module.dilation}, groups {module.groups}: "
                           "nfalab needs 1 and 1")
        if module.padding_mode != "zeros":
            raise _Refused(f"padding_mode {module.padding_mode!r}: nfalab pads "
                           "with zeros")
        c, h, w = _image(layers, "conv2d")
        if c != module.in_channels:
            raise _Refused(f"in_channels {module.in_channels}, but the input "
                           f"has {c} channels")
        ho, wo = (h + 2 * p - k) // s + 1, (w + 2 * p - k) // s + 1
        if ho < 1 or wo < 1:
            raise _Refused(f"empty output on input {[c, h, w]}")
        layers.add_weighted({"type": "conv2d", "in_channels": c,
                             "out_channels": module.out_channels,
                             "kernel_size": k, "stride": s, "padding": p},
                            *_weights(path, module, initial_state))
        layers.shape = (module.out_channels, ho, wo)
    elif kind in (nn.ReLU, nn.Tanh, nn.Sigmoid, nn.Identity):
        name = {nn.ReLU: "relu", nn.Tanh: "tanh", nn.Sigmoid: "sigmoid",
                nn.Identity: "identity"}[kind]
        layers.add({"type": "activation", "name": name})
    elif kind is nn.GELU:
        if module.approximate != "tanh":
            raise _Refused("nfalab's gelu is the tanh approximation: use "
                           "nn.GELU(approximate='tanh') (the exact erf form "
                           "differs by up to 5e-4)")
        layers.add({"type": "activation", "name": "gelu"})
    elif kind is nn.Softplus:
        # nfalab computes log(1 + e^h) everywhere; PyTorch returns h above
        # `threshold`, off by log(1 + e^-h) < 2.1e-9 for a threshold >= 20.
        if module.beta != 1 or module.threshold < 20:
            raise _Refused(f"beta {module.beta}, threshold {module.threshold}: "
                           "nfalab's softplus is beta 1 (threshold >= 20)")
        layers.add({"type": "activation", "name": "softplus"})
    elif kind is nn.LeakyReLU:
        if module.negative_slope != 0.01:
            raise _Refused(f"negative_slope {module.negative_slope}: nfalab's "
                           "leaky_relu has slope 0.01")
        layers.add({"type": "activation", "name": "leaky_relu"})
    elif kind is nn.MaxPool2d:
        _pool_entry("maxpool2d", module, layers)
    elif kind is nn.AvgPool2d:
        _pool_entry("avgpool2d", module, layers)
    elif kind is nn.AdaptiveAvgPool2d:
        if _square(module.output_size) != 1:
            raise _Refused(f"output_size {module.output_size}: only 1 (global "
                           "average pooling)")
        c, _, _ = _image(layers, "AdaptiveAvgPool2d")
        layers.add({"type": "global_avgpool"})
        layers.shape, layers.pooled = (c, 1, 1), True
    elif kind is nn.Flatten:
        if module.start_dim != 1 or module.end_dim != -1:
            raise _Refused(f"start_dim {module.start_dim}, end_dim "
                           f"{module.end_dim}: only Flatten(1, -1)")
        layers.add({"type": "flatten"})
        layers.shape, layers.pooled = (int(np.prod(layers.shape)),), False
    elif kind is nn.Dropout:
        if not 0 <= module.p < 1:
            raise _Refused(f"p {module.p}: nfalab's rate is in [0, 1)")
        layers.add({"type": "dropout", "rate": float(module.p)})
    else:
        raise _Refused("not a module nfalab has a layer for")


def export_torch(model, initial_state, X, directory, *, epoch=None, step=None):
    """Exports a torch.nn.Sequential checkpoint for `nfalab measure`.

    Args:
      model: the network, an nn.Sequential of supported modules (_SUPPORTED).
      initial_state: model.state_dict() at initialisation (copy it before
        training: C-NFC needs W - W0).
      X: the samples (tensor or array), [m, d] or [m, C, H, W]; its shape
        gives input_shape and it is written as X.npy.
      directory: created if needed.
      epoch, step: where in training this checkpoint is (both or neither).

    Raises:
      ValueError: a module nfalab cannot represent (naming its index, name
        and repr), or shapes that do not fit; nothing is written then.
    """
    import torch.nn as nn
    if type(model) is not nn.Sequential:
        raise ValueError(f"model is a {type(model).__name__}; export_torch "
                         "takes an nn.Sequential (its order is the layer order)")
    _check_position(epoch, step)
    x = _samples(X)
    layers = _Layers(x.shape[1:])
    for index, (path, module) in enumerate(_modules(model)):
        try:
            _torch_entry(path, module, initial_state, layers)
        except _Refused as why:
            raise ValueError(f"module {index} ({path!r}) {module!r}: {why}. "
                             f"{_SUPPORTED}.") from None
    _write(layers, x, directory, epoch, step)
