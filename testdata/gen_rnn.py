#!/usr/bin/python3
"""Write the PyTorch fixtures of package nn's recurrent-layer tests.

Run from anywhere (paths are relative to this file) with Debian's PyTorch:

    /usr/bin/python3 testdata/gen_rnn.py

It writes nn/testdata/rnn.json:
  "rnn": for RNN (tanh and relu), LSTM and GRU in several configurations
         (layers, batch_first, bidirectional, initial state, bias), the
         constructor's arguments, the state_dict (names, shapes, values), an
         input, the output and final states, a fixed upstream gradient on the
         output, and the gradients of the input, the initial states and every
         parameter;
  "embedding": an Embedding with padding_idx: its weight, indices, output,
         upstream gradient and the weight's gradient.
and nn/testdata/rnn.safetensors: the state_dict of
  nn.Sequential(Embedding(10, 3), LSTM(3, 4, num_layers=2, bidirectional=True),
  GRU(8, 2, batch_first=True)) under torch.manual_seed(1), keys as PyTorch
  names them (0.weight, 1.weight_ih_l0, 1.weight_hh_l1_reverse, 2.bias_hh_l0,
  …), written with gen_safetensors.py's writer.
go test only reads them.
"""
import json
import os

import sys

import torch
import torch.nn as nn

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "nn", "testdata", "rnn.json")
sys.path.insert(0, HERE)
from gen_safetensors import save_safetensors  # noqa: E402


def t(x):
    x = x.detach()
    return {"shape": list(x.shape), "data": [float(v) for v in x.reshape(-1).tolist()]}


CONFIGS = [
    # name, mode, input, hidden, kwargs, T, N (0: unbatched), with initial state
    ("rnn_tanh", "RNN", 3, 4, {}, 5, 2, False),
    ("rnn_relu_state", "RNN", 3, 4, {"nonlinearity": "relu"}, 4, 2, True),
    ("rnn_2layer_bidir", "RNN", 3, 4, {"num_layers": 2, "bidirectional": True}, 4, 3, True),
    ("lstm", "LSTM", 3, 4, {}, 5, 2, False),
    ("lstm_state", "LSTM", 3, 4, {}, 4, 2, True),
    ("lstm_2layer_batchfirst", "LSTM", 3, 5, {"num_layers": 2, "batch_first": True}, 4, 3, True),
    ("lstm_bidir", "LSTM", 3, 4, {"bidirectional": True}, 4, 2, True),
    ("lstm_2layer_bidir_nobias", "LSTM", 2, 3, {"num_layers": 2, "bidirectional": True, "bias": False}, 3, 2, False),
    ("lstm_unbatched", "LSTM", 3, 4, {}, 4, 0, True),
    ("gru", "GRU", 3, 4, {}, 5, 2, False),
    ("gru_state", "GRU", 3, 4, {}, 4, 2, True),
    ("gru_2layer_batchfirst_bidir", "GRU", 3, 4, {"num_layers": 2, "batch_first": True, "bidirectional": True}, 3, 2, True),
    ("gru_nobias", "GRU", 3, 4, {"bias": False}, 4, 2, True),
]


def rnn_case(name, mode, inp, hid, kw, T, N, with_state):
    m = getattr(nn, mode)(inp, hid, **kw)
    D = 2 if kw.get("bidirectional") else 1
    L = kw.get("num_layers", 1)
    if N == 0:
        x = torch.randn(T, inp)
        sshape = (D * L, hid)
    elif kw.get("batch_first"):
        x = torch.randn(N, T, inp)
        sshape = (D * L, N, hid)
    else:
        x = torch.randn(T, N, inp)
        sshape = (D * L, N, hid)
    x.requires_grad_(True)
    h0 = c0 = None
    if with_state:
        h0 = torch.randn(*sshape, requires_grad=True)
        if mode == "LSTM":
            c0 = torch.randn(*sshape, requires_grad=True)
    if mode == "LSTM":
        out, (hn, cn) = m(x, (h0, c0)) if with_state else m(x)
    else:
        out, hn = m(x, h0) if with_state else m(x)
        cn = None
    gout = torch.randn_like(out)
    ghn = torch.randn_like(hn)
    loss = (out * gout).sum() + (hn * ghn).sum()
    if cn is not None:
        gcn = torch.randn_like(cn)
        loss = loss + (cn * gcn).sum()
    loss.backward()
    c = {
        "name": name, "mode": mode, "input_size": inp, "hidden_size": hid,
        "num_layers": L, "bidirectional": D == 2, "batch_first": bool(kw.get("batch_first", False)),
        "bias": kw.get("bias", True), "nonlinearity": kw.get("nonlinearity", "tanh"),
        "params": [{"name": k, **t(v)} for k, v in m.named_parameters()],
        "input": t(x), "output": t(out), "h_n": t(hn),
        "grad_output": t(gout), "grad_h_n": t(ghn),
        "grad_input": t(x.grad),
        "grad_params": [{"name": k, **t(v.grad)} for k, v in m.named_parameters()],
    }
    if h0 is not None:
        c["h0"], c["grad_h0"] = t(h0), t(h0.grad)
    if cn is not None:
        c["c_n"], c["grad_c_n"] = t(cn), t(gcn)
    if c0 is not None:
        c["c0"], c["grad_c0"] = t(c0), t(c0.grad)
    return c


def embedding_case():
    e = nn.Embedding(6, 3, padding_idx=2)
    with torch.no_grad():
        e.weight[2] = torch.randn(3)  # a non-zero padding row: still no gradient
    idx = torch.tensor([[0, 2, 5], [2, 1, 0]])
    out = e(idx)
    g = torch.randn_like(out)
    (out * g).sum().backward()
    return {"num": 6, "dim": 3, "padding_idx": 2, "weight": t(e.weight),
            "indices": {"shape": list(idx.shape), "data": idx.reshape(-1).tolist()},
            "output": t(out), "grad_output": t(g), "grad_weight": t(e.weight.grad)}


def main():
    torch.manual_seed(0)
    cases = [rnn_case(*c) for c in CONFIGS]
    doc = {"generator": "testdata/gen_rnn.py", "torch": torch.__version__,
           "rnn": cases, "embedding": embedding_case()}
    with open(OUT, "w") as f:
        json.dump(doc, f)
        f.write("\n")
    torch.manual_seed(1)
    seq = nn.Sequential(nn.Embedding(10, 3), nn.LSTM(3, 4, num_layers=2, bidirectional=True),
                        nn.GRU(8, 2, batch_first=True))
    save_safetensors(os.path.join(HERE, "..", "nn", "testdata", "rnn.safetensors"),
                     seq.state_dict(), {"format": "pt"})


if __name__ == "__main__":
    main()
