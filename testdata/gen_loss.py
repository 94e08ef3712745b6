#!/usr/bin/python3
"""Write the PyTorch reference fixtures the loss tests of package nn compare
against.

Run from the repository root (or anywhere: paths are relative to this file),
with Debian's PyTorch:

    /usr/bin/python3 testdata/gen_loss.py

It writes nn/testdata/losses.json, which nn/loss_fixture_test.go reads; go
test itself never runs Python. The output is deterministic: every case seeds
torch's generator from a hash of its own name, so adding or removing a case
leaves the data of all the others unchanged. Everything is float32 (class
indices int64).

Format (one case per line, so a regenerated file diffs well):

  {"generator": ..., "torch": <version>,
   "cases": [{"name", "loss", "opts",
              "input", "target", "weight", "pos_weight",
              "output", "grad_output", "grad_input", "grad_target"}]}

Each tensor is {"shape", "dtype", "data"} with "data" in row-major order;
weight and pos_weight are null when not given. "opts" holds "reduction"
("mean", "sum" or "none") and, where the case sets them, "delta", "beta",
"ignore_index" and "label_smoothing"; a missing option is PyTorch's default.
"output" may hold the string "nan" (a mean over targets that are all
ignored). "grad_input" is d(sum(output * grad_output))/d(input);
grad_output is null for a scalar output (the gradient of the output itself,
as Backward seeds it) and a random tensor of the output's shape for
reduction "none". "grad_target" is the same for a float target where
PyTorch's value is finite and the loss is differentiable in its target,
else null.
"""

import json
import math
import os
import struct
import zlib

import torch
import torch.nn.functional as F

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "nn", "testdata", "losses.json")

torch.set_num_threads(1)
torch.set_default_dtype(torch.float32)

CASES = []
REDUCTIONS = ("mean", "sum", "none")


# ---------------------------------------------------------------- encoding


def f32(x):
    """The shortest decimal that reads back (decimal -> float64 -> float32,
    as Go's encoding/json plus a float32 conversion does) as the float32 x;
    NaN is written as the string "nan"."""
    x = float(x)
    if math.isnan(x):
        return "nan"
    if not math.isfinite(x):
        raise ValueError("non-finite value %r cannot go into JSON" % x)
    want = struct.pack("<f", x)
    for p in range(1, 10):
        v = float("%.*g" % (p, x))
        if struct.pack("<f", v) == want:
            return v
    raise AssertionError("no round-trip for %r" % x)


def enc(t):
    if t is None:
        return None
    t = t.detach()
    d = {"shape": list(t.shape)}
    if t.dtype == torch.int64:
        d["dtype"] = "int64"
        d["data"] = [int(v) for v in t.reshape(-1).tolist()]
    else:
        assert t.dtype == torch.float32, t.dtype
        d["dtype"] = "float32"
        d["data"] = [f32(v) for v in t.reshape(-1).tolist()]
    return d


# ------------------------------------------------------------------ inputs


def seed(name):
    torch.manual_seed(zlib.crc32(name.encode()))


def away(shape, lo, kink=None, scale=1.0):
    """Normal values (times scale) shifted so |x| >= lo and, with a kink,
    |x| stays at least 0.05 off it: differences kept away from where
    L1, Huber and SmoothL1 are not differentiable."""
    x = scale * torch.randn(shape)
    x = torch.sign(x) * (x.abs() + lo) + (x == 0) * lo
    if kink:
        near = (x.abs() - kink).abs() < 0.05
        x = torch.where(near, x * 1.2, x)
    return x


def probs(shape):
    """Probabilities in [0.05, 0.95]."""
    return torch.rand(shape) * 0.9 + 0.05


def labels(n, c, shape=None):
    return torch.randint(0, c, shape if shape is not None else (n,))


# ------------------------------------------------------------------- cases


# Which losses PyTorch differentiates with respect to a float target.
TARGET_GRAD = {"mse", "l1", "rmse", "huber", "smooth_l1", "bce", "bce_with_logits"}


def case(name, loss, opts, make, fn):
    """Record one case. make() runs after seeding from the name and returns
    (input, target, weight, pos_weight); fn(x, y, w, pw, opts) computes the
    loss with torch."""
    assert all(c["name"] != name for c in CASES), "duplicate case " + name
    seed(name)
    x0, y0, w, pw = make()
    x = x0.clone().requires_grad_(True)
    y = y0.clone()
    tgrad = loss in TARGET_GRAD and y.dtype == torch.float32
    if tgrad:
        y.requires_grad_(True)
    out = fn(x, y, w, pw, opts)
    g = None if out.dim() == 0 else torch.randn(out.shape)
    wrt = [x, y] if tgrad else [x]
    grads = torch.autograd.grad(out, wrt, g if g is not None else torch.ones(()))
    gt = grads[1] if tgrad else None
    if gt is not None and not torch.isfinite(gt).all():
        gt = None
    CASES.append({
        "name": name, "loss": loss, "opts": opts,
        "input": enc(x0), "target": enc(y0), "weight": enc(w), "pos_weight": enc(pw),
        "output": enc(out), "grad_output": enc(g),
        "grad_input": enc(grads[0]), "grad_target": enc(gt),
    })


