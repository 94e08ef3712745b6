package data

import (
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/nervelab/nerve/tensor"
)

// counting is a dataset without a fast path: x = [i, -i], y = i (int64).
type counting int

func (c counting) Len() int { return int(c) }
func (c counting) Item(i int) (x, y *tensor.Tensor) {
	if i < 0 || i >= int(c) {
		panic("counting: index out of range")
	}
	return tensor.New([]float32{float32(i), -float32(i)}), tensor.FromInt64([]int64{int64(i)}, []int{}...)
}

func ramp(n, w int) []float32 {
	out := make([]float32, n*w)
	for i := range out {
		out[i] = float32(i)
	}
	return out
}

func TestTensorDatasetItemAndBatch(t *testing.T) {
	x := tensor.New(ramp(5, 6), 5, 2, 3)
	y := tensor.FromInt64([]int64{10, 11, 12, 13, 14}, 5)
	ds, err := NewTensorDataset(x, y)
	if err != nil {
		t.Fatal(err)
	}
	xi, yi := ds.Item(3)
	if !slices.Equal(xi.Shape(), []int{2, 3}) || len(yi.Shape()) != 0 {
		t.Fatalf("Item shapes %v %v, want [2 3] and []", xi.Shape(), yi.Shape())
	}
	if !slices.Equal(xi.Data(), ramp(5, 6)[18:24]) || yi.Int64s()[0] != 13 {
		t.Fatalf("Item(3) = %v %v", xi.Data(), yi.Int64s())
	}
	xb, yb := ds.Batch([]int{4, 0})
	if !slices.Equal(xb.Shape(), []int{2, 2, 3}) || !slices.Equal(yb.Int64s(), []int64{14, 10}) {
		t.Fatalf("Batch = %v %v", xb.Shape(), yb.Int64s())
	}
	if !slices.Equal(xb.Data()[:6], ramp(5, 6)[24:30]) {
		t.Fatalf("Batch x = %v", xb.Data()[:6])
	}
	// Float targets with a shape.
	ds2, err := NewTensorDataset(tensor.New(ramp(3, 1), 3, 1), tensor.New(ramp(3, 2), 3, 2))
	if err != nil {
		t.Fatal(err)
	}
	_, y2 := ds2.Batch([]int{2})
	if !slices.Equal(y2.Shape(), []int{1, 2}) || !slices.Equal(y2.Data(), []float32{4, 5}) {
		t.Fatalf("float targets %v %v", y2.Shape(), y2.Data())
	}
}

func TestTensorDatasetErrors(t *testing.T) {
	cases := []struct {
		x, y *tensor.Tensor
		want string
	}{
		{tensor.Zeros(3, 2), tensor.Zeros(4), "3 inputs (shape [3 2]) but 4 targets"},
		{tensor.Scalar(1), tensor.Zeros(1), "need a first (example) dimension"},
		{tensor.FromInt64([]int64{1, 2}), tensor.Zeros(2), "inputs must be float32"},
	}
	for _, c := range cases {
		_, err := NewTensorDataset(c.x, c.y)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("error %v, want it to contain %q", err, c.want)
		}
	}
	ds, _ := NewTensorDataset(tensor.Zeros(2, 1), tensor.Zeros(2))
	err := tensor.Catch(func() { ds.Item(2) })
	if err == nil || !strings.Contains(err.Error(), "index 2 out of range for 2 examples") {
		t.Errorf("out-of-range Item: %v", err)
	}
}

func TestCollateStacksItems(t *testing.T) {
	x, y := Collate(counting(5), []int{1, 4})
	if !slices.Equal(x.Shape(), []int{2, 2}) || !slices.Equal(x.Data(), []float32{1, -1, 4, -4}) {
		t.Fatalf("x = %v %v", x.Shape(), x.Data())
	}
	if !slices.Equal(y.Shape(), []int{2}) || !slices.Equal(y.Int64s(), []int64{1, 4}) {
		t.Fatalf("y = %v %v", y.Shape(), y.Int64s())
	}
}

// labels runs one epoch and returns the targets in delivery order and the
// batch sizes.
func labels(l *Loader) (got []int64, sizes []int) {
	for _, y := range l.All() {
		got = append(got, y.Int64s()...)
		sizes = append(sizes, y.Shape()[0])
	}
	return got, sizes
}

