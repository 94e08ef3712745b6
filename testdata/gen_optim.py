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
"opt" names the Go optimizer, "cfg" its Go config with Go field names (-0.0
stands for optim.Zero, an explicit zero where 0 means a default),
"groups" is null (one group) or [{"params": [indices], "LR", "WeightDecay"}],
"params" the initial tensors, "grads"[step][param] the gradient set by hand
(p.grad = g) before each step, null for a parameter left without one, and
"after"[step][param] the parameters after that step.
A tensor is {"shape", "data"} with data row-major.
A clip is {"name", "fn", "max_norm", "norm_type", "clip", "grads", "out",
"total"}; norm_type "inf" is the infinity norm.

Muon is not in PyTorch 1.13: SingleDeviceMuonWithAuxAdam below is Keller
Jordan's (github.com/KellerJordan/Muon, muon.py), run in float32 instead of
bfloat16, with nerve's changes marked.
"""
import json
import os
import zlib

import torch

STEPS = 5


def T(t):
    if t is None:
        return None
    t = t.detach().contiguous()
    return {"shape": list(t.shape), "data": [float(x) for x in t.reshape(-1).tolist()]}


def seed(name):
    torch.manual_seed(zlib.crc32(name.encode()))


def torch_group(g, ps):
    keys = {"LR": "lr", "WeightDecay": "weight_decay"}
    return {"params": [ps[i] for i in g["params"]], **{keys[k]: v for k, v in g.items() if k != "params"}}


def run_case(name, opt, cfg, make, groups=None, shapes=((3, 4), (4,)), skip=()):
    """Runs STEPS steps of the optimizer make(params or groups) on random
    parameters of the given shapes. skip lists (step, param) pairs whose
    gradient is None at that step."""
    seed(name)
    params = [torch.randn(*s) for s in shapes]
    grads = [[None if (s, i) in skip else torch.randn(*sh) for i, sh in enumerate(shapes)] for s in range(STEPS)]
    init = [T(p) for p in params]
    ps = [p.clone().requires_grad_(True) for p in params]
    o = make(ps if groups is None else [torch_group(g, ps) for g in groups])
    after = []
    for s in range(STEPS):
        for p, g in zip(ps, grads[s]):
            p.grad = None if g is None else g.clone()
        o.step()
        after.append([T(p) for p in ps])
    return {"name": name, "opt": opt, "cfg": cfg, "groups": groups, "params": init,
            "grads": [[T(g) for g in gs] for gs in grads], "after": after}


# --- Muon: Keller Jordan's muon.py (github.com/KellerJordan/Muon), copied
# with the changes nerve makes, each marked "nerve:". ---

def zeropower_via_newtonschulz5(G, steps: int):
    assert G.ndim >= 2
    a, b, c = (3.4445, -4.7750, 2.0315)
    X = G.float()  # nerve: float32; the reference runs in G.bfloat16()
    if G.size(-2) > G.size(-1):
        X = X.mT
    X = X / (X.norm(dim=(-2, -1), keepdim=True) + 1e-7)
    for _ in range(steps):
        A = X @ X.mT
        B = b * A + c * A @ A
        X = a * X + B @ X
    if G.size(-2) > G.size(-1):
        X = X.mT
    return X


def muon_update(grad, momentum, beta=0.95, ns_steps=5, nesterov=True):
    momentum.lerp_(grad, 1 - beta)
    update = grad.lerp_(momentum, beta) if nesterov else momentum
    # nerve: every parameter of 2 or more dims is viewed as size(0) x rest and
    # scaled by that matrix's shape; the reference views only 4-D updates so
    # and scales by grad.size(-2) / grad.size(-1).
    update = update.reshape(len(update), -1)
    update = zeropower_via_newtonschulz5(update, steps=ns_steps)
    update *= max(1, update.size(-2) / update.size(-1))**0.5
    return update


def adam_update(grad, buf1, buf2, step, betas, eps):
    buf1.lerp_(grad, 1 - betas[0])
    buf2.lerp_(grad.square(), 1 - betas[1])
    buf1c = buf1 / (1 - betas[0]**step)
    buf2c = buf2 / (1 - betas[1]**step)
    return buf1c / (buf2c.sqrt() + eps)


class SingleDeviceMuonWithAuxAdam(torch.optim.Optimizer):
    def __init__(self, param_groups):
        for group in param_groups:
            assert "use_muon" in group
            if group["use_muon"]:
                group["lr"] = group.get("lr", 0.02)
                group["momentum"] = group.get("momentum", 0.95)
                group["weight_decay"] = group.get("weight_decay", 0)
                group["nesterov"] = group.get("nesterov", True)  # nerve: a group key for muon_update's argument
            else:
                group["lr"] = group.get("lr", 3e-4)
                group["betas"] = group.get("betas", (0.9, 0.95))
                group["eps"] = group.get("eps", 1e-10)
                group["weight_decay"] = group.get("weight_decay", 0)
        super().__init__(param_groups, dict())

    @torch.no_grad()
    def step(self):
        for group in self.param_groups:
            if group["use_muon"]:
                for p in group["params"]:
                    if p.grad is None:
                        p.grad = torch.zeros_like(p)
                    state = self.state[p]
                    if len(state) == 0:
                        state["momentum_buffer"] = torch.zeros_like(p)
                    update = muon_update(p.grad, state["momentum_buffer"], beta=group["momentum"],
                                         nesterov=group["nesterov"])
                    p.mul_(1 - group["lr"] * group["weight_decay"])
                    p.add_(update.reshape(p.shape), alpha=-group["lr"])
            else:
                for p in group["params"]:
                    if p.grad is None:
                        p.grad = torch.zeros_like(p)
                    state = self.state[p]
                    if len(state) == 0:
                        state["exp_avg"] = torch.zeros_like(p)
                        state["exp_avg_sq"] = torch.zeros_like(p)
                        state["step"] = 0
                    state["step"] += 1
                    update = adam_update(p.grad, state["exp_avg"], state["exp_avg_sq"],
                                         state["step"], group["betas"], group["eps"])
                    p.mul_(1 - group["lr"] * group["weight_decay"])
                    p.add_(update, alpha=-group["lr"])


def muon(cfg):
    """Builds SingleDeviceMuonWithAuxAdam as optim.NewMuon does from the Go
    MuonConfig cfg: the parameters of 2 or more dims use Muon, the others
    the auxiliary Adam."""
    def make(ps):
        mg = {"params": [p for p in ps if p.dim() >= 2], "use_muon": True}
        for k, key in [("LR", "lr"), ("Momentum", "momentum"), ("WeightDecay", "weight_decay")]:
            if k in cfg:
                mg[key] = cfg[k]
        if cfg.get("NoNesterov"):
            mg["nesterov"] = False
        aux, ag = cfg.get("Aux", {}), {"params": [p for p in ps if p.dim() < 2], "use_muon": False}
        for k, key in [("LR", "lr"), ("Eps", "eps"), ("WeightDecay", "weight_decay")]:
            if k in aux:
                ag[key] = aux[k]
        if "Beta1" in aux or "Beta2" in aux:
            ag["betas"] = (aux.get("Beta1", 0.9), aux.get("Beta2", 0.95))
        return SingleDeviceMuonWithAuxAdam([mg, ag])
    return make


def cases():
    O = torch.optim
    out = []

    def add(name, opt, cfg, make, **kw):
        out.append(run_case(name, opt, cfg, make, **kw))

    Z = -0.0  # optim.Zero
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
    add("sgd_momentum_skip", "sgd", {"LR": 0.1, "Momentum": 0.9}, lambda ps: O.SGD(ps, lr=0.1, momentum=0.9),
        skip={(0, 1), (2, 0), (3, 1)})
    add("adagrad", "adagrad", {}, lambda ps: O.Adagrad(ps))
    add("adagrad_decay_wd", "adagrad", {"LR": 0.1, "LRDecay": 0.05, "WeightDecay": 0.1, "InitialAccumulatorValue": 0.2},
        lambda ps: O.Adagrad(ps, lr=0.1, lr_decay=0.05, weight_decay=0.1, initial_accumulator_value=0.2))
    add("rmsprop", "rmsprop", {}, lambda ps: O.RMSprop(ps))
    add("rmsprop_centered", "rmsprop", {"LR": 0.01, "Centered": True}, lambda ps: O.RMSprop(ps, lr=0.01, centered=True))
    add("rmsprop_momentum", "rmsprop", {"LR": 0.01, "Momentum": 0.9}, lambda ps: O.RMSprop(ps, lr=0.01, momentum=0.9))
    add("rmsprop_wd", "rmsprop", {"LR": 0.01, "WeightDecay": 0.1}, lambda ps: O.RMSprop(ps, lr=0.01, weight_decay=0.1))
    add("rmsprop_all", "rmsprop", {"LR": 0.01, "Alpha": 0.9, "Momentum": 0.5, "Centered": True, "WeightDecay": 0.1},
        lambda ps: O.RMSprop(ps, lr=0.01, alpha=0.9, momentum=0.5, centered=True, weight_decay=0.1))
    add("adam", "adam", {}, lambda ps: O.Adam(ps))
    add("adam_amsgrad", "adam", {"LR": 0.01, "AMSGrad": True}, lambda ps: O.Adam(ps, lr=0.01, amsgrad=True))
    add("adam_wd", "adam", {"LR": 0.01, "Beta1": 0.8, "Beta2": 0.99, "WeightDecay": 0.1},
        lambda ps: O.Adam(ps, lr=0.01, betas=(0.8, 0.99), weight_decay=0.1))
    add("adam_beta1_zero", "adam", {"LR": 0.01, "Beta1": Z, "Beta2": 0.99},
        lambda ps: O.Adam(ps, lr=0.01, betas=(0.0, 0.99)))
    add("adam_groups", "adam", {"LR": 0.01},
        lambda gs: O.Adam(gs, lr=0.01),
        groups=[{"params": [0], "LR": 0.1, "WeightDecay": 0.5}, {"params": [1]}])
    add("adam_skip", "adam", {"LR": 0.01}, lambda ps: O.Adam(ps, lr=0.01), skip={(1, 0), (2, 0), (4, 1)})
    add("adamw", "adamw", {}, lambda ps: O.AdamW(ps))
    add("adamw_wd_amsgrad", "adamw", {"LR": 0.01, "WeightDecay": 0.1, "AMSGrad": True},
        lambda ps: O.AdamW(ps, lr=0.01, weight_decay=0.1, amsgrad=True))
    add("adamw_nowd", "adamw", {"LR": 0.01, "WeightDecay": Z}, lambda ps: O.AdamW(ps, lr=0.01, weight_decay=0.0))
    add("adamw_groups", "adamw", {"LR": 0.01, "WeightDecay": 0.1},
        lambda gs: O.AdamW(gs, lr=0.01, weight_decay=0.1),
        groups=[{"params": [0], "LR": 0.05}, {"params": [1], "WeightDecay": Z}])
    mshapes = ((6, 4), (4, 6), (4,))
    add("muon", "muon", {}, muon({}), shapes=mshapes)
    c = {"LR": 0.05, "WeightDecay": 0.1, "Aux": {"LR": 0.01, "WeightDecay": 0.1}}
    add("muon_wd", "muon", c, muon(c), shapes=mshapes)
    c = {"Momentum": 0.9, "Aux": {"Beta1": 0.8, "Beta2": 0.99, "Eps": 1e-8}}
    add("muon_aux_betas", "muon", c, muon(c), shapes=mshapes)
    c = {"NoNesterov": True, "Momentum": 0.9}
    add("muon_plain_3d", "muon", c, muon(c), shapes=mshapes + ((2, 3, 2),))
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
