#!/usr/bin/python3
"""Write the PyTorch fixtures of package nn's convolution and pooling tests.

Run from anywhere (paths are relative to this file) with Debian's PyTorch:

    /usr/bin/python3 testdata/gen_conv.py

It writes nn/testdata/conv.json:
  "convs": Conv2d and Conv1d layers: the constructor's arguments, str() of
           the module, its weight and bias (torch's own init), an input, the
           output, and the gradients of input, weight and bias for a fixed
           upstream gradient;
  "pools": MaxPool2d, MaxPool1d, AvgPool2d and AdaptiveAvgPool2d: the
           arguments, str(), an input (some with ties), the output and the
           input's gradient for a fixed upstream gradient;
  "cnn":   str() and the parameter names and count of the MNIST CNN.
go test only reads it.
"""
import json
import os

import torch
import torch.nn as nn

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "nn", "testdata", "conv.json")


def tensor(t):
    t = t.detach()
    return {"shape": list(t.shape), "data": [float(v) for v in t.reshape(-1).tolist()]}


# name, dim, in, out, kernel, keyword arguments (Go options), input shape
CONVS = [
    ("plain", 2, 3, 4, 3, {}, [2, 3, 6, 5]),
    ("stride2", 2, 2, 3, 3, {"stride": 2}, [2, 2, 7, 8]),
    ("padding1", 2, 1, 4, 3, {"padding": 1}, [2, 1, 5, 5]),
    ("same", 2, 2, 3, 3, {"padding": "same"}, [1, 2, 6, 7]),
    ("same_even", 2, 2, 2, 4, {"padding": "same"}, [1, 2, 6, 5]),
    ("dilation2", 2, 2, 3, 3, {"dilation": 2, "padding": 1}, [2, 2, 8, 7]),
    ("groups2", 2, 4, 6, 3, {"groups": 2, "padding": 1}, [2, 4, 5, 5]),
    ("nobias", 2, 3, 2, 2, {"bias": False, "stride": 2}, [2, 3, 6, 6]),
    ("rect", 2, 2, 3, (2, 3), {"stride": (1, 2), "padding": (1, 0)}, [2, 2, 5, 7]),
    ("mnist1", 2, 1, 8, 3, {"padding": 1}, [2, 1, 10, 10]),
    ("conv1d", 1, 3, 4, 3, {}, [2, 3, 10]),
    ("conv1d_full", 1, 4, 6, 3, {"stride": 2, "padding": 2, "dilation": 2, "groups": 2}, [2, 4, 11]),
    ("conv1d_same_nobias", 1, 2, 3, 4, {"padding": "same", "bias": False}, [2, 2, 9]),
]


def convs():
    out = []
    for name, dim, cin, cout, k, kw, shape in CONVS:
        torch.manual_seed(len(out) + 1)
        cls = nn.Conv2d if dim == 2 else nn.Conv1d
        m = cls(cin, cout, k, **kw)
        x = torch.randn(*shape, requires_grad=True)
        y = m(x)
        gy = torch.randn_like(y)
        y.backward(gy)
        opts = {key: (list(v) if isinstance(v, tuple) else v) for key, v in kw.items()}
        c = {"name": name, "dim": dim, "in": cin, "out": cout,
             "kernel": list(k) if isinstance(k, tuple) else k, "opts": opts,
             "str": str(m), "weight": tensor(m.weight), "input": tensor(x), "output": tensor(y),
             "grad_output": tensor(gy), "grad_input": tensor(x.grad), "grad_weight": tensor(m.weight.grad)}
        if m.bias is not None:
            c["bias"], c["grad_bias"] = tensor(m.bias), tensor(m.bias.grad)
        out.append(c)
    return out


