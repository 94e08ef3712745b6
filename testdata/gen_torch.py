#!/usr/bin/python3
"""Write the PyTorch reference fixtures the tensor tests compare against.

Run from anywhere (paths are relative to this file), with Debian's PyTorch:

    /usr/bin/python3 testdata/gen_torch.py

It writes tensor/testdata/ops.json, which tensor/fixture_test.go reads; go test
itself never runs Python. The output is deterministic: every case seeds
torch's generator from a hash of its own name, so adding or removing a case
leaves the data of all the others unchanged. Everything is float32 (index
tensors int64).

Format (one case per line, so a regenerated file diffs well):

  {"generator": ..., "torch": <version>,
   "cases": [{"name", "op", "args",
              "inputs": [{"shape", "dtype", "data", "grad", "layout"}],
              "output": {"shape", "dtype", "data"}      (single-output ops)
              "outputs": [{...}, ...]                    (split, chunk)
              "grad_output": {"shape", "data"} | [..] | null,
              "grads": [{"shape", "data"} | null, ...]}],
   "prints": [{"name", "shape", "dtype", "data" | "arange": true,
               "requires_grad", "str"}]}

"data" is always the logical row-major order of "shape". An input with
"layout": "transposed" is built as a contiguous tensor of the shape with its
last two dims swapped and then transposed back, so the op sees a
non-contiguous view. "grads"[i] is d(sum(output * grad_output))/d(input_i),
null where the input is not differentiated.
"""

import json
import math
import os
import struct
import zlib

import torch
import torch.nn.functional as F

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "tensor", "testdata", "ops.json")

torch.set_num_threads(1)
torch.set_default_dtype(torch.float32)

CASES = []
PRINTS = []


# ---------------------------------------------------------------- encoding


def f32(x):
    """The shortest decimal that reads back (decimal -> float64 -> float32,
    as Go's encoding/json plus a float32 conversion does) as the float32 x."""
    x = float(x)
    if not math.isfinite(x):
        raise ValueError("non-finite value %r cannot go into JSON" % x)
    want = struct.pack("<f", x)
    for p in range(1, 10):
        v = float("%.*g" % (p, x))
        if struct.pack("<f", v) == want:
            return v
    raise AssertionError("no round-trip for %r" % x)


def enc(t, with_dtype=True):
    t = t.detach()
    d = {"shape": list(t.shape)}
    if t.dtype == torch.int64:
        d["dtype"] = "int64"
        d["data"] = [int(v) for v in t.reshape(-1).tolist()]
    else:
        assert t.dtype == torch.float32, t.dtype
        d["dtype"] = "float32"
        d["data"] = [f32(v) for v in t.reshape(-1).tolist()]
    if not with_dtype:
        del d["dtype"]
    return d


# ------------------------------------------------------------------ inputs


class Inp:
    def __init__(self, t, grad=True, layout="contiguous"):
        self.t = t
        self.grad = grad and t.dtype == torch.float32
        self.layout = layout


def randn(*shape):
    return torch.randn(shape)


def pos(*shape):
    """Strictly positive values in [0.5, 1.5)."""
    return torch.rand(shape) + 0.5


def away(*shape, lo=0.3):
    """Values with |x| >= lo: safe denominators, no zeros for abs."""
    x = torch.randn(shape)
    return torch.sign(x) * (x.abs() + lo) + (x == 0) * lo


def uniq(*shape, scale=0.25):
    """Distinct values (no ties), shuffled: for max/min/argmax."""
    n = math.prod(shape)
    return ((torch.randperm(n).float() - n / 2) * scale).reshape(shape)


def small_ints(*shape):
    """Integer values in [-2, 2]: comparisons with many equal elements."""
    return torch.randint(-2, 3, shape).float()


def C(t, grad=True):
    return Inp(t, grad)


def T(t, grad=True):
    """A transposed (non-contiguous) input with logical value t."""
    assert t.dim() >= 2
    return Inp(t, grad, "transposed")


def N(t):
    """A float input that is not differentiated."""
    return Inp(t, False)


def I(data):
    """An int64 index input."""
    return Inp(torch.as_tensor(data, dtype=torch.int64), False)


# ------------------------------------------------------------------- cases


def seed(name):
    torch.manual_seed(zlib.crc32(name.encode()))


