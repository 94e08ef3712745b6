package main

import (
	"fmt"
	"io"
	"time"

	"github.com/nervelab/nerve/bench/internal/peak"
	"github.com/nervelab/nerve/data/mnist"
	"github.com/nervelab/nerve/nn"
	"github.com/nervelab/nerve/optim"
	"github.com/nervelab/nerve/tensor"
)

// The nerve side of each workload. A workload prints its figures as
// "RESULT <key> <value> <unit>" lines, the same protocol as
// torch/workloads.py; the main figure has the key "value".

// timing holds the knobs of the timed loops; the test shrinks them.
type timing struct {
	minSample time.Duration // a gemm sample lasts at least this long
	samples   int           // gemm samples per process (the median is kept)
	steps     int           // tiny-model steps per run
	warmRuns  int           // warm runs of steps (the median is kept)
	opIters   int           // tiny-op calls per run
}

var fullTiming = timing{minSample: 200 * time.Millisecond, samples: 3, steps: 1000, warmRuns: 5, opIters: 10000}

func result(w io.Writer, key string, v float64, unit string) {
	fmt.Fprintf(w, "RESULT %s %.6g %s\n", key, v, unit)
}

// runNerve runs workload w in this process; the thread count was set by
// the parent through GOMAXPROCS.
func runNerve(out io.Writer, w workload, tm timing) error {
	switch w.kind {
	case kindGemm:
		nerveGemm(out, w.n, tm)
	case kindMLP:
		return nerveMLP(out, w.opt, w.batch)
	case kindCNN:
		return nerveCNN(out)
	case kindLSTM:
		return nerveLSTM(out)
	case kindTinyAdam:
		nerveTinyAdam(out, tm)
	case kindTinySGD:
		nerveTinySGD(out, tm)
	case kindAdd:
		nerveAdd10(out, tm)
	default:
		return fmt.Errorf("workload %s: unknown kind", w.name)
	}
	return nil
}

// nerveGemm times tensor.MatMulInto(c, a, b) on contiguous float32 N×N
// matrices, as the PyTorch side times torch.matmul(a, b, out=c): after two
// warm-up calls, samples of enough calls to last minSample each.
func nerveGemm(out io.Writer, n int, tm timing) {
	g := tensor.NewGenerator(0)
	a, b, c := g.Randn(n, n), g.Randn(n, n), tensor.Zeros(n, n)
	tensor.MatMulInto(c, a, b)
	t := time.Now()
	tensor.MatMulInto(c, a, b)
	one := time.Since(t)
	reps := max(1, int(tm.minSample/max(one, time.Nanosecond)))
	secs := make([]float64, tm.samples)
	for i := range secs {
		t := time.Now()
		for range reps {
			tensor.MatMulInto(c, a, b)
		}
		secs[i] = time.Since(t).Seconds() / float64(reps)
	}
	s := peak.Median(secs)
	result(out, "value", 2*float64(n)*float64(n)*float64(n)/s/1e9, "GFLOP/s")
	result(out, "us_per_call", s*1e6, "us")
	result(out, "calls_per_sample", float64(reps), "")
}

// nerveMLP trains the quickstart MLP (Flatten, 784-512-512-10, ReLU,
// CrossEntropy, lr 1e-3) for one epoch on real MNIST and evaluates it on
// the test set.
func nerveMLP(out io.Writer, opt string, bs int) error {
	tensor.ManualSeed(0)
	model := nn.NewSequential(nn.NewFlatten(), nn.NewLinear(784, 512), nn.ReLU{},
		nn.NewLinear(512, 512), nn.ReLU{}, nn.NewLinear(512, 10))
	var o optim.Optimizer
	switch opt {
	case "adam":
		o = optim.NewAdam(nn.Parameters(model), optim.AdamConfig{LR: 1e-3})
	case "sgd":
		o = optim.NewSGD(nn.Parameters(model), optim.SGDConfig{LR: 1e-3})
	default:
		return fmt.Errorf("unknown optimizer %q", opt)
	}
	return mnistEpoch(out, model, o, bs)
}

// nerveCNN trains the tutorial CNN (conv32-pool-conv64-pool-fc128-fc10)
// with Adam (lr 1e-3, batch 64) for one epoch.
func nerveCNN(out io.Writer) error {
	tensor.ManualSeed(0)
	model := nn.NewSequential(
		nn.NewConv2d(1, 32, 3, nn.Padding(1)), nn.ReLU{}, nn.NewMaxPool2d(2),
		nn.NewConv2d(32, 64, 3, nn.Padding(1)), nn.ReLU{}, nn.NewMaxPool2d(2),
		nn.NewFlatten(), nn.NewLinear(64*7*7, 128), nn.ReLU{}, nn.NewLinear(128, 10))
	return mnistEpoch(out, model, optim.NewAdam(nn.Parameters(model), optim.AdamConfig{LR: 1e-3}), 64)
}

// rowLSTM is LSTM(28, 128, batch_first) over the 28 rows of each image,
// the last step's output through Linear(128, 10).
type rowLSTM struct {
	LSTM *nn.LSTM
	FC   *nn.Linear
}

func (m *rowLSTM) Forward(x *tensor.Tensor) *tensor.Tensor {
	out := m.LSTM.Forward(x.Reshape(-1, 28, 28))
	return m.FC.Forward(out.Narrow(1, 27, 1).Squeeze(1))
}