# name, module type, kernel (or output size), keyword arguments, input shape, ties
POOLS = [
    ("max2", "MaxPool2d", 2, {}, [2, 3, 6, 6], False),
    ("max2_ties", "MaxPool2d", 2, {}, [2, 2, 6, 6], True),
    ("max3_s2_p1", "MaxPool2d", 3, {"stride": 2, "padding": 1}, [2, 2, 7, 8], False),
    ("max3_s1_p1_ties", "MaxPool2d", 3, {"stride": 1, "padding": 1}, [1, 2, 5, 5], True),
    ("max2_dil2", "MaxPool2d", 2, {"dilation": 2}, [1, 2, 7, 7], False),
    ("avg2", "AvgPool2d", 2, {}, [2, 3, 6, 6], False),
    ("avg3_s2_p1", "AvgPool2d", 3, {"stride": 2, "padding": 1}, [2, 2, 7, 8], False),
    ("adaptive_1x1", "AdaptiveAvgPool2d", [1, 1], {}, [2, 3, 5, 7], False),
    ("adaptive_3x4", "AdaptiveAvgPool2d", [3, 4], {}, [2, 2, 7, 10], False),
    ("adaptive_up", "AdaptiveAvgPool2d", [5, 3], {}, [1, 2, 3, 2], False),
    ("max1d", "MaxPool1d", 2, {}, [2, 3, 9], False),
    ("max1d_s2_p1_ties", "MaxPool1d", 3, {"stride": 2, "padding": 1}, [2, 2, 10], True),
    ("max3_s2_ceil", "MaxPool2d", 3, {"stride": 2, "ceil_mode": True}, [2, 2, 8, 9], False),
    ("max2_p1_ceil", "MaxPool2d", 2, {"stride": 2, "padding": 1, "ceil_mode": True}, [1, 2, 7, 6], False),
    ("max2_ceil_odd", "MaxPool2d", 2, {"ceil_mode": True}, [2, 2, 7, 7], False),
    ("max1d_ceil", "MaxPool1d", 2, {"ceil_mode": True}, [2, 3, 9], False),
    ("avg3_s2_ceil", "AvgPool2d", 3, {"stride": 2, "ceil_mode": True}, [2, 2, 8, 9], False),
    ("avg2_p1_ceil", "AvgPool2d", 2, {"stride": 2, "padding": 1, "ceil_mode": True}, [1, 2, 6, 7], False),
    ("avg3_s2_p1_exclude", "AvgPool2d", 3, {"stride": 2, "padding": 1, "count_include_pad": False}, [2, 2, 7, 8], False),
    ("avg3_s2_p1_ceil_exclude", "AvgPool2d", 3, {"stride": 2, "padding": 1, "ceil_mode": True,
                                                 "count_include_pad": False}, [2, 2, 8, 8], False),
    ("avg2_divisor3", "AvgPool2d", 2, {"divisor_override": 3}, [1, 2, 6, 6], False),
]


def pools():
    out = []
    for name, kind, k, kw, shape, ties in POOLS:
        torch.manual_seed(100 + len(out))
        if kind == "AdaptiveAvgPool2d":
            m = nn.AdaptiveAvgPool2d(tuple(k))
        else:
            m = getattr(nn, kind)(k, **kw)
        x = torch.randint(0, 3, shape).float() if ties else torch.randn(*shape)
        x.requires_grad_(True)
        y = m(x)
        gy = torch.randn_like(y)
        y.backward(gy)
        out.append({"name": name, "type": kind, "kernel": k, "opts": kw, "str": str(m),
                    "input": tensor(x), "output": tensor(y), "grad_output": tensor(gy),
                    "grad_input": tensor(x.grad)})
    return out


def cnn():
    m = nn.Sequential(nn.Conv2d(1, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                      nn.Conv2d(32, 64, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                      nn.Flatten(), nn.Linear(3136, 128), nn.ReLU(), nn.Linear(128, 10))
    return {"str": str(m), "names": [n for n, _ in m.named_parameters()],
            "count": sum(p.numel() for p in m.parameters())}


def main():
    doc = {"generator": "testdata/gen_conv.py", "torch": torch.__version__,
           "convs": convs(), "pools": pools(), "cnn": cnn()}
    with open(OUT, "w") as f:
        json.dump(doc, f, indent=None, separators=(",", ":"))
        f.write("\n")


if __name__ == "__main__":
    main()