func TestLoaderBatchesAndDropLast(t *testing.T) {
	l := NewLoader(counting(10), Batch(4))
	got, sizes := labels(l)
	if !slices.Equal(sizes, []int{4, 4, 2}) || l.Len() != 3 || l.NumSamples() != 10 {
		t.Fatalf("sizes %v, Len %d", sizes, l.Len())
	}
	if !slices.Equal(got, []int64{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}) {
		t.Fatalf("unshuffled order %v", got)
	}
	l = NewLoader(counting(10), Batch(4), DropLast())
	_, sizes = labels(l)
	if !slices.Equal(sizes, []int{4, 4}) || l.Len() != 2 || l.NumSamples() != 8 {
		t.Fatalf("drop-last sizes %v, Len %d", sizes, l.Len())
	}
	if NewLoader(counting(0), Batch(3)).Len() != 0 {
		t.Fatal("empty dataset has batches")
	}
}

func TestShuffleIsSeededPerEpoch(t *testing.T) {
	a := NewLoader(counting(50), Batch(8), Shuffle(7))
	b := NewLoader(counting(50), Batch(8), Shuffle(7))
	a0, _ := labels(a)
	a1, _ := labels(a)
	b0, _ := labels(b)
	if !slices.Equal(a0, b0) {
		t.Fatal("same seed, different orders")
	}
	if slices.Equal(a0, a1) {
		t.Fatal("epochs 0 and 1 have the same order")
	}
	sorted := slices.Clone(a0)
	slices.Sort(sorted)
	for i, v := range sorted {
		if v != int64(i) {
			t.Fatalf("epoch is not a permutation: %v", a0)
		}
	}
	b.SetEpoch(1)
	if b1, _ := labels(b); !slices.Equal(a1, b1) {
		t.Fatal("SetEpoch(1) does not reproduce epoch 1")
	}
	c := NewLoader(counting(50), Batch(8), Shuffle(8))
	if c0, _ := labels(c); slices.Equal(a0, c0) {
		t.Fatal("seeds 7 and 8 give the same order")
	}
}

func TestWorkersDeliverInOrder(t *testing.T) {
	for _, w := range []int{1, 2, 5} {
		seq := NewLoader(counting(103), Batch(7), Shuffle(3))
		par := NewLoader(counting(103), Batch(7), Shuffle(3), Workers(w), Prefetch(3))
		for e := 0; e < 2; e++ {
			s, ss := labels(seq)
			p, ps := labels(par)
			if !slices.Equal(s, p) || !slices.Equal(ss, ps) {
				t.Fatalf("workers %d epoch %d: order differs", w, e)
			}
		}
	}
}

func TestEarlyBreakStopsWorkers(t *testing.T) {
	before := runtime.NumGoroutine()
	l := NewLoader(counting(1000), Batch(2), Workers(4))
	n := 0
	for range l.All() {
		if n++; n == 3 {
			break
		}
	}
	deadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
		runtime.Gosched()
		time.Sleep(time.Millisecond)
	}
	if g := runtime.NumGoroutine(); g > before {
		t.Fatalf("%d goroutines left running after break (%d before)", g, before)
	}
}

func TestWorkerPanicReachesConsumer(t *testing.T) {
	bad := NewSubset(counting(10), []int{0, 1, 2})
	bad.Indices[2] = 99 // corrupt on purpose: Item panics
	l := NewLoader(bad, Batch(1), Workers(2))
	defer func() {
		if p := recover(); p == nil || !strings.Contains(p.(string), "out of range") {
			t.Fatalf("recovered %v", p)
		}
	}()
	labels(l)
	t.Fatal("no panic")
}

func TestNewLoaderRejectsBadOptions(t *testing.T) {
	for _, o := range []Option{Batch(0), Workers(-1), Prefetch(-1)} {
		func() {
			defer func() {
				if recover() == nil {
					t.Error("no panic")
				}
			}()
			NewLoader(counting(3), o)
		}()
	}
}