// nerveLSTM trains rowLSTM with Adam (lr 1e-3, batch 64) for one epoch.
func nerveLSTM(out io.Writer) error {
	tensor.ManualSeed(0)
	model := &rowLSTM{LSTM: nn.NewLSTM(28, 128, nn.BatchFirst()), FC: nn.NewLinear(128, 10)}
	return mnistEpoch(out, model, optim.NewAdam(nn.Parameters(model), optim.AdamConfig{LR: 1e-3}), 64)
}

// mnistEpoch trains model for one epoch on real MNIST (normalised as the
// PyTorch side normalises) and evaluates it on the test set. The timed
// loop is PyTorch's: gather the batch by shuffled index, forward, loss,
// zero_grad, backward, step (Backward frees the step's activations, as
// fit's loop does and PyTorch's does when its references go).
func mnistEpoch(out io.Writer, model nn.Module, o optim.Optimizer, bs int) error {
	train, test, err := mnist.Load(mnist.DefaultDir())
	if err != nil {
		return err
	}
	train.Normalized, test.Normalized = true, true
	perm := tensor.NewGenerator(1234).Perm(train.Len())
	n := len(perm)
	var loss *tensor.Tensor
	t := time.Now()
	for i := 0; i < n; i += bs {
		x, y := train.Batch(perm[i:min(i+bs, n)])
		loss = nn.CrossEntropyLoss(model.Forward(x), y)
		o.ZeroGrad()
		loss.Backward(tensor.FreeActivations()) // as fit does
		o.Step()
		x.Release() // as fit does (Loader.Release): the next batch reuses the memory
		y.Release()
	}
	dt := time.Since(t).Seconds()
	result(out, "value", dt, "s")
	result(out, "last_loss", float64(loss.Item()), "")
	result(out, "acc", evaluate(model, test), "fraction")
	return nil
}

func evaluate(model nn.Module, test *mnist.Set) float64 {
	nn.Eval(model) // model.eval()
	correct := 0
	tensor.NoGrad(func() {
		for i := 0; i < test.Len(); i += 1000 {
			idx := make([]int, 0, 1000)
			for j := i; j < min(i+1000, test.Len()); j++ {
				idx = append(idx, j)
			}
			x, y := test.Batch(idx)
			pred, want := model.Forward(x).ArgMax(1).Int64s(), y.Int64s()
			for k := range pred {
				if pred[k] == want[k] {
					correct++
				}
			}
		}
	})
	return float64(correct) / float64(test.Len())
}

// stepTimes runs step tm.steps times cold, then tm.warmRuns more times,
// and reports the median warm µs per step (and the cold one).
func stepTimes(out io.Writer, tm timing, step func()) {
	run := func() float64 {
		t := time.Now()
		for range tm.steps {
			step()
		}
		return time.Since(t).Seconds() / float64(tm.steps) * 1e6
	}
	cold := run()
	warm := make([]float64, tm.warmRuns)
	for i := range warm {
		warm[i] = run()
	}
	result(out, "value", peak.Median(warm), "us")
	result(out, "cold_us", cold, "us")
}

type mlp10 struct{ FC1, FC2 *nn.Linear }

func (m *mlp10) Forward(x *tensor.Tensor) *tensor.Tensor {
	return m.FC2.Forward(m.FC1.Forward(x).ReLU())
}

// nerveTinyAdam is Linear(10,20), ReLU, Linear(20,2), MSE, Adam lr 0.01 on
// one input vector of 10.
func nerveTinyAdam(out io.Writer, tm timing) {
	g := tensor.NewGenerator(0)
	m := &mlp10{nn.NewLinear(10, 20, nn.WithGenerator(g)), nn.NewLinear(20, 2, nn.WithGenerator(g))}
	opt := optim.NewAdam(nn.Parameters(m), optim.AdamConfig{LR: 0.01})
	x, y := g.Randn(10), g.Randn(2)
	stepTimes(out, tm, func() {
		opt.ZeroGrad()
		nn.MSELoss(m.Forward(x), y).Backward()
		opt.Step()
	})
}

// nerveTinySGD is Linear(2,1) on a batch of 10×2, MSE, SGD lr 0.01.
func nerveTinySGD(out io.Writer, tm timing) {
	g := tensor.NewGenerator(0)
	m := nn.NewLinear(2, 1, nn.WithGenerator(g))
	opt := optim.NewSGD(nn.Parameters(m), optim.SGDConfig{LR: 0.01})
	x := g.Randn(10, 2)
	y := x.MatMul(tensor.New([]float32{2, -3}, 2, 1)).AddScalar(0.5)
	stepTimes(out, tm, func() {
		opt.ZeroGrad()
		nn.MSELoss(m.Forward(x), y).Backward()
		opt.Step()
	})
}

// nerveAdd10 is a.Add(b) on two 10-element tensors, no graph: 1000
// warm-up calls, then the median of tm.warmRuns runs of tm.opIters calls.
func nerveAdd10(out io.Writer, tm timing) {
	g := tensor.NewGenerator(0)
	a, b := g.Randn(10), g.Randn(10)
	// Warm up until the heap is in its steady state (a few collections,
	// the first touches of its pages done): 100,000 results are 32 MB.
	for range 100000 {
		a.Add(b)
	}
	runs := make([]float64, tm.warmRuns)
	for i := range runs {
		t := time.Now()
		for range tm.opIters {
			a.Add(b)
		}
		runs[i] = time.Since(t).Seconds() / float64(tm.opIters) * 1e6
	}
	result(out, "value", peak.Median(runs), "us")
}