def case(name, op, args, make_inputs, fn, grads=True):
    """Record one case. make_inputs() runs after seeding from the name;
    fn(xs, args) computes the op on the torch inputs xs."""
    assert all(c["name"] != name for c in CASES), "duplicate case " + name
    seed(name)
    inputs = make_inputs()
    bases, xs = [], []
    for inp in inputs:
        if inp.layout == "transposed":
            base = inp.t.transpose(-2, -1).contiguous().detach()
            base.requires_grad_(inp.grad and grads)
            x = base.transpose(-2, -1)
            assert not x.is_contiguous()
        else:
            base = inp.t.clone().detach()
            base.requires_grad_(inp.grad and grads)
            x = base
        bases.append(base)
        xs.append(x)
    out = fn(xs, args)
    multi = isinstance(out, (list, tuple))
    outs = list(out) if multi else [out]

    rec = {"name": name, "op": op, "args": args, "inputs": []}
    for inp in inputs:
        d = enc(inp.t)
        d["grad"] = bool(inp.grad and grads)
        d["layout"] = inp.layout
        rec["inputs"].append(d)
    if multi:
        rec["outputs"] = [enc(o) for o in outs]
    else:
        rec["output"] = enc(out)

    wrt = [i for i, inp in enumerate(inputs) if inp.grad and grads]
    if not wrt:
        rec["grad_output"] = None
        rec["grads"] = [None] * len(inputs)
        CASES.append(rec)
        return
    gouts = [torch.randn(o.shape) for o in outs]
    got = torch.autograd.grad(outs, [bases[i] for i in wrt], gouts,
                              allow_unused=True)
    grads_out = [None] * len(inputs)
    for i, g in zip(wrt, got):
        if g is None:
            g = torch.zeros_like(bases[i])
        if inputs[i].layout == "transposed":
            g = g.transpose(-2, -1)
        assert list(g.shape) == list(inputs[i].t.shape)
        grads_out[i] = enc(g, with_dtype=False)
    if multi:
        rec["grad_output"] = [enc(g, with_dtype=False) for g in gouts]
    else:
        rec["grad_output"] = enc(gouts[0], with_dtype=False)
    rec["grads"] = grads_out
    CASES.append(rec)


def all_dims(x, dims):
    return tuple(dims) if dims else tuple(range(x.dim()))


# Element-wise binary ---------------------------------------------------------


def binary_cases():
    ops = {
        "add": (lambda a, b: a + b, randn, randn),
        "sub": (lambda a, b: a - b, randn, randn),
        "mul": (lambda a, b: a * b, randn, randn),
        "div": (lambda a, b: a / b, randn, away),
        "pow": (torch.pow, pos, randn),
        "maximum": (torch.maximum, randn, randn),
        "minimum": (torch.minimum, randn, randn),
    }
    for op, (f, ga, gb) in ops.items():
        fn = lambda xs, a, f=f: f(xs[0], xs[1])
        case(op + "/plain", op, {}, lambda: [C(ga(2, 3)), C(gb(2, 3))], fn)
        case(op + "/broadcast_row", op, {},
             lambda: [C(ga(2, 3, 4)), C(gb(4))], fn)
        case(op + "/broadcast_col_row", op, {},
             lambda: [C(ga(2, 3, 4)), C(gb(3, 1))], fn)
        case(op + "/broadcast_both", op, {},
             lambda: [C(ga(3, 1)), C(gb(1, 4))], fn)
        case(op + "/broadcast_left", op, {},
             lambda: [C(ga(1, 4)), C(gb(2, 3, 4))], fn)
        case(op + "/transposed", op, {},
             lambda: [T(ga(3, 4)), C(gb(3, 4))], fn)
        case(op + "/transposed_broadcast", op, {},
             lambda: [C(ga(2, 3, 4)), T(gb(3, 4))], fn)
        case(op + "/scalar_operand", op, {},
             lambda: [C(ga(2, 3)), C(gb())], fn)

    # pow with an integer exponent over a negative base.
    case("pow/negative_base_int_exp", "pow", {},
         lambda: [C(away(2, 3)), C(torch.tensor([2.0, 3.0, 1.0]), grad=False)],
         lambda xs, a: torch.pow(xs[0], xs[1]))


def compare_cases():
    ops = {"eq": torch.eq, "ne": torch.ne, "gt": torch.gt,
           "ge": torch.ge, "lt": torch.lt, "le": torch.le}
    for op, f in ops.items():
        fn = lambda xs, a, f=f: f(xs[0], xs[1]).float()
        case(op + "/plain", op, {},
             lambda: [N(small_ints(3, 4)), N(small_ints(3, 4))], fn)
        case(op + "/broadcast", op, {},
             lambda: [N(small_ints(2, 3, 4)), N(small_ints(3, 1))], fn)
        case(op + "/transposed", op, {},
             lambda: [Inp(small_ints(3, 4), False, "transposed"),
                      N(small_ints(1, 4))], fn)


# Element-wise with a scalar ---------------------------------------------------


