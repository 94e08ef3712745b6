#!/usr/bin/python3
"""Write the PyTorch reference trajectories the optimizer tests of package
optim compare against.

Run from the repository root with Debian's PyTorch 1.13:

    /usr/bin/python3 testdata/gen_optim.py

It writes optim/testdata/optim.json, which optim/fixture_test.go reads; go
test never runs Python. Output is deterministic (each case seeds torch from a
hash of its name). Everything is float32.

Format: {"torch": <version>, "cases": [...], "clips": [...]}.
A case is {"name", "opt", "cfg", "groups", "params", "grads", "after"}:
"opt" names the Go optimizer, "cfg" its Go config with Go field names,
"groups" is null (one group) or [{"params": [indices], "LR", "WeightDecay"}],
"params" the initial tensors, "grads"[step][param] the gradient fed at each
of the steps and "after"[step][param] the parameters after that step.
A tensor is {"shape", "data"} with data row-major.
A clip is {"name", "fn", "max_norm", "norm_type", "clip", "grads", "out",
"total"}; norm_type "inf" is the infinity norm.

Muon is not in PyTorch 1.13: muon() below re-implements Keller Jordan's
SingleDeviceMuonWithAuxAdam (github.com/KellerJordan/Muon, muon.py) in
float32 instead of bfloat16, with the same operation order as optim/muon.go.
"""
import json
import os
import zlib

import torch

STEPS = 5


def T(t):
    t = t.detach().contiguous()
    return {"shape": list(t.shape), "data": [float(x) for x in t.reshape(-1).tolist()]}


def seed(name):
    torch.manual_seed(zlib.crc32(name.encode()))


def shapes_default():
    return [(3, 4), (4,)]


def run_case(name, opt, cfg, make, groups=None, shapes=None, gen=None):
    seed(name)
    shapes = shapes or shapes_default()
    params = [torch.randn(*s) for s in shapes]
    grads = [[torch.randn(*s) for s in shapes] for _ in range(STEPS)]
    init = [T(p) for p in params]
    ps = [p.clone().requires_grad_(True) for p in params]
    if gen is not None:
        after = gen(ps, grads)
    else:
        if groups is None:
            o = make(ps)
        else:
            o = make([{"params": [ps[i] for i in g["params"]], **{k.lower() if k == "LR" else "weight_decay": v for k, v in g.items() if k != "params"}} for g in groups])
        after = []
        for s in range(STEPS):
            for p, g in zip(ps, grads[s]):
                p.grad = g.clone()
            o.step()
            after.append([T(p) for p in ps])
    return {"name": name, "opt": opt, "cfg": cfg, "groups": groups, "params": init,
            "grads": [[T(g) for g in gs] for gs in grads], "after": after}


def muon_ns(G, steps=5):
    a, b, c = (3.4445, -4.7750, 2.0315)
    X = G
    tr = G.size(0) > G.size(1)
    if tr:
        X = X.t()
    X = X / (X.square().sum().sqrt() + 1e-7)
    for _ in range(steps):
        A = X @ X.t()
        B = b * A + c * (A @ A)
        X = a * X + B @ X
    if tr:
        X = X.t()
    return X


def muon(cfg):
    lr, beta, wd = cfg.get("LR", 0.02), cfg.get("Momentum", 0.95), cfg.get("WeightDecay", 0.0)
    nesterov = not cfg.get("NoNesterov", False)
    alr, b1, b2 = cfg.get("AdamLR", 3e-4), cfg.get("AdamBeta1", 0.9), cfg.get("AdamBeta2", 0.95)
    eps, awd = cfg.get("AdamEps", 1e-10), cfg.get("AdamWeightDecay", 0.0)

    def gen(ps, grads):
        state = [dict() for _ in ps]
        after = []
        with torch.no_grad():
            for s in range(STEPS):
                for i, (p, g) in enumerate(zip(ps, grads[s])):
                    st = state[i]
                    if p.dim() >= 2:
                        m = st.setdefault("m", torch.zeros_like(p))
                        m.mul_(beta).add_(g * (1 - beta))
                        u = g + (m - g) * beta if nesterov else m
                        u2 = u.reshape(u.size(0), -1)
                        u2 = muon_ns(u2) * max(1.0, u2.size(0) / u2.size(1)) ** 0.5
                        p.mul_(1 - lr * wd)
                        p.sub_(u2.reshape(p.shape) * lr)
                    else:
                        m = st.setdefault("m", torch.zeros_like(p))
                        v = st.setdefault("v", torch.zeros_like(p))
                        st["t"] = st.get("t", 0) + 1
                        t = st["t"]
                        m.mul_(b1).add_(g * (1 - b1))
                        v.mul_(b2).add_(g * g * (1 - b2))
                        u = (m / (1 - b1 ** t)) / ((v / (1 - b2 ** t)).sqrt() + eps)
                        p.mul_(1 - alr * awd)
                        p.sub_(u * alr)
                after.append([T(p) for p in ps])
        return after
    return gen


