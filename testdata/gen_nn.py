"""Writes nn/testdata/nn.json: PyTorch's printed models, a Linear layer's
forward and gradients, initialisation bounds, and the output of the
SimpleNN whose weights are in nn/testdata/torch_state.safetensors.

Run from the repository root with Debian's PyTorch:
    /usr/bin/python3 testdata/gen_nn.py
"""
import json
import math
import os

import torch
import torch.nn as nn

torch.manual_seed(0)
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


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


models = {
    "SimpleNN": SimpleNN(),
    "Sequential": nn.Sequential(nn.Linear(10, 5), nn.ReLU(), nn.Dropout(0.5), nn.Linear(5, 1), nn.Sigmoid()),
    "Nested": Nested(),
}
prints = {k: {"str": str(m), "names": [n for n, _ in m.named_parameters()],
              "count": sum(p.numel() for p in m.parameters())} for k, m in models.items()}

# Linear(4, 3): forward and gradients for fixed weights.
lin = nn.Linear(4, 3)
x = torch.randn(2, 4, requires_grad=True)
y = lin(x)
g = torch.randn(2, 3)
y.backward(g)
linear = {"weight": flat(lin.weight), "bias": flat(lin.bias), "x": flat(x), "y": flat(y), "g": flat(g),
          "dweight": flat(lin.weight.grad), "dbias": flat(lin.bias.grad), "dx": flat(x.grad)}

# Default Linear init bound and the nn.init formulas, from torch's own helpers.
inits = []
for shape in [(64, 32), (16, 8, 3, 3)]:
    w = torch.empty(*shape)
    fan_in, fan_out = nn.init._calculate_fan_in_and_fan_out(w)
    for nl, param in [("linear", None), ("relu", None), ("leaky_relu", 0.2), ("tanh", None), ("sigmoid", None)]:
        gain = nn.init.calculate_gain(nl, param)
        inits.append({"shape": list(shape), "fan_in": fan_in, "fan_out": fan_out, "nonlinearity": nl,
                      "param": param, "gain": gain,
                      "xavier_uniform_bound": gain * math.sqrt(6.0 / (fan_in + fan_out)),
                      "kaiming_uniform_fan_in_bound": gain * math.sqrt(3.0 / fan_in),
                      "kaiming_normal_fan_out_std": gain / math.sqrt(fan_out)})

# The SimpleNN stored in torch_state.safetensors (written by gen_safetensors.py
# with torch.manual_seed(0)): its output for a fixed batch.
torch.manual_seed(0)
ref = SimpleNN()
batch = torch.tensor([[0.0, 1.0], [1.0, -2.0], [0.5, 0.25]])
state = {"input": flat(batch), "output": flat(ref(batch)), "fc1.weight": flat(ref.fc1.weight)}

out = {"generator": "testdata/gen_nn.py", "torch": torch.__version__, "prints": prints,
       "linear": linear, "inits": inits, "state": state}
path = os.path.join(ROOT, "nn", "testdata", "nn.json")
with open(path, "w") as f:
    json.dump(out, f, indent=1, sort_keys=True)
    f.write("\n")
print("wrote", os.path.relpath(path, ROOT))