def scalar_cases():
    ops = {
        "add_scalar": (lambda x, s: x + s, randn, [1.5, -0.25]),
        "sub_scalar": (lambda x, s: x - s, randn, [0.75]),
        "mul_scalar": (lambda x, s: x * s, randn, [-2.5, 0.0]),
        "div_scalar": (lambda x, s: x / s, randn, [4.0, -0.3]),
        "pow_scalar": (lambda x, s: x ** s, pos, [2.5, 2.0, -1.5, 0.5]),
    }
    for op, (f, gen, ss) in ops.items():
        fn = lambda xs, a, f=f: f(xs[0], a["s"])
        for s in ss:
            case("%s/s=%g" % (op, s), op, {"s": s},
                 lambda: [C(gen(2, 3, 4))], fn)
        case(op + "/transposed", op, {"s": ss[0]},
             lambda: [T(gen(3, 5))], fn)
    case("pow_scalar/negative_base_s=2", "pow_scalar", {"s": 2.0},
         lambda: [C(randn(3, 4))], lambda xs, a: xs[0] ** a["s"])
    case("pow_scalar/negative_base_s=3", "pow_scalar", {"s": 3.0},
         lambda: [C(randn(3, 4))], lambda xs, a: xs[0] ** a["s"])


# Element-wise unary and activations --------------------------------------------


def clamp_input(*shape):
    x = torch.randn(shape)
    # Keep clear of the bounds, where the gradient is a matter of convention.
    x = torch.where((x.abs() - 0.5).abs() < 0.02, x + 0.05, x)
    return x


def unary_cases():
    ops = {
        "neg": (torch.neg, randn, {}),
        "exp": (torch.exp, randn, {}),
        "log": (torch.log, pos, {}),
        "sqrt": (torch.sqrt, pos, {}),
        "abs": (torch.abs, away, {}),
        "square": (torch.square, randn, {}),
        "reciprocal": (torch.reciprocal, away, {}),
        "relu": (torch.relu, away, {}),
        "gelu": (F.gelu, lambda *s: 2 * randn(*s), {}),
        "silu": (F.silu, lambda *s: 2 * randn(*s), {}),
        "sigmoid": (torch.sigmoid, lambda *s: 3 * randn(*s), {}),
        "tanh": (torch.tanh, lambda *s: 2 * randn(*s), {}),
    }
    for op, (f, gen, args) in ops.items():
        fn = lambda xs, a, f=f: f(xs[0])
        case(op + "/plain", op, args, lambda: [C(gen(2, 3, 4))], fn)
        case(op + "/transposed", op, args, lambda: [T(gen(3, 5))], fn)
    case("log/wide_range", "log", {},
         lambda: [C(torch.tensor([1e-6, 1e-3, 0.5, 1.0, 10.0, 1e6]))],
         lambda xs, a: torch.log(xs[0]))
    case("exp/wide_range", "exp", {},
         lambda: [C(torch.tensor([-80.0, -10.0, 0.0, 1.0, 10.0, 80.0]))],
         lambda xs, a: torch.exp(xs[0]))
    case("sigmoid/saturated", "sigmoid", {},
         lambda: [C(torch.tensor([-100.0, -20.0, -5.0, 0.0, 5.0, 20.0, 100.0]))],
         lambda xs, a: torch.sigmoid(xs[0]))
    case("tanh/saturated", "tanh", {},
         lambda: [C(torch.tensor([-50.0, -5.0, 0.0, 5.0, 50.0]))],
         lambda xs, a: torch.tanh(xs[0]))
    case("scalar_0d/exp", "exp", {},
         lambda: [C(torch.tensor(0.7))], lambda xs, a: torch.exp(xs[0]))

    clamp = lambda xs, a: torch.clamp(xs[0], a["min"], a["max"])
    ab = {"min": -0.5, "max": 0.5}
    case("clamp/plain", "clamp", ab, lambda: [C(clamp_input(2, 3, 4))], clamp)
    case("clamp/transposed", "clamp", ab, lambda: [T(clamp_input(4, 5))], clamp)
    case("clamp/asymmetric", "clamp", {"min": -1.0, "max": 0.25},
         lambda: [C(clamp_input(3, 5) * 1.5)], clamp)

    lrelu = lambda xs, a: F.leaky_relu(xs[0], a["slope"])
    for slope in (0.01, 0.2):
        case("leaky_relu/slope=%g" % slope, "leaky_relu", {"slope": slope},
             lambda: [C(away(2, 3, 4))], lrelu)
    case("leaky_relu/transposed", "leaky_relu", {"slope": 0.2},
         lambda: [T(away(3, 5))], lrelu)

    elu = lambda xs, a: F.elu(xs[0], a["alpha"])
    case("elu/alpha=1", "elu", {"alpha": 1.0},
         lambda: [C(2 * away(2, 3, 4, lo=0.05))], elu)
    case("elu/alpha=0.5", "elu", {"alpha": 0.5},
         lambda: [T(2 * away(3, 5, lo=0.05))], elu)

    sp = lambda xs, a: F.softplus(xs[0], a["beta"], a["threshold"])
    case("softplus/beta=1_threshold=20", "softplus",
         {"beta": 1.0, "threshold": 20.0},
         lambda: [C(torch.cat([3 * randn(10), torch.tensor([-30.0, 19.0, 21.0, 40.0])]))],
         sp)
    # beta*x crosses the threshold (x > 2.5) inside the data.
    case("softplus/beta=2_threshold=5", "softplus",
         {"beta": 2.0, "threshold": 5.0},
         lambda: [C(torch.tensor([[-4.0, -1.0, 0.0, 0.5, 2.0, 2.4],
                                  [2.6, 3.0, 4.0, -0.3, 1.2, 7.0]]))], sp)
    case("softplus/transposed", "softplus",
         {"beta": 1.0, "threshold": 20.0}, lambda: [T(3 * randn(3, 4))], sp)


