"""The PyTorch side of nerve's benchmark harness (go run ./bench).

Runs one workload per process and prints its figures as
    RESULT <key> <value> <unit>
lines; the main figure has the key "value". The workloads mirror the nerve
side (bench/work.go) step for step:

  gemm/N=<n>/<t>t      torch.matmul(a, b, out=out) on float32 n x n;
                       GFLOP/s = 2 n^3 / t, median of 3 samples of >= 0.2 s
  cnn/adam-b64         the tutorial CNN (conv32-pool-conv64-pool-fc128-fc10),
                       Adam b64: one epoch on real MNIST, then test accuracy
  lstm/adam-b64        LSTM(28,128) over image rows + Linear(128,10), Adam b64:
                       one epoch on real MNIST, then test accuracy
  mlp/<opt>-b<bs>      quickstart MLP (Flatten, 784-512-512-10, ReLU,
                       CrossEntropyLoss, lr 1e-3) on real MNIST: one epoch,
                       seconds, then test accuracy
  tiny/mlp10-20-2-adam Linear(10,20), ReLU, Linear(20,2), MSE, Adam lr 0.01
  tiny/linear2-1-sgd   Linear(2,1) on a 10x2 batch, MSE, SGD lr 0.01
                       (us per step: median of 5 warm runs of 1000 steps)
  op/add10             a + b on 10-element tensors (us, median of 5 x 10000)

Run it with Debian's interpreter and OMP_WAIT_POLICY=passive (the harness
does): without it torch's OpenMP pool and OpenBLAS's threads fight over the
cores and PyTorch looks several times slower than it is.

    OMP_WAIT_POLICY=passive /usr/bin/python3 workloads.py --threads 2 --workload gemm/N=512/2t
    /usr/bin/python3 workloads.py --version
"""
import argparse, ctypes, gzip, os, re, statistics, struct, sys, time


def result(key, value, unit=""):
    print("RESULT %s %.6g %s" % (key, value, unit), flush=True)


def openblas():
    """ctypes handle of the OpenBLAS mapped into this process, or None."""
    for line in open("/proc/self/maps"):
        m = re.search(r"(/\S*libopenblas\S*\.so\S*)", line)
        if m:
            return ctypes.CDLL(m.group(1))
    return None


def setup(threads):
    import torch
    torch.set_num_threads(threads)
    # torch.set_num_threads does not reach a pthread OpenBLAS: set it too.
    lib = openblas()
    if lib is not None:
        lib.openblas_set_num_threads(int(threads))
    return torch


def version():
    import torch
    print("torch", torch.__version__)
    print("python", sys.version.split()[0])
    lib = openblas()
    if lib is None:
        print("blas not-openblas")
    else:
        lib.openblas_get_corename.restype = ctypes.c_char_p
        lib.openblas_get_config.restype = ctypes.c_char_p
        print("blas", lib.openblas_get_config().decode(), "core", lib.openblas_get_corename().decode())


def read_idx(path):
    import numpy as np
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as f:
        buf = f.read()
    ndim = struct.unpack(">I", buf[:4])[0] & 0xFF
    dims = struct.unpack(">" + "I" * ndim, buf[4:4 + 4 * ndim])
    return np.frombuffer(bytearray(buf), dtype=np.uint8, offset=4 + 4 * ndim).reshape(dims)


def find(d, name):
    for n in (name + ".gz", name):
        if os.path.exists(os.path.join(d, n)):
            return os.path.join(d, n)
    sys.exit("MNIST file %s not found in %s" % (name, d))


def mnist(torch, d):
    """Train and test tensors [N,1,28,28] float32, (x/255-0.1307)/0.3081; labels int64."""
    import numpy as np

    def images(name):
        t = torch.from_numpy(read_idx(find(d, name))).to(torch.float32).unsqueeze(1)
        return t.div_(255.0).sub_(0.1307).div_(0.3081).contiguous()

    def labels(name):
        return torch.from_numpy(read_idx(find(d, name)).astype(np.int64))

    return (images("train-images-idx3-ubyte"), labels("train-labels-idx1-ubyte"),
            images("t10k-images-idx3-ubyte"), labels("t10k-labels-idx1-ubyte"))


def gemm(torch, n):
    a = torch.randn(n, n, dtype=torch.float32)
    b = torch.randn(n, n, dtype=torch.float32)
    out = torch.empty(n, n)
    torch.matmul(a, b, out=out)
    t = time.perf_counter()
    torch.matmul(a, b, out=out)
    one = time.perf_counter() - t
    reps = max(1, int(0.2 / max(one, 1e-9)))
    secs = []
    for _ in range(3):
        t = time.perf_counter()
        for _ in range(reps):
            torch.matmul(a, b, out=out)
        secs.append((time.perf_counter() - t) / reps)
    s = statistics.median(secs)
    result("value", 2.0 * n ** 3 / s / 1e9, "GFLOP/s")
    result("us_per_call", s * 1e6, "us")
    result("calls_per_sample", reps)


def mlp(torch, opt_name, bs, data_dir):
    from torch import nn
    xtr, ytr, xte, yte = mnist(torch, data_dir)
    torch.manual_seed(0)
    model = nn.Sequential(nn.Flatten(), nn.Linear(784, 512), nn.ReLU(),
                          nn.Linear(512, 512), nn.ReLU(), nn.Linear(512, 10))
    opt = (torch.optim.SGD if opt_name == "sgd" else torch.optim.Adam)(model.parameters(), lr=1e-3)
    epoch(torch, model, opt, bs, xtr, ytr, xte, yte)