def regression_cases():
    fns = {
        "mse": lambda x, y, w, pw, o: F.mse_loss(x, y, reduction=o["reduction"]),
        "l1": lambda x, y, w, pw, o: F.l1_loss(x, y, reduction=o["reduction"]),
        # RMSE is sqrt of the MSE with the same reduction (nerve's definition).
        "rmse": lambda x, y, w, pw, o: torch.sqrt(F.mse_loss(x, y, reduction=o["reduction"])),
        "huber": lambda x, y, w, pw, o: F.huber_loss(x, y, reduction=o["reduction"],
                                                     delta=o.get("delta", 1.0)),
        "smooth_l1": lambda x, y, w, pw, o: F.smooth_l1_loss(x, y, reduction=o["reduction"],
                                                             beta=o.get("beta", 1.0)),
    }
    for loss, fn in fns.items():
        for r in REDUCTIONS:
            for shape in ((4, 5), (2, 3, 4)):
                name = "%s/%s/%s" % (loss, r, "x".join(map(str, shape)))
                # y is x minus a difference kept off the kinks (0 and 1).
                make = lambda s=shape: (lambda y: (y + away(s, 0.05, 1.0), y, None, None))(torch.randn(s))
                case(name, loss, {"reduction": r}, make, fn)
    for r in REDUCTIONS:
        for delta in (0.5, 2.0):
            make = lambda d=delta: (lambda y: (y + away((4, 5), 0.05, d, 2.0), y, None, None))(torch.randn(4, 5))
            case("huber/%s/delta=%g" % (r, delta), "huber", {"reduction": r, "delta": delta},
                 make, fns["huber"])
        for beta in (0.5, 2.0, 0.0):
            make = lambda b=beta: (lambda y: (y + away((4, 5), 0.05, b, 2.0), y, None, None))(torch.randn(4, 5))
            case("smooth_l1/%s/beta=%g" % (r, beta), "smooth_l1", {"reduction": r, "beta": beta},
                 make, fns["smooth_l1"])
    # A 0-D input and target.
    case("mse/mean/0d", "mse", {"reduction": "mean"},
         lambda: (torch.tensor(1.5), torch.tensor(-0.25), None, None), fns["mse"])


def bce_cases():
    def fn(x, y, w, pw, o):
        return F.binary_cross_entropy(x, y, weight=w, reduction=o["reduction"])

    for r in REDUCTIONS:
        o = {"reduction": r}
        case("bce/%s" % r, "bce", o,
             lambda: (probs((4, 3)), torch.randint(0, 2, (4, 3)).float(), None, None), fn)
        case("bce/%s/soft" % r, "bce", o,
             lambda: (probs((4, 3)), torch.rand(4, 3), None, None), fn)
        case("bce/%s/weight" % r, "bce", o,
             lambda: (probs((4, 3)), torch.rand(4, 3), torch.rand(4, 3) + 0.5, None), fn)
        case("bce/%s/weight_broadcast" % r, "bce", o,
             lambda: (probs((4, 3)), torch.rand(4, 3), torch.rand(3) + 0.5, None), fn)
        # Probabilities exactly 0 and 1: the log is clamped at -100 and the
        # gradient's denominator at 1e-12.
        case("bce/%s/edges" % r, "bce", o,
             lambda: (torch.tensor([0., 1., 0., 1., 0., 1., 0.5, 1e-30]),
                      torch.tensor([0., 1., 1., 0., 0.5, 0.25, 1., 1.]), None, None), fn)
        case("bce/%s/edges_weight" % r, "bce", o,
             lambda: (torch.tensor([0., 1., 0., 1.]), torch.tensor([0., 1., 1., 0.]),
                      torch.tensor([2., 0.5, 0.25, 3.]), None), fn)