def softmax_cases():
    for op, f in (("softmax", torch.softmax), ("log_softmax", torch.log_softmax)):
        fn = lambda xs, a, f=f: f(xs[0], a["dim"])
        for dim in (1, -1, 0):
            case("%s/dim=%d" % (op, dim), op, {"dim": dim},
                 lambda: [C(2 * randn(2, 3, 4))], fn)
        case(op + "/2d_dim=-1", op, {"dim": -1}, lambda: [C(2 * randn(3, 5))], fn)
        case(op + "/1d", op, {"dim": 0}, lambda: [C(2 * randn(6))], fn)
        case(op + "/transposed_dim=-1", op, {"dim": -1},
             lambda: [T(2 * randn(3, 5))], fn)
        case(op + "/transposed_dim=0", op, {"dim": 0},
             lambda: [T(2 * randn(2, 3, 4))], fn)
        extreme = lambda: [C(torch.tensor([[1000.0, -1000.0, 0.0],
                                           [-1000.0, -1000.0, -1000.0]]))]
        case(op + "/extreme_dim=-1", op, {"dim": -1}, extreme, fn)
        case(op + "/extreme_dim=0", op, {"dim": 0}, extreme, fn)


# Reductions ---------------------------------------------------------------------


REDUCE_DIMS = [
    ([], False), ([], True),
    ([0], False), ([1], True), ([-1], False), ([2], True),
    ([0, 2], False), ([0, -1], True), ([-2, -1], False), ([0, 1, 2], False),
]


def reduce_cases():
    fns = {
        "sum": (lambda x, d, k: torch.sum(x, all_dims(x, d), keepdim=k), randn),
        "mean": (lambda x, d, k: torch.mean(x, all_dims(x, d), keepdim=k), randn),
        "max": (lambda x, d, k: torch.amax(x, all_dims(x, d), keepdim=k), uniq),
        "min": (lambda x, d, k: torch.amin(x, all_dims(x, d), keepdim=k), uniq),
        "logsumexp": (lambda x, d, k: torch.logsumexp(x, all_dims(x, d), keepdim=k),
                      lambda *s: 2 * randn(*s)),
    }
    for op, (f, gen) in fns.items():
        fn = lambda xs, a, f=f: f(xs[0], a["dims"], a["keepdim"])
        for dims, keep in REDUCE_DIMS:
            args = {"dims": dims, "keepdim": keep}
            case("%s/dims=%s_keepdim=%s" % (op, dims, keep), op, args,
                 lambda: [C(gen(2, 3, 4))], fn)
        case(op + "/transposed_dims=[-1]", op, {"dims": [-1], "keepdim": False},
             lambda: [T(gen(3, 5))], fn)
        case(op + "/transposed_dims=[0]", op, {"dims": [0], "keepdim": True},
             lambda: [T(gen(2, 3, 4))], fn)
        case(op + "/1d_all", op, {"dims": [], "keepdim": False},
             lambda: [C(gen(7))], fn)
    case("logsumexp/extreme", "logsumexp", {"dims": [-1], "keepdim": False},
         lambda: [C(torch.tensor([[1000.0, -1000.0, 0.0],
                                  [-1000.0, -1000.0, -1000.0]]))],
         lambda xs, a: torch.logsumexp(xs[0], a["dims"], keepdim=a["keepdim"]))

    for op, f in (("var", torch.var), ("std", torch.std)):
        fn = lambda xs, a, f=f: f(xs[0], all_dims(xs[0], a["dims"]),
                                  unbiased=a["unbiased"], keepdim=a["keepdim"])
        for i, (dims, keep) in enumerate(REDUCE_DIMS):
            for unbiased in (True, False):
                if not unbiased and i % 2:
                    continue  # keep the count down: biased on every other row
                args = {"dims": dims, "keepdim": keep, "unbiased": unbiased}
                case("%s/dims=%s_keepdim=%s_unbiased=%s" % (op, dims, keep, unbiased),
                     op, args, lambda: [C(randn(2, 3, 4))], fn)
        case(op + "/transposed", op,
             {"dims": [-1], "keepdim": False, "unbiased": True},
             lambda: [T(randn(3, 5))], fn)

    for op, f in (("argmax", torch.argmax), ("argmin", torch.argmin)):
        fn = lambda xs, a, f=f: f(xs[0], a["dim"], a["keepdim"])
        for dim, keep in ((None, False), (0, False), (1, True), (-1, False),
                          (2, True), (-2, False)):
            case("%s/dim=%s_keepdim=%s" % (op, dim, keep), op,
                 {"dim": dim, "keepdim": keep}, lambda: [N(uniq(2, 3, 4))], fn)
        case(op + "/transposed_dim=-1", op, {"dim": -1, "keepdim": False},
             lambda: [Inp(uniq(3, 5), False, "transposed")], fn)
        case(op + "/transposed_all", op, {"dim": None, "keepdim": False},
             lambda: [Inp(uniq(3, 5), False, "transposed")], fn)
        case(op + "/1d", op, {"dim": 0, "keepdim": False},
             lambda: [N(uniq(9))], fn)


