"""Writes optim/sched/testdata/sched.json: PyTorch's learning rates (and
OneCycleLR's momentum) per step for each schedule and configuration, which
optim/sched/sched_test.go compares against; go test never runs Python.

Run from the repository root with Debian's PyTorch 1.13:
    /usr/bin/python3 testdata/gen_sched.py

Every case drives torch.optim.SGD(momentum=0.9) with two parameter groups,
lr 0.1 and 0.03 ("group_lrs"), for 20 steps (OneCycleLR: its total_steps),
and records before each step "lrs"[step][group] and "moms"[step] (group 0's
momentum). "cfg" holds the Go config with Go field names; -0.0 stands for
optim.Zero. "metrics" is the sequence fed to ReduceLROnPlateau.step.
"""
import json
import os

import torch
from torch.optim import lr_scheduler as S

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
GROUP_LRS = [0.1, 0.03]
Z = -0.0  # optim.Zero


def run(make, steps, metrics):
    ps = [torch.nn.Parameter(torch.zeros(1)) for _ in GROUP_LRS]
    opt = torch.optim.SGD([{"params": [p], "lr": lr} for p, lr in zip(ps, GROUP_LRS)], lr=GROUP_LRS[0], momentum=0.9)
    s = make(opt)
    lrs, moms = [], []
    for i in range(steps):
        lrs.append([g["lr"] for g in opt.param_groups])
        moms.append(opt.param_groups[0]["momentum"])
        opt.step()
        if metrics is None:
            s.step()
        else:
            s.step(metrics[i])
    return lrs, moms


plateau_metrics = [1.0, 0.9, 0.9, 0.9, 0.9, 0.8999, 0.85, 0.85, 0.85, 0.85,
                   0.85, 0.85, 0.7, 0.7, 0.7, 0.7, 0.7, 0.7, 0.7, 0.7]
slow = [1.0] + [0.9 - 1e-5 * i for i in range(12)] + [0.89989] * 7  # improvements below the default threshold
cases = []


def add(name, kind, cfg, make, steps=20, metrics=None):
    lrs, moms = run(make, steps, metrics)
    cases.append({"name": name, "kind": kind, "cfg": cfg, "lrs": lrs, "moms": moms, "metrics": metrics})


add("step_3", "step", {"StepSize": 3, "Gamma": 0.5}, lambda o: S.StepLR(o, 3, 0.5))
add("step_default_gamma", "step", {"StepSize": 4}, lambda o: S.StepLR(o, 4))
add("multistep", "multistep", {"Milestones": [2, 5, 5, 11], "Gamma": 0.5},
    lambda o: S.MultiStepLR(o, [2, 5, 5, 11], 0.5))
add("multistep_default_gamma", "multistep", {"Milestones": [3, 9]}, lambda o: S.MultiStepLR(o, [3, 9]))
add("exponential", "exponential", {"Gamma": 0.9}, lambda o: S.ExponentialLR(o, 0.9))
add("cosine_10", "cosine", {"TMax": 10}, lambda o: S.CosineAnnealingLR(o, 10))
add("cosine_6_min", "cosine", {"TMax": 6, "EtaMin": 0.01}, lambda o: S.CosineAnnealingLR(o, 6, 0.01))
add("cosine_20", "cosine", {"TMax": 20, "EtaMin": 0.001}, lambda o: S.CosineAnnealingLR(o, 20, 0.001))
add("linear_default", "linear", {}, lambda o: S.LinearLR(o))
add("linear_warmup", "linear", {"StartFactor": 0.1, "EndFactor": 1.0, "TotalIters": 8},
    lambda o: S.LinearLR(o, 0.1, 1.0, 8))
add("linear_decay_to_zero", "linear", {"StartFactor": 1.0, "EndFactor": Z, "TotalIters": 10},
    lambda o: S.LinearLR(o, 1.0, 0.0, 10))
add("onecycle_20", "onecycle", {"MaxLR": 1.0, "TotalSteps": 20}, lambda o: S.OneCycleLR(o, 1.0, total_steps=20))
add("onecycle_100_linear", "onecycle", {"MaxLR": 0.5, "TotalSteps": 100, "LinearAnneal": True, "PctStart": 0.25},
    lambda o: S.OneCycleLR(o, 0.5, total_steps=100, pct_start=0.25, anneal_strategy="linear"), steps=100)
add("onecycle_three_phase", "onecycle", {"MaxLRs": [1.0, 0.3], "TotalSteps": 30, "ThreePhase": True,
                                         "DivFactor": 10.0, "FinalDivFactor": 100.0},
    lambda o: S.OneCycleLR(o, [1.0, 0.3], total_steps=30, three_phase=True, div_factor=10.0, final_div_factor=100.0),
    steps=30)
add("onecycle_momentum", "onecycle", {"MaxLR": 0.2, "TotalSteps": 20, "BaseMomentum": 0.8, "MaxMomentum": 0.99},
    lambda o: S.OneCycleLR(o, 0.2, total_steps=20, base_momentum=0.8, max_momentum=0.99))
add("onecycle_no_momentum", "onecycle", {"MaxLR": 0.2, "TotalSteps": 20, "NoCycleMomentum": True},
    lambda o: S.OneCycleLR(o, 0.2, total_steps=20, cycle_momentum=False))
add("plateau_min", "plateau", {"Patience": 2}, lambda o: S.ReduceLROnPlateau(o, patience=2), metrics=plateau_metrics)
add("plateau_default", "plateau", {}, lambda o: S.ReduceLROnPlateau(o),
    metrics=plateau_metrics[:6] + [0.9] * 14)
add("plateau_min_abs_cooldown", "plateau",
    {"Patience": 1, "Cooldown": 2, "AbsThreshold": True, "Threshold": 0.01, "MinLR": 0.002},
    lambda o: S.ReduceLROnPlateau(o, patience=1, cooldown=2, threshold_mode="abs", threshold=0.01, min_lr=0.002),
    metrics=plateau_metrics)
add("plateau_max", "plateau", {"NoPatience": True, "Max": True, "Factor": 0.5},
    lambda o: S.ReduceLROnPlateau(o, mode="max", patience=0, factor=0.5), metrics=[2 - m for m in plateau_metrics])
add("plateau_slow", "plateau", {"Patience": 1}, lambda o: S.ReduceLROnPlateau(o, patience=1), metrics=slow)
add("plateau_zero_threshold", "plateau", {"Patience": 1, "Threshold": Z},
    lambda o: S.ReduceLROnPlateau(o, patience=1, threshold=0.0), metrics=slow)

path = os.path.join(ROOT, "optim", "sched", "testdata", "sched.json")
with open(path, "w") as f:
    json.dump({"generator": "testdata/gen_sched.py", "torch": torch.__version__, "group_lrs": GROUP_LRS,
               "cases": cases}, f, indent=1)
    f.write("\n")
print("wrote", os.path.relpath(path, ROOT), len(cases), "cases")