def cases():
    O = torch.optim
    out = []

    def add(name, opt, cfg, make, **kw):
        out.append(run_case(name, opt, cfg, make, **kw))

    add("sgd", "sgd", {"LR": 0.1}, lambda ps: O.SGD(ps, lr=0.1))
    add("sgd_momentum", "sgd", {"LR": 0.1, "Momentum": 0.9}, lambda ps: O.SGD(ps, lr=0.1, momentum=0.9))
    add("sgd_dampening", "sgd", {"LR": 0.1, "Momentum": 0.9, "Dampening": 0.3},
        lambda ps: O.SGD(ps, lr=0.1, momentum=0.9, dampening=0.3))
    add("sgd_nesterov", "sgd", {"LR": 0.05, "Momentum": 0.8, "Nesterov": True},
        lambda ps: O.SGD(ps, lr=0.05, momentum=0.8, nesterov=True))
    add("sgd_wd", "sgd", {"LR": 0.1, "Momentum": 0.5, "WeightDecay": 0.1},
        lambda ps: O.SGD(ps, lr=0.1, momentum=0.5, weight_decay=0.1))
    add("sgd_maximize", "sgd", {"LR": 0.1, "Maximize": True}, lambda ps: O.SGD(ps, lr=0.1, maximize=True))
    add("sgd_groups", "sgd", {"LR": 0.1, "Momentum": 0.9},
        lambda gs: O.SGD(gs, lr=0.1, momentum=0.9),
        groups=[{"params": [0], "LR": 0.01, "WeightDecay": 0.2}, {"params": [1]}])
    add("adagrad", "adagrad", {}, lambda ps: O.Adagrad(ps))
    add("adagrad_decay_wd", "adagrad", {"LR": 0.1, "LRDecay": 0.05, "WeightDecay": 0.1, "InitialAccumulatorValue": 0.2},
        lambda ps: O.Adagrad(ps, lr=0.1, lr_decay=0.05, weight_decay=0.1, initial_accumulator_value=0.2))
    add("rmsprop", "rmsprop", {}, lambda ps: O.RMSprop(ps))
    add("rmsprop_centered", "rmsprop", {"LR": 0.01, "Centered": True}, lambda ps: O.RMSprop(ps, lr=0.01, centered=True))
    add("rmsprop_momentum", "rmsprop", {"LR": 0.01, "Momentum": 0.9}, lambda ps: O.RMSprop(ps, lr=0.01, momentum=0.9))
    add("rmsprop_all", "rmsprop", {"LR": 0.01, "Alpha": 0.9, "Momentum": 0.5, "Centered": True, "WeightDecay": 0.1},
        lambda ps: O.RMSprop(ps, lr=0.01, alpha=0.9, momentum=0.5, centered=True, weight_decay=0.1))
    add("adam", "adam", {}, lambda ps: O.Adam(ps))
    add("adam_amsgrad", "adam", {"LR": 0.01, "AMSGrad": True}, lambda ps: O.Adam(ps, lr=0.01, amsgrad=True))
    add("adam_wd", "adam", {"LR": 0.01, "Beta1": 0.8, "Beta2": 0.99, "WeightDecay": 0.1},
        lambda ps: O.Adam(ps, lr=0.01, betas=(0.8, 0.99), weight_decay=0.1))
    add("adam_groups", "adam", {"LR": 0.01},
        lambda gs: O.Adam(gs, lr=0.01),
        groups=[{"params": [0], "LR": 0.1, "WeightDecay": 0.5}, {"params": [1]}])
    add("adamw", "adamw", {}, lambda ps: O.AdamW(ps))
    add("adamw_wd_amsgrad", "adamw", {"LR": 0.01, "WeightDecay": 0.1, "AMSGrad": True},
        lambda ps: O.AdamW(ps, lr=0.01, weight_decay=0.1, amsgrad=True))
    add("adamw_nowd", "adamw", {"LR": 0.01, "WeightDecay": 0.0}, lambda ps: O.AdamW(ps, lr=0.01, weight_decay=0.0))
    mshapes = [(6, 4), (4, 6), (4,)]
    add("muon", "muon", {}, None, shapes=mshapes, gen=muon({}))
    c = {"LR": 0.05, "WeightDecay": 0.1, "AdamLR": 0.01, "AdamWeightDecay": 0.1}
    add("muon_wd", "muon", c, None, shapes=mshapes, gen=muon(c))
    c = {"NoNesterov": True, "Momentum": 0.9}
    add("muon_plain", "muon", c, None, shapes=mshapes + [(2, 3, 2)], gen=muon(c))
    return out


def clips():
    out = []
    for name, fn, kw in [("norm2", "norm", {"max_norm": 1.0, "norm_type": 2.0}),
                         ("norm2_noclip", "norm", {"max_norm": 100.0, "norm_type": 2.0}),
                         ("norm1", "norm", {"max_norm": 0.5, "norm_type": 1.0}),
                         ("norminf", "norm", {"max_norm": 0.5, "norm_type": float("inf")}),
                         ("value", "value", {"clip_value": 0.3})]:
        seed("clip_" + name)
        gs = [torch.randn(3, 4), torch.randn(5)]
        ps = [torch.zeros_like(g, requires_grad=True) for g in gs]
        for p, g in zip(ps, gs):
            p.grad = g.clone()
        total = None
        if fn == "norm":
            total = float(torch.nn.utils.clip_grad_norm_(ps, **kw))
        else:
            torch.nn.utils.clip_grad_value_(ps, **kw)
        nt = kw.get("norm_type")
        out.append({"name": name, "fn": fn, "max_norm": kw.get("max_norm"),
                    "norm_type": "inf" if nt == float("inf") else nt, "clip": kw.get("clip_value"),
                    "grads": [T(g) for g in gs], "out": [T(p.grad) for p in ps], "total": total})
    return out


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    path = os.path.join(here, "..", "optim", "testdata", "optim.json")
    data = {"torch": torch.__version__, "cases": cases(), "clips": clips()}
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        f.write("{\"torch\":" + json.dumps(data["torch"]) + ",\n\"cases\":[\n")
        f.write(",\n".join(json.dumps(c, separators=(",", ":")) for c in data["cases"]))
        f.write("],\n\"clips\":[\n")
        f.write(",\n".join(json.dumps(c, separators=(",", ":")) for c in data["clips"]))
        f.write("]}\n")
    os.replace(tmp, path)


if __name__ == "__main__":
    main()
