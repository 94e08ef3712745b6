package fit

import (
	"bytes"
	"context"
	"errors"
	"io"
	"math"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/nervelab/nerve/data"
	"github.com/nervelab/nerve/internal/atomicfile"
	"github.com/nervelab/nerve/nn"
	"github.com/nervelab/nerve/optim"
	"github.com/nervelab/nerve/optim/sched"
	"github.com/nervelab/nerve/tensor"
)

// blobs returns n points of 3 Gaussian clusters in 4-D with their class.
func blobs(n int, seed uint64) *data.TensorDataset {
	g := tensor.NewGenerator(seed)
	x := g.Randn(n, 4).Data()
	y := make([]int64, n)
	for i := range y {
		y[i] = int64(g.Intn(3))
		x[i*4+int(y[i])] += 3
	}
	ds, err := data.NewTensorDataset(tensor.New(x, n, 4), tensor.FromInt64(y))
	if err != nil {
		panic(err)
	}
	return ds
}

// net is a small classifier with dropout, so the random generator's
// state matters to resuming.
type net struct {
	FC1  *nn.Linear
	Drop *nn.Dropout
	FC2  *nn.Linear
}

func newNet(seed uint64) *net {
	g := tensor.NewGenerator(seed)
	return &net{
		FC1:  nn.NewLinear(4, 16, nn.WithGenerator(g)),
		Drop: nn.NewDropout(0.2),
		FC2:  nn.NewLinear(16, 3, nn.WithGenerator(g)),
	}
}

func (m *net) Forward(x *tensor.Tensor) *tensor.Tensor {
	return m.FC2.Forward(m.Drop.Forward(m.FC1.Forward(x).ReLU()))
}

func adam(m any) optim.Optimizer {
	return optim.NewAdam(nn.Parameters(m), optim.AdamConfig{LR: 0.01})
}

