#!/usr/bin/python3
"""Write the PyTorch fixtures of package nn's layer tests.

Run from anywhere (paths are relative to this file) with Debian's PyTorch:

    /usr/bin/python3 testdata/gen_nn.py

It writes
  nn/testdata/nn.json
      "prints":  str(model), named_parameters() names and the parameter
                 count of a few models, for nn.Summary and the naming rules;
      "activations": every activation module's output for one input;
      "linear":  Linear layers' weights, inputs, outputs and the gradients of
                 weight, bias and input for a fixed upstream gradient;
      "gains":   torch.nn.init.calculate_gain for every nonlinearity;
      "inits":   per shape, mode and nonlinearity, the fans, gain, bound or
                 std of every torch.nn.init initialiser as torch computes them
                 (from its own _calculate_fan_in_and_fan_out, _calculate_correct_fan
                 and calculate_gain), and what torch's initialisers actually
                 draw, measured over many draws (sample_max_abs, sample_mean,
                 sample_std);
      "orthogonal": which of W·Wᵀ and Wᵀ·W is gain²·I after orthogonal_;
      "simplenn": an input batch and the output of the SimpleNN below;
  nn/testdata/simplenn.safetensors
      that SimpleNN's state_dict (torch.manual_seed(0)), written with
      gen_safetensors.py's writer, laid out as the safetensors library does.
go test only reads them.
"""
import json
import math
import os
import sys

import torch
import torch.nn as nn

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "nn", "testdata")
sys.path.insert(0, HERE)
from gen_safetensors import save_safetensors  # noqa: E402


def flat(t):
    return [float(v) for v in t.detach().reshape(-1).tolist()]