def bce_logits_cases():
    def fn(x, y, w, pw, o):
        return F.binary_cross_entropy_with_logits(x, y, weight=w, pos_weight=pw,
                                                  reduction=o["reduction"])

    for r in REDUCTIONS:
        o = {"reduction": r}
        case("bce_with_logits/%s" % r, "bce_with_logits", o,
             lambda: (3 * torch.randn(4, 3), torch.randint(0, 2, (4, 3)).float(), None, None), fn)
        case("bce_with_logits/%s/soft" % r, "bce_with_logits", o,
             lambda: (3 * torch.randn(4, 3), torch.rand(4, 3), None, None), fn)
        case("bce_with_logits/%s/pos_weight" % r, "bce_with_logits", o,
             lambda: (3 * torch.randn(4, 3), torch.rand(4, 3), None, torch.rand(3) * 3), fn)
        case("bce_with_logits/%s/weight" % r, "bce_with_logits", o,
             lambda: (3 * torch.randn(4, 3), torch.rand(4, 3), torch.rand(4, 1) + 0.5, None), fn)
        case("bce_with_logits/%s/weight_pos_weight" % r, "bce_with_logits", o,
             lambda: (3 * torch.randn(4, 3), torch.rand(4, 3), torch.rand(3) + 0.5,
                      torch.rand(3) * 3), fn)
        case("bce_with_logits/%s/spatial_pos_weight" % r, "bce_with_logits", o,
             lambda: (3 * torch.randn(2, 3, 2, 2), torch.rand(2, 3, 2, 2), None,
                      torch.rand(3, 1, 1) * 3), fn)
        big = torch.tensor([1000., -1000., 1000., -1000., 1000., -1000., 0., 0., 30., -30.])
        tgt = torch.tensor([0., 1., 1., 0., 0.5, 0.5, 0., 1., 0., 1.])
        case("bce_with_logits/%s/extreme" % r, "bce_with_logits", o,
             lambda: (big, tgt, None, None), fn)
        case("bce_with_logits/%s/extreme_pos_weight" % r, "bce_with_logits", o,
             lambda: (big.reshape(5, 2), tgt.reshape(5, 2), None, torch.tensor([3., 0.5])), fn)


def cross_entropy_cases():
    def fn(x, y, w, pw, o):
        kw = {}
        if "ignore_index" in o:
            kw["ignore_index"] = o["ignore_index"]
        if "label_smoothing" in o:
            kw["label_smoothing"] = o["label_smoothing"]
        return F.cross_entropy(x, y, weight=w, reduction=o["reduction"], **kw)

    N, C = 6, 4

    def with_ignored(t, idx, v=-100):
        t = t.clone()
        t.view(-1)[list(idx)] = v
        return t

    for r in REDUCTIONS:
        def o(**kw):
            d = {"reduction": r}
            d.update(kw)
            return d
        ce = "cross_entropy/%s/" % r
        case(ce + "plain", "cross_entropy", o(),
             lambda: (torch.randn(N, C), labels(N, C), None, None), fn)
        case(ce + "weight", "cross_entropy", o(),
             lambda: (torch.randn(N, C), labels(N, C), torch.rand(C) + 0.2, None), fn)
        # The default ignore_index -100 hit by two targets.
        case(ce + "ignore_default", "cross_entropy", o(),
             lambda: (torch.randn(N, C), with_ignored(labels(N, C), [1, 4]), None, None), fn)
        case(ce + "ignore_default_weight", "cross_entropy", o(),
             lambda: (torch.randn(N, C), with_ignored(labels(N, C), [0, 3]),
                      torch.rand(C) + 0.2, None), fn)
        # ignore_index naming a real class (0 and 2), with weights.
        case(ce + "ignore_0", "cross_entropy", o(ignore_index=0),
             lambda: (torch.randn(N, C), torch.tensor([0, 1, 2, 0, 3, 1]), None, None), fn)
        case(ce + "ignore_2_weight", "cross_entropy", o(ignore_index=2),
             lambda: (torch.randn(N, C), torch.tensor([2, 1, 2, 0, 3, 1]),
                      torch.rand(C) + 0.2, None), fn)
        for ls in (0.1, 0.25):
            case(ce + "smoothing=%g" % ls, "cross_entropy", o(label_smoothing=ls),
                 lambda: (torch.randn(N, C), labels(N, C), None, None), fn)
            case(ce + "smoothing=%g_weight" % ls, "cross_entropy", o(label_smoothing=ls),
                 lambda: (torch.randn(N, C), labels(N, C), torch.rand(C) + 0.2, None), fn)
            case(ce + "smoothing=%g_weight_ignore" % ls, "cross_entropy",
                 o(label_smoothing=ls, ignore_index=1),
                 lambda: (torch.randn(N, C), torch.tensor([1, 0, 1, 3, 2, 0]),
                          torch.rand(C) + 0.2, None), fn)
            case(ce + "smoothing=%g_ignore_default" % ls, "cross_entropy", o(label_smoothing=ls),
                 lambda: (torch.randn(N, C), with_ignored(labels(N, C), [2]), None, None), fn)
        case(ce + "smoothing=1", "cross_entropy", o(label_smoothing=1.0),
             lambda: (torch.randn(N, C), labels(N, C), torch.rand(C) + 0.2, None), fn)
        # Class probabilities as targets.
        soft = lambda: torch.softmax(2 * torch.randn(N, C), 1)
        case(ce + "probs", "cross_entropy", o(),
             lambda: (torch.randn(N, C), soft(), None, None), fn)
        case(ce + "probs_weight", "cross_entropy", o(),
             lambda: (torch.randn(N, C), soft(), torch.rand(C) + 0.2, None), fn)
        case(ce + "probs_smoothing=0.2", "cross_entropy", o(label_smoothing=0.2),
             lambda: (torch.randn(N, C), soft(), None, None), fn)
        case(ce + "probs_smoothing=0.2_weight", "cross_entropy", o(label_smoothing=0.2),
             lambda: (torch.randn(N, C), soft(), torch.rand(C) + 0.2, None), fn)
        # The spatial form [N, C, d1, d2].
        case(ce + "spatial", "cross_entropy", o(),
             lambda: (torch.randn(3, C, 2, 3), labels(0, C, (3, 2, 3)), None, None), fn)
        case(ce + "spatial_weight_ignore", "cross_entropy", o(),
             lambda: (torch.randn(3, C, 2, 3), with_ignored(labels(0, C, (3, 2, 3)), [1, 7, 8]),
                      torch.rand(C) + 0.2, None), fn)
        case(ce + "spatial_smoothing_weight", "cross_entropy", o(label_smoothing=0.15),
             lambda: (torch.randn(3, C, 5), with_ignored(labels(0, C, (3, 5)), [4]),
                      torch.rand(C) + 0.2, None), fn)
        case(ce + "spatial_probs_weight", "cross_entropy", o(label_smoothing=0.1),
             lambda: (torch.randn(2, C, 3), torch.softmax(torch.randn(2, C, 3), 1),
                      torch.rand(C) + 0.2, None), fn)
        # Unbatched: logits [C], a 0-D class index.
        case(ce + "unbatched", "cross_entropy", o(),
             lambda: (torch.randn(C), torch.tensor(2), None, None), fn)
        case(ce + "large_logits", "cross_entropy", o(),
             lambda: (torch.tensor([[1000., -1000., 0.], [-1000., 1000., 500.]]),
                      torch.tensor([1, 1]), None, None), fn)
    case("cross_entropy/mean/all_ignored", "cross_entropy", {"reduction": "mean"},
         lambda: (torch.randn(3, C), torch.tensor([-100, -100, -100]), None, None), fn)