# MatMul ---------------------------------------------------------------------------


def matmul_cases():
    mm = lambda xs, a: torch.matmul(xs[0], xs[1])
    shapes = [
        ("1d_1d", (4,), (4,)),
        ("1d_2d", (4,), (4, 5)),
        ("2d_1d", (3, 4), (4,)),
        ("2d_2d", (3, 4), (4, 5)),
        ("2d_2d_outer", (5, 1), (1, 3)),
        ("3d_3d", (2, 3, 4), (2, 4, 5)),
        ("3d_2d", (2, 3, 4), (4, 5)),
        ("2d_3d", (3, 4), (2, 4, 5)),
        ("1d_3d", (4,), (2, 4, 3)),
        ("3d_1d", (2, 3, 4), (4,)),
        ("4d_broadcast", (2, 1, 3, 4), (1, 5, 4, 2)),
        ("3d_batch1_broadcast", (1, 3, 4), (2, 4, 2)),
    ]
    for name, sa, sb in shapes:
        case("matmul/" + name, "matmul", {},
             lambda: [C(randn(*sa)), C(randn(*sb))], mm)
    case("matmul/2d_2d_transposed_b", "matmul", {},
         lambda: [C(randn(3, 4)), T(randn(4, 5))], mm)
    case("matmul/2d_2d_transposed_a", "matmul", {},
         lambda: [T(randn(3, 4)), C(randn(4, 5))], mm)
    case("matmul/2d_2d_transposed_both", "matmul", {},
         lambda: [T(randn(3, 4)), T(randn(4, 5))], mm)
    case("matmul/3d_3d_transposed_b", "matmul", {},
         lambda: [C(randn(2, 3, 4)), T(randn(2, 4, 5))], mm)
    case("matmul/3d_2d_transposed_a", "matmul", {},
         lambda: [T(randn(2, 3, 4)), C(randn(4, 2))], mm)


# Views and shape ops ----------------------------------------------------------------


def squeeze(x, dims):
    if not dims:
        return x.squeeze()
    # torch 1.13 squeezes one dim at a time; go from the back so the
    # normalised indices stay valid.
    for d in sorted((d % x.dim() for d in dims), reverse=True):
        x = x.squeeze(d)
    return x