class SimpleNN(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(2, 2)
        self.fc2 = nn.Linear(2, 1)

    def forward(self, x):
        return self.fc2(torch.relu(self.fc1(x)))


class Nested(nn.Module):
    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(nn.Flatten(), nn.Linear(12, 8, bias=False), nn.LeakyReLU())
        self.head = nn.Linear(8, 3)
        self.act = nn.GELU()
        self.out = nn.Softmax(dim=1)


class Stacked(nn.Module):
    def __init__(self):
        super().__init__()
        self.layers = nn.ModuleList([nn.Linear(4, 4), nn.Linear(4, 4, bias=False)])
        self.blocks = nn.ModuleList([nn.Sequential(nn.Linear(4, 2), nn.Tanh()), nn.Identity()])
        self.head = nn.Linear(2, 1)


def prints():
    models = {
        "SimpleNN": SimpleNN(),
        "Sequential": nn.Sequential(nn.Linear(10, 5), nn.ReLU(), nn.Dropout(0.5), nn.Linear(5, 1),
                                    nn.Sigmoid(), nn.Flatten(), nn.Softmax(dim=1), nn.LeakyReLU()),
        "Nested": Nested(),
        "Activations": nn.Sequential(nn.ELU(), nn.ELU(alpha=0.5), nn.GELU(), nn.SiLU(), nn.Tanh(),
                                     nn.Softplus(), nn.Softplus(beta=2, threshold=10),
                                     nn.LogSoftmax(dim=-1), nn.LeakyReLU(0.2), nn.Dropout(0.1),
                                     nn.Identity(), nn.Flatten(0, -1)),
        "Stacked": Stacked(),
    }
    return {k: {"str": str(m), "names": [n for n, _ in m.named_parameters()],
                "count": sum(p.numel() for p in m.parameters())} for k, m in models.items()}


ACTIVATIONS = {  # name → the module, built with the arguments the Go test uses
    "ReLU": nn.ReLU(), "LeakyReLU": nn.LeakyReLU(), "LeakyReLU(0.2)": nn.LeakyReLU(0.2),
    "ELU": nn.ELU(), "ELU(0.5)": nn.ELU(alpha=0.5), "GELU": nn.GELU(), "SiLU": nn.SiLU(),
    "Sigmoid": nn.Sigmoid(), "Tanh": nn.Tanh(), "Softplus": nn.Softplus(),
    "Softplus(2, 10)": nn.Softplus(beta=2, threshold=10), "Softmax(1)": nn.Softmax(dim=1),
    "Softmax(0)": nn.Softmax(dim=0), "LogSoftmax(-1)": nn.LogSoftmax(dim=-1), "Identity": nn.Identity(),
}


def activations():
    x = torch.tensor([[-3.0, -0.5, 0.0, 0.7], [2.0, 4.9, 5.1, 25.0], [-30.0, 1e-3, -1e-3, 12.0]])
    return {"x": flat(x), "shape": list(x.shape),
            "outputs": {k: flat(m(x)) for k, m in ACTIVATIONS.items()}}


def linear_case(in_shape, bias):
    lin = nn.Linear(in_shape[-1], 3, bias=bias)
    x = torch.randn(*in_shape, requires_grad=True)
    y = lin(x)
    g = torch.randn(*y.shape)
    y.backward(g)
    case = {"in_shape": list(in_shape), "weight": flat(lin.weight), "x": flat(x), "y": flat(y),
            "g": flat(g), "dweight": flat(lin.weight.grad), "dx": flat(x.grad)}
    if bias:
        case.update(bias=flat(lin.bias), dbias=flat(lin.bias.grad))
    return case


GAIN_CASES = [("linear", None), ("conv1d", None), ("conv2d", None), ("conv3d", None),
              ("conv_transpose1d", None), ("conv_transpose2d", None), ("conv_transpose3d", None),
              ("sigmoid", None), ("tanh", None), ("relu", None), ("leaky_relu", None),
              ("leaky_relu", 0.2), ("leaky_relu", math.sqrt(5)), ("selu", None)]


def measure(shape, init, draws):
    """Draws init into a tensor of shape `draws` times with torch's own function."""
    w = torch.empty(*shape)
    xs = []
    for _ in range(draws):
        init(w)
        xs.append(w.reshape(-1).clone())
    x = torch.cat(xs).double()
    return {"sample_max_abs": float(x.abs().max()), "sample_mean": float(x.mean()),
            "sample_std": float(x.std())}


def inits():
    out = []
    draws = 40
    for shape in [(64, 32), (16, 8, 3, 3), (8, 4, 5), (3, 500)]:
        w = torch.empty(*shape)
        fan_in, fan_out = nn.init._calculate_fan_in_and_fan_out(w)
        for nl, param in [("linear", None), ("relu", None), ("leaky_relu", 0.2), ("tanh", None), ("selu", None)]:
            gain = nn.init.calculate_gain(nl, param)
            a = 0.0 if param is None else param
            xavier_u = gain * math.sqrt(6.0 / (fan_in + fan_out))  # torch's xavier_uniform_ formula
            xavier_n = gain * math.sqrt(2.0 / (fan_in + fan_out))
            case = {"shape": list(shape), "fan_in": fan_in, "fan_out": fan_out, "nonlinearity": nl,
                    "param": param, "gain": gain,
                    "xavier_uniform": {"bound": xavier_u,
                                       **measure(shape, lambda t: nn.init.xavier_uniform_(t, gain), draws)},
                    "xavier_normal": {"std": xavier_n,
                                      **measure(shape, lambda t: nn.init.xavier_normal_(t, gain), draws)}}
            if nl != "selu":  # torch's kaiming_* take a nonlinearity calculate_gain knows with param a
                for mode in ("fan_in", "fan_out"):
                    fan = nn.init._calculate_correct_fan(w, mode)
                    std = nn.init.calculate_gain(nl, a) / math.sqrt(fan)
                    case["kaiming_uniform_" + mode] = {
                        "bound": math.sqrt(3.0) * std,
                        **measure(shape, lambda t: nn.init.kaiming_uniform_(t, a, mode, nl), draws)}
                    case["kaiming_normal_" + mode] = {
                        "std": std, **measure(shape, lambda t: nn.init.kaiming_normal_(t, a, mode, nl), draws)}
            out.append(case)
    return out


def orthogonal():
    out = []
    for shape in [(6, 4), (4, 6), (3, 2, 2), (5, 5)]:
        w = torch.empty(*shape)
        nn.init.orthogonal_(w, gain=2.0)
        m = w.reshape(shape[0], -1)
        rows = torch.allclose(m @ m.t(), 4 * torch.eye(m.shape[0]), atol=1e-4)
        cols = torch.allclose(m.t() @ m, 4 * torch.eye(m.shape[1]), atol=1e-4)
        out.append({"shape": list(shape), "rows_orthonormal": rows, "cols_orthonormal": cols})
    return out


def linear_default():
    # What torch's own Linear(256, 128) draws, over many layers.
    ws, bs = [], []
    for _ in range(20):
        lin = nn.Linear(256, 128)
        ws.append(lin.weight.detach().reshape(-1))
        bs.append(lin.bias.detach().reshape(-1))
    w, b = torch.cat(ws).double(), torch.cat(bs).double()
    return {"in": 256, "out": 128, "weight_max_abs": float(w.abs().max()), "weight_std": float(w.std()),
            "bias_max_abs": float(b.abs().max()), "bias_std": float(b.std())}


def main():
    torch.manual_seed(0)
    fixture = {"generator": "testdata/gen_nn.py", "torch": torch.__version__, "prints": prints()}
    fixture["linear"] = {"2d": linear_case((2, 4), True), "3d": linear_case((2, 3, 4), True),
                         "nobias": linear_case((2, 3, 4), False)}
    fixture["gains"] = [{"nonlinearity": nl, "param": p, "gain": nn.init.calculate_gain(nl, p)}
                        for nl, p in GAIN_CASES]
    fixture["activations"] = activations()
    fixture["inits"] = inits()
    fixture["orthogonal"] = orthogonal()
    fixture["linear_default"] = linear_default()

    # SimpleNN: the state_dict as safetensors, and its output for a batch.
    torch.manual_seed(0)
    model = SimpleNN()
    save_safetensors(os.path.join(OUT, "simplenn.safetensors"), model.state_dict())
    batch = torch.tensor([[0.0, 1.0], [1.0, -2.0], [0.5, 0.25], [-1.5, 3.0]])
    fixture["simplenn"] = {"input": flat(batch), "output": flat(model(batch))}

    path = os.path.join(OUT, "nn.json")
    with open(path, "w") as f:
        json.dump(fixture, f, indent=1, sort_keys=True)
        f.write("\n")
    print("wrote", os.path.relpath(path), "and simplenn.safetensors")


if __name__ == "__main__":
    main()