def nll_cases():
    def fn(x, y, w, pw, o):
        kw = {}
        if "ignore_index" in o:
            kw["ignore_index"] = o["ignore_index"]
        return F.nll_loss(x, y, weight=w, reduction=o["reduction"], **kw)

    N, C = 5, 3
    logp = lambda *s: torch.log_softmax(torch.randn(*s), 1)
    for r in REDUCTIONS:
        o = {"reduction": r}
        nl = "nll/%s/" % r
        case(nl + "plain", "nll", o, lambda: (logp(N, C), labels(N, C), None, None), fn)
        case(nl + "unnormalized", "nll", o,
             lambda: (torch.randn(N, C), labels(N, C), None, None), fn)
        case(nl + "weight", "nll", o,
             lambda: (logp(N, C), labels(N, C), torch.rand(C) + 0.2, None), fn)
        case(nl + "ignore_default_weight", "nll", o,
             lambda: (logp(N, C), torch.tensor([0, -100, 2, 1, -100]),
                      torch.rand(C) + 0.2, None), fn)
        case(nl + "ignore_1", "nll", dict(o, ignore_index=1),
             lambda: (logp(N, C), torch.tensor([1, 0, 1, 2, 2]), None, None), fn)
        case(nl + "spatial_weight", "nll", o,
             lambda: (logp(2, C, 2, 2), labels(0, C, (2, 2, 2)), torch.rand(C) + 0.2, None), fn)


def main():
    regression_cases()
    bce_cases()
    bce_logits_cases()
    cross_entropy_cases()
    nll_cases()

    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    dump = lambda v: json.dumps(v, separators=(",", ":"), allow_nan=False)
    lines = ['{"generator":"testdata/gen_loss.py","torch":%s,' % dump(torch.__version__),
             '"cases":[']
    lines += [dump(c) + ("," if i + 1 < len(CASES) else "") for i, c in enumerate(CASES)]
    lines += [']}']
    text = "\n".join(lines) + "\n"
    json.loads(text)  # valid JSON
    tmp = OUT + ".tmp"
    with open(tmp, "w") as f:
        f.write(text)
    os.replace(tmp, OUT)
    print("wrote %s: %d cases, %d bytes" % (os.path.relpath(OUT, ROOT), len(CASES), len(text)))


if __name__ == "__main__":
    main()
