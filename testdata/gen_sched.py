"""Writes optim/sched/testdata/sched.json: PyTorch's learning rates (and
OneCycleLR's momentum) per epoch for each schedule and configuration.

Run from the repository root with Debian's PyTorch:
    /usr/bin/python3 testdata/gen_sched.py
"""
import json
import os

import torch
from torch.optim import lr_scheduler as S

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def run(make, steps=20, lr=0.1, metrics=None):
    p = torch.nn.Parameter(torch.zeros(1))
    opt = torch.optim.SGD([p], lr=lr, momentum=0.9)
    s = make(opt)
    lrs, moms = [], []
    for i in range(steps):
        lrs.append(opt.param_groups[0]["lr"])
        moms.append(opt.param_groups[0]["momentum"])
        opt.step()
        if metrics is None:
            s.step()
        else:
            s.step(metrics[i])
    return lrs, moms


plateau_metrics = [1.0, 0.9, 0.9, 0.9, 0.9, 0.8999, 0.85, 0.85, 0.85, 0.85,
                   0.85, 0.85, 0.7, 0.7, 0.7, 0.7, 0.7, 0.7, 0.7, 0.7]
cases = []


def add(name, kind, cfg, make, steps=20, metrics=None):
    lrs, moms = run(make, steps, metrics=metrics)
    cases.append({"name": name, "kind": kind, "cfg": cfg, "lrs": lrs, "moms": moms, "metrics": metrics})


add("step_3", "step", {"step_size": 3, "gamma": 0.5}, lambda o: S.StepLR(o, 3, 0.5))
add("step_default_gamma", "step", {"step_size": 4, "gamma": 0}, lambda o: S.StepLR(o, 4))
add("multistep", "multistep", {"milestones": [2, 5, 5, 11], "gamma": 0.5}, lambda o: S.MultiStepLR(o, [2, 5, 5, 11], 0.5))
add("exponential", "exponential", {"gamma": 0.9}, lambda o: S.ExponentialLR(o, 0.9))
add("cosine_10", "cosine", {"t_max": 10, "eta_min": 0}, lambda o: S.CosineAnnealingLR(o, 10))
add("cosine_6_min", "cosine", {"t_max": 6, "eta_min": 0.01}, lambda o: S.CosineAnnealingLR(o, 6, 0.01))
add("linear_default", "linear", {}, lambda o: S.LinearLR(o))
add("linear_warmup", "linear", {"start_factor": 0.1, "end_factor": 1.0, "total_iters": 8},
    lambda o: S.LinearLR(o, 0.1, 1.0, 8))
add("onecycle_20", "onecycle", {"max_lr": 1.0, "total_steps": 20}, lambda o: S.OneCycleLR(o, 1.0, total_steps=20))
add("onecycle_100_linear", "onecycle", {"max_lr": 0.5, "total_steps": 100, "linear": True, "pct_start": 0.25},
    lambda o: S.OneCycleLR(o, 0.5, total_steps=100, pct_start=0.25, anneal_strategy="linear"), steps=100)
add("plateau_min", "plateau", {"patience": 2}, lambda o: S.ReduceLROnPlateau(o, patience=2), metrics=plateau_metrics)
add("plateau_min_abs_cooldown", "plateau", {"patience": 1, "cooldown": 2, "abs": True, "threshold": 0.01, "min_lr": 0.002},
    lambda o: S.ReduceLROnPlateau(o, patience=1, cooldown=2, threshold_mode="abs", threshold=0.01, min_lr=0.002),
    metrics=plateau_metrics)
add("plateau_max", "plateau", {"patience": 0, "max": True, "factor": 0.5},
    lambda o: S.ReduceLROnPlateau(o, mode="max", patience=0, factor=0.5), metrics=[-m for m in plateau_metrics])

path = os.path.join(ROOT, "optim", "sched", "testdata", "sched.json")
with open(path, "w") as f:
    json.dump({"generator": "testdata/gen_sched.py", "torch": torch.__version__, "cases": cases}, f, indent=1)
    f.write("\n")
print("wrote", os.path.relpath(path, ROOT), len(cases), "cases")
