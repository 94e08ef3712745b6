package fit

import (
	"path/filepath"
	"testing"

	"github.com/nervelab/nerve/data"
	"github.com/nervelab/nerve/nn"
	"github.com/nervelab/nerve/tensor"
)

// bnNet is a small classifier with batch normalisation, whose running
// statistics are state that training changes and evaluation uses.
type bnNet struct {
	FC1 *nn.Linear
	BN  *nn.BatchNorm1d
	FC2 *nn.Linear
}

func newBNNet(seed uint64) *bnNet {
	g := tensor.NewGenerator(seed)
	return &bnNet{FC1: nn.NewLinear(4, 16, nn.WithGenerator(g)), BN: nn.NewBatchNorm1d(16), FC2: nn.NewLinear(16, 3, nn.WithGenerator(g))}
}

func (m *bnNet) Forward(x *tensor.Tensor) *tensor.Tensor {
	return m.FC2.Forward(m.BN.Forward(m.FC1.Forward(x)).ReLU())
}

func TestBatchNormModelFitsAndResumes(t *testing.T) {
	l := func() *data.Loader { return data.NewLoader(blobs(200, 3), data.Batch(16), data.Shuffle(9)) }
	val := data.NewLoader(blobs(150, 2), data.Batch(64))
	ref := newBNNet(1)
	h, err := Fit(ref, l(), Options{Epochs: 3, Loss: nn.CrossEntropyLoss, Optimizer: adam(ref), Validate: val, Metrics: []Metric{Accuracy()}})
	if err != nil {
		t.Fatal(err)
	}
	if acc := h.Last()["val_accuracy"]; acc < 0.9 {
		t.Fatalf("val accuracy %.3f < 0.9 on separable blobs", acc)
	}
	if !ref.BN.Training() {
		t.Fatal("BatchNorm left in eval mode after validation")
	}
	if n := ref.BN.NumBatchesTracked.Int64s()[0]; n != 3*13 {
		t.Fatalf("num_batches_tracked %d after 3 epochs of 13 batches (validation must not count)", n)
	}

	// The checkpoint carries the running statistics: a resumed run ends
	// with the same buffers as the uninterrupted one.
	ck := filepath.Join(t.TempDir(), "bn.ckpt")
	m := newBNNet(1)
	if _, err := Fit(m, l(), Options{Epochs: 2, Loss: nn.CrossEntropyLoss, Optimizer: adam(m), Checkpoint: ck}); err != nil {
		t.Fatal(err)
	}
	m2 := newBNNet(8)
	if _, err := Fit(m2, l(), Options{Epochs: 3, Loss: nn.CrossEntropyLoss, Optimizer: adam(m2), Checkpoint: ck, Resume: true}); err != nil {
		t.Fatal(err)
	}
	sameWeights(t, ref, m2)
	if m2.BN.NumBatchesTracked.Int64s()[0] != 3*13 {
		t.Fatalf("resumed num_batches_tracked %v", m2.BN.NumBatchesTracked.Int64s())
	}
}

func TestFindLRRestoresRunningStats(t *testing.T) {
	m := newBNNet(1)
	nn.Train(m)
	m.Forward(tensor.NewGenerator(4).Randn(32, 4)) // some running statistics to restore
	before := map[string]*tensor.Tensor{}
	for k, v := range nn.StateDict(m) {
		before[k] = v.Clone()
	}
	l := data.NewLoader(blobs(256, 6), data.Batch(16), data.Shuffle(1))
	if _, err := FindLR(m, l, LRFind{Loss: nn.CrossEntropyLoss, Optimizer: adam(m), Start: 1e-5, End: 10, Steps: 20}); err != nil {
		t.Fatal(err)
	}
	sameWeights(t, before, m)
}