def view_cases():
    rs = lambda xs, a: xs[0].reshape(a["shape"])
    case("reshape/plain", "reshape", {"shape": [4, 6]}, lambda: [C(randn(2, 3, 4))], rs)
    case("reshape/infer", "reshape", {"shape": [3, -1]}, lambda: [C(randn(2, 3, 4))], rs)
    case("reshape/infer_first", "reshape", {"shape": [-1, 2, 2]},
         lambda: [C(randn(2, 3, 4))], rs)
    case("reshape/to_1d", "reshape", {"shape": [-1]}, lambda: [C(randn(2, 3, 4))], rs)
    case("reshape/to_0d", "reshape", {"shape": []}, lambda: [C(randn(1, 1))], rs)
    case("reshape/transposed", "reshape", {"shape": [5, -1]},
         lambda: [T(randn(2, 3, 5))], rs)

    tr = lambda xs, a: xs[0].transpose(a["d0"], a["d1"])
    case("transpose/01", "transpose", {"d0": 0, "d1": 1}, lambda: [C(randn(3, 4))], tr)
    case("transpose/3d_0_2", "transpose", {"d0": 0, "d1": 2},
         lambda: [C(randn(2, 3, 4))], tr)
    case("transpose/negative", "transpose", {"d0": -1, "d1": -3},
         lambda: [C(randn(2, 3, 4))], tr)
    case("transpose/same_dim", "transpose", {"d0": 1, "d1": 1},
         lambda: [C(randn(2, 3))], tr)
    case("transpose/of_transposed", "transpose", {"d0": -2, "d1": -1},
         lambda: [T(randn(3, 4))], tr)

    pm = lambda xs, a: xs[0].permute(a["dims"])
    case("permute/201", "permute", {"dims": [2, 0, 1]}, lambda: [C(randn(2, 3, 4))], pm)
    case("permute/negative", "permute", {"dims": [-1, 0, 1]},
         lambda: [C(randn(2, 3, 4))], pm)
    case("permute/4d", "permute", {"dims": [1, 3, 0, 2]},
         lambda: [C(randn(2, 3, 1, 4))], pm)
    case("permute/transposed", "permute", {"dims": [1, 2, 0]},
         lambda: [T(randn(2, 3, 4))], pm)

    sq = lambda xs, a: squeeze(xs[0], a["dims"])
    case("squeeze/all", "squeeze", {"dims": []}, lambda: [C(randn(1, 3, 1, 4))], sq)
    case("squeeze/one", "squeeze", {"dims": [2]}, lambda: [C(randn(1, 3, 1, 4))], sq)
    case("squeeze/negative", "squeeze", {"dims": [-4]}, lambda: [C(randn(1, 3, 1, 4))], sq)
    case("squeeze/two", "squeeze", {"dims": [0, 2]}, lambda: [C(randn(1, 3, 1, 4))], sq)
    # PyTorch leaves a dim whose size is not 1 alone rather than raising.
    case("squeeze/not_size_one_is_noop", "squeeze", {"dims": [1]},
         lambda: [C(randn(1, 3, 4))], sq)
    case("squeeze/to_0d", "squeeze", {"dims": []}, lambda: [C(randn(1, 1))], sq)

    us = lambda xs, a: xs[0].unsqueeze(a["dim"])
    for d in (0, 1, 3, -1, -4):
        case("unsqueeze/dim=%d" % d, "unsqueeze", {"dim": d},
             lambda: [C(randn(2, 3, 4))], us)
    case("unsqueeze/transposed", "unsqueeze", {"dim": 1}, lambda: [T(randn(3, 4))], us)
    case("unsqueeze/0d", "unsqueeze", {"dim": 0}, lambda: [C(randn())], us)

    nw = lambda xs, a: xs[0].narrow(a["dim"], a["start"], a["length"])
    case("narrow/dim0", "narrow", {"dim": 0, "start": 1, "length": 2},
         lambda: [C(randn(4, 5))], nw)
    case("narrow/dim1", "narrow", {"dim": 1, "start": 2, "length": 3},
         lambda: [C(randn(2, 5, 3))], nw)
    case("narrow/negative_dim", "narrow", {"dim": -1, "start": 0, "length": 2},
         lambda: [C(randn(2, 3, 5))], nw)
    case("narrow/transposed", "narrow", {"dim": -1, "start": 1, "length": 2},
         lambda: [T(randn(4, 5))], nw)
    case("narrow/zero_length", "narrow", {"dim": 0, "start": 2, "length": 0},
         lambda: [C(randn(4, 3))], nw)

    ex = lambda xs, a: xs[0].expand(a["shape"])
    case("expand/keep_and_new", "expand", {"shape": [2, -1, 4]},
         lambda: [C(randn(3, 1))], ex)
    case("expand/size_one_dims", "expand", {"shape": [3, 4, 5]},
         lambda: [C(randn(3, 1, 5))], ex)
    case("expand/minus_one_everywhere", "expand", {"shape": [2, -1, -1]},
         lambda: [C(randn(1, 3, 4))], ex)
    case("expand/new_leading", "expand", {"shape": [2, 3, 4]},
         lambda: [C(randn(4))], ex)
    case("expand/transposed", "expand", {"shape": [2, 4, 3]},
         lambda: [T(randn(1, 4, 3))], ex)
    case("expand/0d", "expand", {"shape": [2, 3]}, lambda: [C(randn())], ex)

    fl = lambda xs, a: torch.flatten(xs[0], a["start"], a["end"])
    case("flatten/all", "flatten", {"start": 0, "end": -1},
         lambda: [C(randn(2, 3, 4))], fl)
    case("flatten/tail", "flatten", {"start": 1, "end": -1},
         lambda: [C(randn(2, 3, 4))], fl)
    case("flatten/head", "flatten", {"start": 0, "end": 1},
         lambda: [C(randn(2, 3, 4))], fl)
    case("flatten/middle_4d", "flatten", {"start": 1, "end": 2},
         lambda: [C(randn(2, 3, 2, 2))], fl)
    case("flatten/noop", "flatten", {"start": 1, "end": 1},
         lambda: [C(randn(2, 3, 4))], fl)
    case("flatten/transposed", "flatten", {"start": 0, "end": -1},
         lambda: [T(randn(2, 3, 4))], fl)