func TestRandomSplit(t *testing.T) {
	parts, err := RandomSplit(counting(11), 5, 0.8, 0.2)
	if err != nil {
		t.Fatal(err)
	}
	if parts[0].Len() != 9 || parts[1].Len() != 2 {
		t.Fatalf("lengths %d %d, want 9 2 (8.8 → 8 + one leftover, 2.2 → 2)", parts[0].Len(), parts[1].Len())
	}
	all := append(slices.Clone(parts[0].Indices), parts[1].Indices...)
	slices.Sort(all)
	for i, v := range all {
		if v != i {
			t.Fatalf("split is not a partition: %v", all)
		}
	}
	again, _ := RandomSplit(counting(11), 5, 0.8, 0.2)
	if !slices.Equal(again[1].Indices, parts[1].Indices) {
		t.Fatal("same seed, different split")
	}
	_, y := parts[1].Item(0)
	if y.Int64s()[0] != int64(parts[1].Indices[0]) {
		t.Fatal("Subset.Item does not map the index")
	}
	for _, fr := range [][]float64{{0.5, 0.6}, {1.2, -0.2}, {}} {
		if _, err := RandomSplit(counting(4), 1, fr...); err == nil {
			t.Errorf("fractions %v accepted", fr)
		}
	}
	if h := Head(counting(4), 10); h.Len() != 4 {
		t.Fatalf("Head(10) of 4 has %d", h.Len())
	}
}

func TestNormalizeAndCompose(t *testing.T) {
	x := tensor.New([]float32{1, 2, 3, 4, 5, 6, 7, 8}, 2, 2, 2) // [C=2, 2, 2]
	n := NewNormalize([]float32{1, 5}, []float32{2, 4})
	got := n.Apply(x).Data()
	want := []float32{0, 0.5, 1, 1.5, 0, 0.25, 0.5, 0.75}
	if !slices.Equal(got, want) {
		t.Fatalf("Normalize = %v, want %v", got, want)
	}
	batch := tensor.Stack([]*tensor.Tensor{x, x}, 0)
	if gb := n.ApplyBatch(batch).Data(); !slices.Equal(gb[:8], want) || !slices.Equal(gb[8:], want) {
		t.Fatalf("ApplyBatch = %v", gb)
	}
	double := TransformFunc(func(x *tensor.Tensor) *tensor.Tensor { return x.MulScalar(2) })
	c := Compose{NewNormalize([]float32{1}, []float32{1}), double}
	if g := c.Apply(tensor.New([]float32{3})).Data(); g[0] != 4 {
		t.Fatalf("Compose = %v, want 4", g)
	}
	if c.batchable() || !(Compose{n}).batchable() {
		t.Fatal("batchable is wrong")
	}
	err := tensor.Catch(func() { n.Apply(tensor.Zeros(3, 2)) })
	if err == nil || !strings.Contains(err.Error(), "2 channels") {
		t.Fatalf("channel mismatch: %v", err)
	}
}

func TestMapFastAndSlowPathsAgree(t *testing.T) {
	x := tensor.New(ramp(6, 4), 6, 2, 2)
	ds, _ := NewTensorDataset(x, tensor.FromInt64([]int64{0, 1, 2, 3, 4, 5}))
	n := NewNormalize([]float32{1, 2}, []float32{3, 4})
	fast := Map(ds, n)
	slow := Map(ds, Compose{n, TransformFunc(func(x *tensor.Tensor) *tensor.Tensor { return x })})
	fx, fy := fast.Batch([]int{5, 1})
	sx, sy := slow.Batch([]int{5, 1})
	if !slices.Equal(fx.Shape(), sx.Shape()) || !slices.Equal(fx.Data(), sx.Data()) || !slices.Equal(fy.Int64s(), sy.Int64s()) {
		t.Fatalf("fast %v %v, slow %v %v", fx.Shape(), fx.Data(), sx.Shape(), sx.Data())
	}
}

// TestLoaderRelease frees the batches of a FreshBatcher (TensorDataset, a
// Subset of one) and leaves alone those of a dataset that may hand out its
// own storage.
func TestLoaderRelease(t *testing.T) {
	td, err := NewTensorDataset(tensor.Randn(6, 3), tensor.FromInt64([]int64{0, 1, 2, 3, 4, 5}, 6))
	if err != nil {
		t.Fatal(err)
	}
	for _, ds := range []Dataset{td, Head(td, 4)} {
		l := NewLoader(ds, Batch(2))
		for x, y := range l.All() {
			l.Release(x, y)
			if err := tensor.Catch(func() { x.Sum() }); err != tensor.ErrFreed {
				t.Fatalf("%T: a released batch was still readable (%v)", ds, err)
			}
			break
		}
	}
	l := NewLoader(counting(4), Batch(2))
	for x, y := range l.All() {
		l.Release(x, y)
		if err := tensor.Catch(func() { x.Sum(); y.Int64s() }); err != nil {
			t.Fatalf("a batch of a dataset that is no FreshBatcher was released: %v", err)
		}
	}
}
