#!/usr/bin/python3
"""Write the PyTorch fixtures of package nn's normalisation-layer tests.

Run from anywhere (paths are relative to this file) with Debian's PyTorch:

    /usr/bin/python3 testdata/gen_norm.py

It writes nn/testdata/norm.json: for each case a layer (BatchNorm1d,
BatchNorm2d, LayerNorm, GroupNorm) with its constructor arguments, its
printed form (str(module)), set weight and bias, and
  x1, x2:      two training-mode inputs;
  y1:          the training-mode output for x1;
  grad_output: a fixed upstream gradient for y1, and grad_input,
               grad_weight, grad_bias: the gradients it gives;
  running_mean, running_var, num_batches_tracked: the buffers after the
               two training steps (x1 then x2), for BatchNorm that tracks;
  x3, y_eval:  an input and the output in evaluation mode after those steps.
It also writes nn/testdata/batchnorm2d.safetensors, the state_dict of case
"bn2d" after its two steps (weight, bias, running_mean, running_var and the
int64 num_batches_tracked), to check that nn.Load reads PyTorch's buffers.
go test only reads them.
"""
import json
import os
import sys

import torch
import torch.nn as nn

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "nn", "testdata", "norm.json")
STATE = os.path.join(HERE, "..", "nn", "testdata", "batchnorm2d.safetensors")
sys.path.insert(0, HERE)
from gen_safetensors import save_safetensors  # noqa: E402


def fx(t):
    return {"shape": list(t.shape), "data": [float(v) for v in t.detach().reshape(-1).tolist()]}


# name, layer, positional args, keyword args, input shape
CASES = [
    ("bn1d_2d", "BatchNorm1d", [4], {}, [6, 4]),
    ("bn1d_3d_noaffine_momentum", "BatchNorm1d", [3], {"momentum": 0.3, "affine": False}, [4, 3, 5]),
    ("bn1d_3d_eps", "BatchNorm1d", [2], {"eps": 1e-3}, [3, 2, 4]),
    ("bn2d", "BatchNorm2d", [3], {}, [2, 3, 4, 5]),
    ("bn2d_momentum_eps", "BatchNorm2d", [2], {"momentum": 0.5, "eps": 1e-3}, [3, 2, 3, 3]),
    ("bn2d_notrack", "BatchNorm2d", [2], {"track_running_stats": False}, [3, 2, 3, 2]),
    ("layernorm_1", "LayerNorm", [[5]], {}, [3, 4, 5]),
    ("layernorm_2", "LayerNorm", [[4, 5]], {"eps": 1e-3}, [2, 4, 5]),
    ("layernorm_noaffine", "LayerNorm", [[6]], {"elementwise_affine": False}, [3, 6]),
    ("groupnorm_3d", "GroupNorm", [2, 6], {}, [2, 6, 3]),
    ("groupnorm_4d_noaffine", "GroupNorm", [3, 6], {"affine": False, "eps": 1e-3}, [2, 6, 2, 2]),
    ("groupnorm_2d", "GroupNorm", [4, 8], {}, [3, 8]),
]


def case(name, layer, args, kwargs, shape, g):
    m = getattr(nn, layer)(*args, **kwargs)
    out = {"name": name, "layer": layer, "args": args, "kwargs": kwargs, "repr": str(m)}
    if getattr(m, "weight", None) is not None:
        with torch.no_grad():
            m.weight.copy_(torch.randn(m.weight.shape, generator=g) * 0.5 + 1)
            m.bias.copy_(torch.randn(m.bias.shape, generator=g) * 0.5)
        out["weight"], out["bias"] = fx(m.weight), fx(m.bias)
    x1 = (torch.randn(shape, generator=g) * 2 + 0.5).requires_grad_(True)
    x2 = torch.randn(shape, generator=g) * 1.5 - 0.3
    x3 = torch.randn(shape, generator=g)
    m.train()
    y1 = m(x1)
    gy = torch.randn(y1.shape, generator=g)
    y1.backward(gy)
    out.update(x1=fx(x1), x2=fx(x2), x3=fx(x3), y1=fx(y1), grad_output=fx(gy), grad_input=fx(x1.grad))
    if getattr(m, "weight", None) is not None:
        out["grad_weight"], out["grad_bias"] = fx(m.weight.grad), fx(m.bias.grad)
    with torch.no_grad():
        m(x2)
        if getattr(m, "running_mean", None) is not None:
            out["running_mean"], out["running_var"] = fx(m.running_mean), fx(m.running_var)
            out["num_batches_tracked"] = int(m.num_batches_tracked)
        m.eval()
        out["y_eval"] = fx(m(x3))
    return out, m


def main():
    g = torch.Generator().manual_seed(0)
    cases, mods = zip(*[case(*c, g) for c in CASES])
    fixture = {"generator": "testdata/gen_norm.py", "torch": torch.__version__, "cases": list(cases)}
    save_safetensors(STATE, mods[[c[0] for c in CASES].index("bn2d")].state_dict(), {"format": "pt"})
    with open(OUT, "w") as f:
        json.dump(fixture, f, indent=1, sort_keys=True)
        f.write("\n")


if __name__ == "__main__":
    main()