def join_cases():
    cat = lambda xs, a: torch.cat(xs, a["dim"])
    case("cat/dim0_two", "cat", {"dim": 0},
         lambda: [C(randn(2, 3)), C(randn(4, 3))], cat)
    case("cat/dim1_three", "cat", {"dim": 1},
         lambda: [C(randn(2, 1, 4)), C(randn(2, 3, 4)), C(randn(2, 2, 4))], cat)
    case("cat/negative_dim", "cat", {"dim": -1},
         lambda: [C(randn(2, 3, 2)), C(randn(2, 3, 3))], cat)
    case("cat/transposed", "cat", {"dim": 0},
         lambda: [T(randn(3, 4)), C(randn(2, 4))], cat)
    case("cat/one_not_grad", "cat", {"dim": 1},
         lambda: [C(randn(2, 2)), N(randn(2, 3))], cat)

    st = lambda xs, a: torch.stack(xs, a["dim"])
    case("stack/dim0", "stack", {"dim": 0},
         lambda: [C(randn(3, 4)), C(randn(3, 4))], st)
    case("stack/dim1_three", "stack", {"dim": 1},
         lambda: [C(randn(3, 4)), C(randn(3, 4)), C(randn(3, 4))], st)
    case("stack/dim_last", "stack", {"dim": -1},
         lambda: [C(randn(2, 3)), T(randn(2, 3))], st)
    case("stack/1d", "stack", {"dim": 0}, lambda: [C(randn(4)), C(randn(4))], st)

    sp = lambda xs, a: torch.split(xs[0], a["size"], a["dim"])
    case("split/even", "split", {"size": 2, "dim": 0}, lambda: [C(randn(4, 3))], sp)
    case("split/uneven", "split", {"size": 2, "dim": 1}, lambda: [C(randn(2, 5, 3))], sp)
    case("split/negative_dim", "split", {"size": 3, "dim": -1},
         lambda: [C(randn(2, 3, 4))], sp)
    case("split/size_exceeds", "split", {"size": 7, "dim": 0},
         lambda: [C(randn(3, 2))], sp)
    case("split/transposed", "split", {"size": 2, "dim": -1},
         lambda: [T(randn(3, 5))], sp)

    ch = lambda xs, a: torch.chunk(xs[0], a["chunks"], a["dim"])
    case("chunk/even", "chunk", {"chunks": 2, "dim": 0}, lambda: [C(randn(4, 3))], ch)
    case("chunk/uneven", "chunk", {"chunks": 3, "dim": 1},
         lambda: [C(randn(2, 5, 3))], ch)
    # PyTorch uses ceil(5/4) = 2 per chunk, so it returns 3 chunks, not 4.
    case("chunk/fewer_than_asked", "chunk", {"chunks": 4, "dim": 0},
         lambda: [C(randn(5, 2))], ch)
    case("chunk/negative_dim", "chunk", {"chunks": 2, "dim": -1},
         lambda: [T(randn(3, 4))], ch)


def index_cases():
    isel = lambda xs, a: torch.index_select(xs[0], a["dim"], xs[1])
    case("index_select/dim0", "index_select", {"dim": 0},
         lambda: [C(randn(4, 3)), I([3, 0, 2])], isel)
    case("index_select/dim1_repeated", "index_select", {"dim": 1},
         lambda: [C(randn(2, 4, 3)), I([2, 0, 2, 2, 1])], isel)
    case("index_select/negative_dim", "index_select", {"dim": -1},
         lambda: [C(randn(2, 3, 4)), I([1, 1, 3])], isel)
    case("index_select/transposed", "index_select", {"dim": 0},
         lambda: [T(randn(5, 4)), I([4, 1, 1])], isel)

    ga = lambda xs, a: torch.gather(xs[0], a["dim"], xs[1])
    case("gather/dim0", "gather", {"dim": 0},
         lambda: [C(randn(3, 4)), I([[0, 2, 1, 0], [2, 2, 0, 1]])], ga)
    case("gather/dim1_labels", "gather", {"dim": 1},
         lambda: [C(randn(4, 5)), I([[3], [0], [4], [3]])], ga)
    case("gather/dim1_repeated", "gather", {"dim": 1},
         lambda: [C(randn(2, 5)), I([[0, 0, 4], [1, 3, 1]])], ga)
    case("gather/3d_negative_dim", "gather", {"dim": -1},
         lambda: [C(randn(2, 3, 4)), I(torch.randint(0, 4, (2, 3, 2)))], ga)
    case("gather/3d_smaller_index", "gather", {"dim": 1},
         lambda: [C(randn(2, 3, 4)), I(torch.randint(0, 3, (2, 2, 3)))], ga)
    case("gather/transposed", "gather", {"dim": 1},
         lambda: [T(randn(3, 4)), I([[1, 3], [0, 0], [2, 1]])], ga)

    wh = lambda xs, a: torch.where(xs[0] != 0, xs[1], xs[2])
    cond = lambda *s: N((torch.rand(s) < 0.5).float())
    case("where/plain", "where", {},
         lambda: [cond(3, 4), C(randn(3, 4)), C(randn(3, 4))], wh)
    case("where/broadcast", "where", {},
         lambda: [cond(3, 1), C(randn(2, 3, 4)), C(randn(1, 4))], wh)
    case("where/broadcast_cond", "where", {},
         lambda: [cond(2, 3, 4), C(randn(4)), C(randn(3, 1))], wh)
    case("where/transposed", "where", {},
         lambda: [cond(3, 4), T(randn(3, 4)), C(randn(3, 4))], wh)

    oh = lambda xs, a: F.one_hot(xs[0], a["classes"]).float()
    case("one_hot/1d", "one_hot", {"classes": 5}, lambda: [I([0, 3, 1, 4, 3])], oh)
    case("one_hot/2d", "one_hot", {"classes": 4}, lambda: [I([[0, 3], [2, 2], [1, 0]])], oh)
    case("one_hot/0d", "one_hot", {"classes": 3}, lambda: [I(2)], oh)