def cnn(torch, data_dir):
    """The tutorial CNN: conv32-pool-conv64-pool-fc128-fc10, Adam 1e-3, b64."""
    from torch import nn
    xtr, ytr, xte, yte = mnist(torch, data_dir)
    torch.manual_seed(0)
    model = nn.Sequential(
        nn.Conv2d(1, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(32, 64, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(64 * 7 * 7, 128), nn.ReLU(), nn.Linear(128, 10))
    epoch(torch, model, torch.optim.Adam(model.parameters(), lr=1e-3), 64, xtr, ytr, xte, yte)


def lstm(torch, data_dir):
    """LSTM(28, 128, batch_first) over the 28 rows of each image, the last
    step's output through Linear(128, 10); Adam 1e-3, b64."""
    from torch import nn
    xtr, ytr, xte, yte = mnist(torch, data_dir)
    xtr, xte = xtr.squeeze(1).contiguous(), xte.squeeze(1).contiguous()

    class RowLSTM(nn.Module):
        def __init__(self):
            super().__init__()
            self.lstm = nn.LSTM(28, 128, batch_first=True)
            self.fc = nn.Linear(128, 10)

        def forward(self, x):
            out, _ = self.lstm(x)
            return self.fc(out[:, -1, :])

    torch.manual_seed(0)
    model = RowLSTM()
    epoch(torch, model, torch.optim.Adam(model.parameters(), lr=1e-3), 64, xtr, ytr, xte, yte)


def epoch(torch, model, opt, bs, xtr, ytr, xte, yte):
    """Times one epoch (shuffled batches: gather, forward, loss, zero_grad,
    backward, step), then reports the test accuracy."""
    from torch import nn
    loss_fn = nn.CrossEntropyLoss()
    perm = torch.randperm(xtr.shape[0], generator=torch.Generator().manual_seed(1234))
    n = xtr.shape[0]
    t = time.perf_counter()
    for i in range(0, n, bs):
        idx = perm[i:i + bs]
        loss = loss_fn(model(xtr[idx]), ytr[idx])
        opt.zero_grad()
        loss.backward()
        opt.step()
    dt = time.perf_counter() - t
    result("value", dt, "s")
    result("last_loss", loss.item())
    model.eval()
    correct = 0
    with torch.no_grad():
        for i in range(0, xte.shape[0], 1000):
            correct += (model(xte[i:i + 1000]).argmax(1) == yte[i:i + 1000]).sum().item()
    result("acc", correct / xte.shape[0], "fraction")


def steps(torch, model, opt, x, y):
    from torch import nn
    loss_fn = nn.MSELoss()

    def run():
        t = time.perf_counter()
        for _ in range(1000):
            opt.zero_grad()
            loss = loss_fn(model(x), y)
            loss.backward()
            opt.step()
        return (time.perf_counter() - t) / 1000 * 1e6

    cold = run()
    result("value", statistics.median([run() for _ in range(5)]), "us")
    result("cold_us", cold, "us")


def tiny_adam(torch):
    from torch import nn
    torch.manual_seed(0)
    m = nn.Sequential(nn.Linear(10, 20), nn.ReLU(), nn.Linear(20, 2))
    steps(torch, m, torch.optim.Adam(m.parameters(), lr=0.01), torch.randn(10), torch.randn(2))


def tiny_sgd(torch):
    from torch import nn
    torch.manual_seed(0)
    x = torch.randn(10, 2)
    y = x @ torch.tensor([[2.0], [-3.0]]) + 0.5
    m = nn.Linear(2, 1)
    steps(torch, m, torch.optim.SGD(m.parameters(), lr=0.01), x, y)


def add10(torch):
    a, b = torch.randn(10), torch.randn(10)
    for _ in range(100000):  # the same warm-up as the nerve side
        a + b
    runs = []
    for _ in range(5):
        t = time.perf_counter()
        for _ in range(10000):
            a + b
        runs.append((time.perf_counter() - t) / 10000 * 1e6)
    result("value", statistics.median(runs), "us")


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--workload", help="workload name, as listed by go run ./bench -list")
    p.add_argument("--threads", type=int, default=1, help="torch and OpenBLAS threads")
    p.add_argument("--data", help="folder with the MNIST IDX files (gzipped or not)")
    p.add_argument("--version", action="store_true", help="print torch, python and BLAS versions")
    args = p.parse_args()
    if args.version:
        version()
        return
    torch = setup(args.threads)
    w = args.workload or ""
    m = re.fullmatch(r"gemm/N=(\d+)/\d+t", w)
    if m:
        gemm(torch, int(m.group(1)))
        return
    m = re.fullmatch(r"mlp/(adam|sgd)-b(\d+)", w)
    if m:
        if not args.data:
            sys.exit("mlp workloads need --data DIR")
        mlp(torch, m.group(1), int(m.group(2)), args.data)
        return
    if w in ("cnn/adam-b64", "lstm/adam-b64"):
        if not args.data:
            sys.exit("cnn and lstm workloads need --data DIR")
        (cnn if w.startswith("cnn") else lstm)(torch, args.data)
        return
    fn = {"tiny/mlp10-20-2-adam": tiny_adam, "tiny/linear2-1-sgd": tiny_sgd, "op/add10": add10}.get(w)
    if fn is None:
        sys.exit("unknown workload %r" % w)
    fn(torch)


if __name__ == "__main__":
    main()