func TestFitLearnsAndRecordsHistory(t *testing.T) {
	train := data.NewLoader(blobs(300, 1), data.Batch(32), data.Shuffle(1))
	val := data.NewLoader(blobs(150, 2), data.Batch(64))
	m := newNet(1)
	var out bytes.Buffer
	h, err := Fit(m, train, Options{
		Epochs: 5, Loss: nn.CrossEntropyLoss, Optimizer: adam(m), Validate: val,
		Metrics: []Metric{Accuracy(), TopK(2)}, Progress: &out,
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(h.Epochs) != 5 {
		t.Fatalf("%d epochs recorded", len(h.Epochs))
	}
	loss := h.Series("loss")
	if !(loss[4] < loss[0]) {
		t.Fatalf("loss did not fall: %v", loss)
	}
	if acc := h.Last()["val_accuracy"]; acc < 0.9 {
		t.Fatalf("val accuracy %.3f < 0.9 on separable blobs", acc)
	}
	for _, k := range []string{"loss", "accuracy", "top2_accuracy", "val_loss", "val_accuracy", "val_top2_accuracy"} {
		if !h.Has(k) {
			t.Errorf("history lacks %q", k)
		}
	}
	e := h.Epochs[0]
	if e.Samples != 300 || e.LR != 0.01 || e.Seconds <= 0 || e.Epoch != 1 {
		t.Fatalf("epoch record %+v", e)
	}
	// Not a terminal: one plain line per epoch, no carriage returns.
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 5 || strings.Contains(out.String(), "\r") {
		t.Fatalf("progress output:\n%q", out.String())
	}
	if !strings.HasPrefix(lines[2], "epoch 3/5  loss ") || !strings.Contains(lines[2], "val_accuracy ") || !strings.Contains(lines[2], "samples/s") {
		t.Fatalf("epoch line %q", lines[2])
	}
	// Training mode is back on after validation.
	if !m.Drop.Training() {
		t.Fatal("model left in eval mode")
	}
}

func TestLiveProgressBar(t *testing.T) {
	forceLive = true
	defer func() { forceLive = false }()
	m := newNet(1)
	var out bytes.Buffer
	_, err := Fit(m, data.NewLoader(blobs(64, 1), data.Batch(8)), Options{Epochs: 2, Loss: nn.CrossEntropyLoss, Optimizer: adam(m), Progress: &out})
	if err != nil {
		t.Fatal(err)
	}
	s := out.String()
	if !strings.Contains(s, "\r") || !strings.Contains(s, "/8") || strings.Count(s, "epoch 2/2  loss ") < 1 {
		t.Fatalf("live output:\n%q", s)
	}
}

// sameWeights fails unless a and b hold identical values, bit for bit.
func sameWeights(t *testing.T, a, b any) {
	t.Helper()
	state := func(m any) map[string]*tensor.Tensor {
		if s, ok := m.(map[string]*tensor.Tensor); ok {
			return s
		}
		return nn.StateDict(m)
	}
	sa, sb := state(a), state(b)
	if len(sa) == 0 || len(sa) != len(sb) {
		t.Fatalf("state dicts of %d and %d tensors", len(sa), len(sb))
	}
	for k, ta := range sa {
		da, db := ta.Data(), sb[k].Data()
		for i := range da {
			if math.Float32bits(da[i]) != math.Float32bits(db[i]) {
				t.Fatalf("%s[%d]: %v != %v", k, i, da[i], db[i])
			}
		}
	}
}

// setup builds the same training run: model, optimizer, schedule, loader.
func setup(modelSeed uint64) (*net, optim.Optimizer, Schedule, *data.Loader) {
	m := newNet(modelSeed)
	opt := adam(m)
	s := sched.NewStepLR(opt, sched.StepConfig{StepSize: 2, Gamma: 0.5})
	l := data.NewLoader(blobs(200, 3), data.Batch(16), data.Shuffle(9), data.Workers(2))
	return m, opt, s, l
}

func TestResumeEqualsUninterrupted(t *testing.T) {
	dir := t.TempDir()
	tensor.ManualSeed(42)
	ref, opt, s, l := setup(1)
	full, err := Fit(ref, l, Options{Epochs: 4, Loss: nn.CrossEntropyLoss, Optimizer: opt, Schedule: s, Metrics: []Metric{Accuracy()}})
	if err != nil {
		t.Fatal(err)
	}

	// Stop after two epochs, then resume into a model built differently.
	ck := filepath.Join(dir, "a.ckpt")
	tensor.ManualSeed(42)
	m, opt, s, l := setup(1)
	if _, err := Fit(m, l, Options{Epochs: 2, Loss: nn.CrossEntropyLoss, Optimizer: opt, Schedule: s, Metrics: []Metric{Accuracy()}, Checkpoint: ck}); err != nil {
		t.Fatal(err)
	}
	tensor.ManualSeed(7) // the checkpoint must restore the generator
	m2, opt2, s2, l2 := setup(99)
	h, err := Fit(m2, l2, Options{Epochs: 4, Loss: nn.CrossEntropyLoss, Optimizer: opt2, Schedule: s2, Metrics: []Metric{Accuracy()}, Checkpoint: ck, Resume: true})
	if err != nil {
		t.Fatal(err)
	}
	sameWeights(t, ref, m2)
	if !slices.Equal(h.Series("loss"), full.Series("loss")) || !slices.Equal(h.Series("accuracy"), full.Series("accuracy")) {
		t.Fatalf("histories differ:\n%v\n%v", h.Series("loss"), full.Series("loss"))
	}
	if opt2.LR() != opt.LR()/2 && opt2.LR() != 0.0025 {
		t.Fatalf("schedule not restored: lr %v", opt2.LR())
	}

	// Interrupt in the middle of epoch 2 (Ctrl-C), then resume.
	ck = filepath.Join(dir, "b.ckpt")
	tensor.ManualSeed(42)
	m, opt, s, l = setup(1)
	ctx, cancel := context.WithCancel(context.Background())
	calls := 0
	loss := func(p, y *tensor.Tensor) *tensor.Tensor {
		if calls++; calls == 13+5 { // 13 batches per epoch
			cancel()
		}
		return nn.CrossEntropyLoss(p, y)
	}
	_, err = Fit(m, l, Options{Epochs: 4, Loss: loss, Optimizer: opt, Schedule: s, Metrics: []Metric{Accuracy()}, Checkpoint: ck, Context: ctx})
	if !errors.Is(err, ErrInterrupted) || !strings.Contains(err.Error(), "epoch 2, batch 5") {
		t.Fatalf("interrupt: %v", err)
	}
	tensor.ManualSeed(7)
	m3, opt3, s3, l3 := setup(5)
	h, err = Fit(m3, l3, Options{Epochs: 4, Loss: nn.CrossEntropyLoss, Optimizer: opt3, Schedule: s3, Metrics: []Metric{Accuracy()}, Checkpoint: ck, Resume: true})
	if err != nil {
		t.Fatal(err)
	}
	sameWeights(t, ref, m3)
	if !slices.Equal(h.Series("loss"), full.Series("loss")) {
		t.Fatalf("histories differ after a mid-epoch resume:\n%v\n%v", h.Series("loss"), full.Series("loss"))
	}
}

func TestResumeRefusesAnotherRun(t *testing.T) {
	dir := t.TempDir()
	ck := filepath.Join(dir, "c.ckpt")
	m, opt, _, l := setup(1)
	if _, err := Fit(m, l, Options{Epochs: 1, Loss: nn.CrossEntropyLoss, Optimizer: opt, Checkpoint: ck}); err != nil {
		t.Fatal(err)
	}
	other := &struct{ *nn.Linear }{nn.NewLinear(4, 3)}
	_, err := Fit(other.Linear, l, Options{Epochs: 2, Loss: nn.CrossEntropyLoss, Optimizer: adam(other.Linear), Checkpoint: ck, Resume: true})
	if err == nil || !strings.Contains(err.Error(), "model") {
		t.Fatalf("wrong model accepted: %v", err)
	}
	m2, opt2, _, _ := setup(1)
	l2 := data.NewLoader(blobs(200, 3), data.Batch(50))
	if _, err := Fit(m2, l2, Options{Epochs: 2, Loss: nn.CrossEntropyLoss, Optimizer: opt2, Checkpoint: ck, Resume: true}); err == nil || !strings.Contains(err.Error(), "batches per epoch") {
		t.Fatalf("other batch size accepted: %v", err)
	}
	if _, err := Fit(m2, l2, Options{Loss: nn.CrossEntropyLoss, Optimizer: opt2, Checkpoint: filepath.Join(dir, "none"), Resume: true}); err == nil || !strings.Contains(err.Error(), "none") {
		t.Fatalf("missing checkpoint: %v", err)
	}
}

func TestFailedCheckpointKeepsTheOldOne(t *testing.T) {
	ck := filepath.Join(t.TempDir(), "d.ckpt")
	m, opt, s, l := setup(1)
	if _, err := Fit(m, l, Options{Epochs: 1, Loss: nn.CrossEntropyLoss, Optimizer: opt, Schedule: s, Checkpoint: ck}); err != nil {
		t.Fatal(err)
	}
	after1 := map[string]*tensor.Tensor{}
	for k, v := range nn.StateDict(m) {
		after1[k] = v.Clone()
	}
	atomicfile.Hook = func(w io.Writer) io.Writer { return atomicfile.FailAfter(w, 1000) }
	_, err := Fit(m, l, Options{Epochs: 2, Loss: nn.CrossEntropyLoss, Optimizer: opt, Schedule: s, Checkpoint: ck, Resume: true})
	atomicfile.Hook = nil
	if err == nil || !strings.Contains(err.Error(), "disk full") {
		t.Fatalf("failing writer: %v", err)
	}
	m2, opt2, s2, l2 := setup(3)
	h, err := Fit(m2, l2, Options{Epochs: 1, Loss: nn.CrossEntropyLoss, Optimizer: opt2, Schedule: s2, Checkpoint: ck, Resume: true})
	if err != nil {
		t.Fatalf("old checkpoint unreadable: %v", err)
	}
	if len(h.Epochs) != 1 {
		t.Fatalf("old checkpoint holds %d epochs, want 1", len(h.Epochs))
	}
	sameWeights(t, after1, nn.StateDict(m2))
}

func TestNonFiniteLossStops(t *testing.T) {
	ck := filepath.Join(t.TempDir(), "e.ckpt")
	m, opt, _, l := setup(1)
	calls := 0
	loss := func(p, y *tensor.Tensor) *tensor.Tensor {
		l := nn.CrossEntropyLoss(p, y)
		if calls++; calls == 13+3 {
			return l.MulScalar(float32(math.NaN()))
		}
		return l
	}
	h, err := Fit(m, l, Options{Epochs: 3, Loss: loss, Optimizer: opt, Checkpoint: ck})
	var nf *NonFiniteError
	if !errors.As(err, &nf) || nf.Epoch != 2 || nf.Batch != 3 || nf.Saved != 1 || nf.Checkpoint != ck {
		t.Fatalf("error %v", err)
	}
	if !strings.Contains(err.Error(), "loss is NaN at epoch 2, batch 3") {
		t.Fatalf("message %q", err)
	}
	if len(h.Epochs) != 1 {
		t.Fatalf("history has %d epochs", len(h.Epochs))
	}
	m2, opt2, _, l2 := setup(2)
	if _, err := Fit(m2, l2, Options{Epochs: 1, Loss: nn.CrossEntropyLoss, Optimizer: opt2, Checkpoint: ck, Resume: true}); err != nil {
		t.Fatalf("checkpoint after NaN: %v", err)
	}
	for _, p := range nn.Parameters(m2) {
		for _, v := range p.Data() {
			if math.IsNaN(float64(v)) {
				t.Fatal("NaN weight in the kept checkpoint")
			}
		}
	}
}

func TestEarlyStoppingAndPlateau(t *testing.T) {
	m, _, _, l := setup(1)
	m.Drop.P = 0
	opt := optim.NewSGD(nn.Parameters(m), optim.SGDConfig{LR: 1e-9})
	plateau := sched.NewReduceLROnPlateau(opt, sched.PlateauConfig{NoPatience: true, Factor: 0.5, Eps: optim.Zero})
	val := data.NewLoader(blobs(50, 4), data.Batch(50))
	var out bytes.Buffer
	h, err := Fit(m, l, Options{Epochs: 10, Loss: nn.CrossEntropyLoss, Optimizer: opt, Schedule: plateau,
		Validate: val, Early: &EarlyStopping{Patience: 1, MinDelta: 1e-3}, Progress: &out})
	if err != nil {
		t.Fatal(err)
	}
	if len(h.Epochs) != 3 || !strings.Contains(h.StopReason, "val_loss has not improved") {
		t.Fatalf("%d epochs, stop reason %q", len(h.Epochs), h.StopReason)
	}
	if !strings.Contains(out.String(), "early stopping") {
		t.Fatalf("output %q", out.String())
	}
	if lr := opt.LR(); math.Abs(lr-1e-9/4) > 1e-18 {
		t.Fatalf("plateau lr %g, want %g after two bad epochs", lr, 1e-9/4)
	}
}

func TestPerBatchScheduleAndClipping(t *testing.T) {
	m, _, _, l := setup(1)
	opt := optim.NewSGD(nn.Parameters(m), optim.SGDConfig{LR: 0.1})
	oc := sched.NewOneCycleLR(opt, sched.OneCycleConfig{MaxLR: 0.1, TotalSteps: 2*l.Len() + 1})
	if _, err := Fit(m, l, Options{Epochs: 2, Loss: nn.CrossEntropyLoss, Optimizer: opt, Schedule: oc}); err != nil {
		t.Fatal(err)
	}
	if lr := opt.LR(); lr > 1e-5 {
		t.Fatalf("one-cycle ended at lr %g: not stepped per batch", lr)
	}
	m = newNet(2)
	before := nn.StateDict(m)["fc1.weight"].Clone().Data()
	opt = optim.NewSGD(nn.Parameters(m), optim.SGDConfig{LR: 1})
	one := data.NewLoader(blobs(16, 5), data.Batch(16))
	if _, err := Fit(m, one, Options{Loss: nn.CrossEntropyLoss, Optimizer: opt, ClipValue: 1e-3}); err != nil {
		t.Fatal(err)
	}
	for i, v := range nn.StateDict(m)["fc1.weight"].Data() {
		if d := math.Abs(float64(v - before[i])); d > 1.0001e-3 {
			t.Fatalf("weight moved %g with gradients clipped to 1e-3 and lr 1", d)
		}
	}
}

func TestShapeMismatchIsAnError(t *testing.T) {
	m := nn.NewLinear(5, 3) // the data has 4 features
	_, err := Fit(m, data.NewLoader(blobs(20, 1), data.Batch(10)), Options{Loss: nn.CrossEntropyLoss, Optimizer: adam(m)})
	if err == nil || !strings.Contains(err.Error(), "epoch 1, batch 1") {
		t.Fatalf("error %v", err)
	}
	if _, err := Fit(m, data.NewLoader(blobs(2, 1)), Options{Loss: nn.CrossEntropyLoss}); err == nil {
		t.Fatal("no optimizer accepted")
	}
}

func TestMetrics(t *testing.T) {
	pred := tensor.New([]float32{
		0.1, 0.7, 0.2, // argmax 1
		0.5, 0.2, 0.3, // argmax 0
		0.2, 0.3, 0.5, // argmax 2
		0.4, 0.35, 0.25, // argmax 0
	}, 4, 3)
	y := tensor.FromInt64([]int64{1, 2, 2, 1})
	check := func(m Metric, want float64) {
		t.Helper()
		s, c := m.Measure(pred, y)
		if got := m.Result(s, c); math.Abs(got-want) > 1e-6 {
			t.Errorf("%s = %v, want %v", m.Name(), got, want)
		}
	}
	check(Accuracy(), 0.5)
	check(TopK(2), 1) // row 2: class 2 (0.3) is second; row 4: class 1 (0.35) is second
	check(TopK(3), 1)
	p := tensor.New([]float32{1, 2, 3, 5}, 4, 1)
	target := tensor.New([]float32{1, 1, 1, 1})
	for _, c := range []struct {
		m    Metric
		want float64
	}{{MSE(), (0 + 1 + 4 + 16) / 4.0}, {MAE(), (0 + 1 + 2 + 4) / 4.0}, {RMSE(), math.Sqrt(21 / 4.0)}} {
		s, n := c.m.Measure(p, target)
		if got := c.m.Result(s, n); math.Abs(got-c.want) > 1e-6 {
			t.Errorf("%s = %v, want %v", c.m.Name(), got, c.want)
		}
	}
	err := tensor.Catch(func() { Accuracy().Measure(pred, tensor.FromInt64([]int64{1, 2})) })
	if err == nil || !strings.Contains(err.Error(), "accuracy") {
		t.Errorf("mismatched batch: %v", err)
	}
	err = tensor.Catch(func() { Accuracy().Measure(pred, tensor.FromInt64([]int64{1, 2, 3, 0})) })
	if err == nil || !strings.Contains(err.Error(), "class 3 out of range") {
		t.Errorf("bad class: %v", err)
	}
}

// fixed is a "model" that returns the rows of a fixed score table.
type fixed struct{ scores *tensor.Tensor }

func (f fixed) Forward(x *tensor.Tensor) *tensor.Tensor {
	idx := make([]int64, x.Shape()[0])
	for i, v := range x.Data() {
		idx[i] = int64(v)
	}
	return f.scores.IndexSelect(0, tensor.FromInt64(idx))
}

func TestConfusionAndEvaluate(t *testing.T) {
	scores := tensor.New([]float32{9, 0, 0, 0, 9, 0, 0, 9, 0, 0, 0, 9}, 4, 3) // predicts 0, 1, 1, 2
	ds, _ := data.NewTensorDataset(tensor.New([]float32{0, 1, 2, 3}, 4, 1), tensor.FromInt64([]int64{0, 1, 2, 2}))
	l := data.NewLoader(ds, data.Batch(3))
	c, err := ConfusionMatrix(fixed{scores}, l, []string{"a", "b", "c"})
	if err != nil {
		t.Fatal(err)
	}
	want := [][]int{{1, 0, 0}, {0, 1, 0}, {0, 1, 1}}
	for i := range want {
		if !slices.Equal(c.Counts[i], want[i]) {
			t.Fatalf("confusion %v, want %v", c.Counts, want)
		}
	}
	if c.Accuracy() != 0.75 || !strings.Contains(c.String(), "predicted") {
		t.Fatalf("accuracy %v\n%s", c.Accuracy(), c)
	}
	scores4 := map[string]float64{}
	scores4, err = Evaluate(fixed{scores}, l, nn.CrossEntropyLoss, Accuracy())
	if err != nil || scores4["accuracy"] != 0.75 || !(scores4["loss"] > 0) {
		t.Fatalf("Evaluate = %v, %v", scores4, err)
	}
	if _, err := ConfusionMatrix(fixed{scores}, l, []string{"a", "b"}); err == nil {
		t.Fatal("two class names for three scores accepted")
	}
}

func TestFindLR(t *testing.T) {
	m := newNet(1)
	m.Drop.P = 0
	before := nn.StateDict(m)["fc1.weight"].Clone()
	opt := optim.NewSGD(nn.Parameters(m), optim.SGDConfig{LR: 0.05})
	l := data.NewLoader(blobs(512, 6), data.Batch(16), data.Shuffle(1))
	res, err := FindLR(m, l, LRFind{Loss: nn.CrossEntropyLoss, Optimizer: opt, Start: 1e-5, End: 100, Steps: 100})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.LRs) < 50 || res.LRs[0] != 1e-5 || len(res.Losses) != len(res.LRs) {
		t.Fatalf("sweep of %d steps from %g (%s)", len(res.LRs), res.LRs[0], res.Stopped)
	}
	if !(res.Suggested > 1e-3 && res.Suggested < 10) {
		t.Fatalf("suggested rate %g", res.Suggested)
	}
	sameWeights(t, map[string]*tensor.Tensor{"w": before}, map[string]*tensor.Tensor{"w": nn.StateDict(m)["fc1.weight"]})
	if opt.LR() != 0.05 {
		t.Fatalf("optimizer rate %g not restored", opt.LR())
	}
}