# Printing -----------------------------------------------------------------------


def pr(name, t, requires_grad=False, arange=False):
    t = t.detach().clone()
    if requires_grad:
        t.requires_grad_(True)
    d = {"name": name, "shape": list(t.shape),
         "dtype": "int64" if t.dtype == torch.int64 else "float32"}
    if arange:
        want = torch.arange(t.numel(), dtype=t.dtype).reshape(t.shape)
        assert torch.equal(t.detach(), want)
        d["arange"] = True
    else:
        d["data"] = enc(t)["data"]
    d["requires_grad"] = requires_grad
    d["str"] = str(t)
    PRINTS.append(d)


def print_cases():
    seed("prints")
    pr("int_valued_2d", torch.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]))
    pr("float_1d", torch.randn(5))
    pr("negative_2d", torch.tensor([[-1.5, 2.25, 0.0], [3.125, -0.0625, -10.5]]))
    pr("scientific_mixed", torch.tensor([1e-5, 1.0, 12345.678]))
    pr("scientific_small", torch.tensor([[0.0001234, 0.5], [-0.25, 0.003]]))
    pr("scientific_large_ints", torch.tensor([1e10, 1.0, -2.0]))
    pr("random_3d", torch.randn(2, 3, 4))
    pr("wraps_line", torch.randn(14))
    pr("summarised_1d", torch.arange(2000, dtype=torch.float32), arange=True)
    pr("summarised_1d_fixed", torch.arange(1001, dtype=torch.float32), arange=True)
    pr("summarised_2d", torch.arange(1200, dtype=torch.float32).reshape(40, 30),
       arange=True)
    pr("summarised_3d_int64", torch.arange(1200, dtype=torch.int64).reshape(3, 20, 20),
       arange=True)
    pr("int64_2d", torch.tensor([[1, -20, 300], [4, 5, -6]]))
    pr("scalar_0d", torch.tensor(3.14159))
    pr("scalar_0d_int64", torch.tensor(7))
    pr("requires_grad", torch.tensor([[0.5, -1.25], [2.0, 3.75]]), requires_grad=True)


# -------------------------------------------------------------------- main


def main():
    binary_cases()
    compare_cases()
    scalar_cases()
    unary_cases()
    softmax_cases()
    reduce_cases()
    matmul_cases()
    view_cases()
    join_cases()
    index_cases()
    print_cases()

    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    dump = lambda v: json.dumps(v, separators=(",", ":"), allow_nan=False)
    lines = ['{"generator":"testdata/gen_torch.py","torch":%s,' % dump(torch.__version__),
             '"cases":[']
    lines += [dump(c) + ("," if i + 1 < len(CASES) else "") for i, c in enumerate(CASES)]
    lines += ['],', '"prints":[']
    lines += [dump(p) + ("," if i + 1 < len(PRINTS) else "") for i, p in enumerate(PRINTS)]
    lines += [']}']
    text = "\n".join(lines) + "\n"
    json.loads(text)  # valid JSON
    tmp = OUT + ".tmp"
    with open(tmp, "w") as f:
        f.write(text)
    os.replace(tmp, OUT)
    print("wrote %s: %d cases, %d prints, %d bytes" %
          (os.path.relpath(OUT, ROOT), len(CASES), len(PRINTS), len(text)))


if __name__ == "__main__":
    main()
