#!/usr/bin/python3
"""Write the PyTorch fixture the safetensors tests of package nn read.

Run from the repository root (or anywhere: paths are relative to this file),
with Debian's PyTorch:

    /usr/bin/python3 testdata/gen_safetensors.py

Debian packages no safetensors library, so this holds a small writer laid
out exactly as the reference library (huggingface/safetensors) lays files
out: an 8-byte little-endian header length, a compact JSON header with the
"__metadata__" entry first and then the tensors in sorted name order, padded
with spaces to a multiple of 8 bytes, then each tensor's little-endian bytes
back to back in that same order.

It writes
  nn/testdata/torch_state.safetensors  the state_dict of a seeded two-layer
                                       network plus an int64 tensor
  nn/testdata/torch_state.json         the same tensors as JSON:
                                       {"metadata": {...}, "tensors":
                                        {name: {"dtype", "shape", "data"}}}
go test only reads them.
"""

import json
import os
import struct

import torch
from torch import nn

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "nn", "testdata")

DTYPES = {torch.float32: "F32", torch.int64: "I64", torch.float64: "F64",
          torch.float16: "F16", torch.bfloat16: "BF16"}


def save_safetensors(path, tensors, metadata=None):
    header = {}
    if metadata:
        header["__metadata__"] = metadata
    offset = 0
    blobs = []
    for name in sorted(tensors):
        t = tensors[name].detach().contiguous()
        # The raw bytes in native order; this machine is little-endian.
        assert struct.pack("=i", 1) == struct.pack("<i", 1)
        b = t.view(-1).view(torch.uint8).numpy().tobytes() if t.numel() else b""
        header[name] = {"dtype": DTYPES[t.dtype], "shape": list(t.shape),
                        "data_offsets": [offset, offset + len(b)]}
        offset += len(b)
        blobs.append(b)
    h = json.dumps(header, separators=(",", ":")).encode("utf-8")
    h += b" " * (-len(h) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)))
        f.write(h)
        for b in blobs:
            f.write(b)


class SimpleNN(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(2, 2)
        self.fc2 = nn.Linear(2, 1)

    def forward(self, x):
        return self.fc2(torch.relu(self.fc1(x)))


def main():
    torch.manual_seed(0)
    state = dict(SimpleNN().state_dict())
    state["step"] = torch.tensor([[0, -1, 2 ** 40], [3, 4, -(2 ** 62)]],
                                 dtype=torch.int64)
    metadata = {"format": "pt", "generator": "testdata/gen_safetensors.py"}
    save_safetensors(os.path.join(OUT, "torch_state.safetensors"), state,
                     metadata)
    fixture = {"torch": torch.__version__, "metadata": metadata, "tensors": {
        name: {"dtype": DTYPES[t.dtype], "shape": list(t.shape),
               # float32 -> Python float is exact; repr round-trips.
               "data": t.reshape(-1).tolist()}
        for name, t in sorted(state.items())}}
    with open(os.path.join(OUT, "torch_state.json"), "w") as f:
        json.dump(fixture, f, indent=1, sort_keys=True)
        f.write("\n")


if __name__ == "__main__":
    main()
