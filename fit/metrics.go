package fit

import (
	"fmt"
	"math"
	"strings"

	"github.com/nervelab/nerve/data"
	"github.com/nervelab/nerve/nn"
	"github.com/nervelab/nerve/tensor"
)

// Metric scores predictions against targets. Measure returns a batch's
// contribution as a sum and a count; Fit adds them up over an epoch and
// Result turns the totals into the epoch's figure, so a metric is exact
// however the data is batched and holds no state of its own. pred is
// valid only during Measure: Fit frees it afterwards.
type Metric interface {
	Name() string
	Measure(pred, target *tensor.Tensor) (sum, count float64)
	Result(sum, count float64) float64
}

// Accuracy is the share of examples whose highest-scoring class (argmax
// over the last dimension of pred, [N, C]) is the target class (int64,
// [N]).
func Accuracy() Metric { return TopK(1) }

// TopK is the share of examples whose target class is among the k
// highest-scoring classes. Its name is "accuracy" for k = 1 and
// "top<k>_accuracy" otherwise. It panics if k < 1.
func TopK(k int) Metric {
	if k < 1 {
		panic(fmt.Sprintf("fit: TopK(%d): k must be at least 1", k))
	}
	return topK{k}
}

type topK struct{ k int }

func (m topK) Name() string {
	if m.k == 1 {
		return "accuracy"
	}
	return fmt.Sprintf("top%d_accuracy", m.k)
}

func (m topK) Measure(pred, target *tensor.Tensor) (sum, count float64) {
	labels := checkClasses(m.Name(), pred, target)
	n, c := len(labels), pred.Shape()[1]
	if n == 0 {
		return 0, 0
	}
	if m.k == 1 {
		hits := pred.ArgMax(1).Eq(target).Sum().Item()
		return float64(hits), float64(n)
	}
	p := pred.Data()
	for i, y := range labels {
		row := p[i*c : (i+1)*c]
		above := 0 // classes scoring higher than the target
		for _, v := range row {
			if v > row[y] {
				above++
			}
		}
		if above < m.k {
			sum++
		}
	}
	return sum, float64(n)
}

func (topK) Result(sum, count float64) float64 { return ratio(sum, count) }

// checkClasses checks a classification batch, scores [N, C] and int64
// class indices [N], and returns the labels; it panics with a ShapeError
// or IndexError naming the metric on a mismatch.
func checkClasses(name string, pred, target *tensor.Tensor) []int64 {
	ps, ts := pred.Shape(), target.Shape()
	if target.DType() != tensor.Int64 || len(ps) != 2 || len(ts) != 1 || ts[0] != ps[0] {
		panic(&tensor.ShapeError{Op: name, A: ps, B: ts, Why: "want scores [N, C] and int64 class indices [N]"})
	}
	labels := target.Int64s()
	for _, y := range labels {
		if y < 0 || y >= int64(ps[1]) {
			panic(&tensor.IndexError{Op: name, Why: fmt.Sprintf("class %d out of range for %d classes", y, ps[1])})
		}
	}
	return labels
}

// MSE is the mean squared error over all elements (target reshaped to
// pred's shape; their sizes must agree).
func MSE() Metric { return errMetric{"mse", 2, false} }

// MAE is the mean absolute error.
func MAE() Metric { return errMetric{"mae", 1, false} }

// RMSE is the square root of the epoch's mean squared error (not the mean
// of per-batch roots).
func RMSE() Metric { return errMetric{"rmse", 2, true} }

type errMetric struct {
	name  string
	power int
	root  bool
}

func (m errMetric) Name() string { return m.name }

func (m errMetric) Measure(pred, target *tensor.Tensor) (sum, count float64) {
	if pred.Numel() != target.Numel() {
		panic(&tensor.ShapeError{Op: m.name, A: pred.Shape(), B: target.Shape(), Why: "prediction and target sizes differ"})
	}
	d := pred.Sub(target.Float().Reshape(pred.Shape()...))
	if m.power == 2 {
		d = d.Square()
	} else {
		d = d.Abs()
	}
	return float64(d.Sum().Item()), float64(pred.Numel())
}

func (m errMetric) Result(sum, count float64) float64 {
	r := ratio(sum, count)
	if m.root {
		return math.Sqrt(r)
	}
	return r
}

func ratio(sum, count float64) float64 {
	if count == 0 {
		return math.NaN()
	}
	return sum / count
}

// Predict runs model over every batch of l in evaluation mode without
// recording a graph and calls fn with each batch's predictions and
// targets. The model is put back in training mode afterwards. A panic of
// nerve's own kind (a shape mismatch between model and data, say) is
// returned as an error.
func Predict(model nn.Module, l *data.Loader, fn func(pred, target *tensor.Tensor)) error {
	nn.Eval(model)
	defer nn.Train(model)
	return tensor.Catch(func() {
		tensor.NoGrad(func() {
			for x, y := range l.All() {
				pred := model.Forward(x)
				fn(pred, y)
				if !pred.SharesStorage(x) { // fn never saw x's storage
					l.Release(x, nil)
				}
			}
		})
	})
}

// Evaluate returns the mean loss (under "loss", when loss is not nil) and
// each metric over every example of l.
func Evaluate(model nn.Module, l *data.Loader, loss func(pred, target *tensor.Tensor) *tensor.Tensor, metrics ...Metric) (map[string]float64, error) {
	acc := newTally(metrics)
	err := Predict(model, l, func(pred, y *tensor.Tensor) {
		if loss != nil {
			acc.addLoss(float64(loss(pred, y).Item()), y.Shape()[0])
		}
		acc.measure(pred, y)
	})
	if err != nil {
		return nil, err
	}
	out := acc.results("")
	if loss == nil {
		delete(out, "loss")
	}
	return out, nil
}

// tally adds up an epoch's loss and metric sums.
type tally struct {
	metrics []Metric
	LossSum float64   `json:"loss_sum"`
	Samples int       `json:"samples"`
	Sums    []float64 `json:"sums"`
	Counts  []float64 `json:"counts"`
}

func newTally(metrics []Metric) *tally {
	return &tally{metrics: metrics, Sums: make([]float64, len(metrics)), Counts: make([]float64, len(metrics))}
}

// addLoss adds a batch's mean loss, weighted by its size.
func (t *tally) addLoss(mean float64, n int) {
	t.LossSum += mean * float64(n)
	t.Samples += n
}

func (t *tally) measure(pred, y *tensor.Tensor) {
	for i, m := range t.metrics {
		s, c := m.Measure(pred, y)
		t.Sums[i] += s
		t.Counts[i] += c
	}
}

func (t *tally) loss() float64 { return ratio(t.LossSum, float64(t.Samples)) }

// results names each figure with prefix ("" or "val_").
func (t *tally) results(prefix string) map[string]float64 {
	out := map[string]float64{prefix + "loss": t.loss()}
	for i, m := range t.metrics {
		out[prefix+m.Name()] = m.Result(t.Sums[i], t.Counts[i])
	}
	return out
}

// Confusion is a confusion matrix: Counts[actual][predicted].
type Confusion struct {
	Classes []string
	Counts  [][]int
}

// ConfusionMatrix counts, over every example of l, how often each class
// was predicted for each actual class. classes names the classes (their
// number is the width of the model's output).
func ConfusionMatrix(model nn.Module, l *data.Loader, classes []string) (*Confusion, error) {
	c := &Confusion{Classes: classes, Counts: make([][]int, len(classes))}
	for i := range c.Counts {
		c.Counts[i] = make([]int, len(classes))
	}
	err := Predict(model, l, func(pred, y *tensor.Tensor) {
		labels := checkClasses("ConfusionMatrix", pred, y)
		if pred.Shape()[1] != len(classes) {
			panic(&tensor.ShapeError{Op: "ConfusionMatrix", A: pred.Shape(), Why: fmt.Sprintf("model gives %d scores for %d classes", pred.Shape()[1], len(classes))})
		}
		for i, p := range pred.ArgMax(1).Int64s() {
			c.Counts[labels[i]][p]++
		}
	})
	if err != nil {
		return nil, err
	}
	return c, nil
}

// Accuracy returns the share of the diagonal.
func (c *Confusion) Accuracy() float64 {
	hit, all := 0, 0
	for i, row := range c.Counts {
		for j, n := range row {
			all += n
			if i == j {
				hit += n
			}
		}
	}
	return ratio(float64(hit), float64(all))
}

// String prints the matrix with actual classes down and predicted across.
func (c *Confusion) String() string {
	w := 5
	for _, name := range c.Classes {
		w = max(w, len(name)+1)
	}
	for _, row := range c.Counts {
		for _, n := range row {
			w = max(w, len(fmt.Sprint(n))+1)
		}
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%*s", w, "")
	for _, name := range c.Classes {
		fmt.Fprintf(&b, "%*s", w, name)
	}
	b.WriteString("   ← predicted\n")
	for i, row := range c.Counts {
		fmt.Fprintf(&b, "%*s", w, c.Classes[i])
		for _, n := range row {
			fmt.Fprintf(&b, "%*d", w, n)
		}
		b.WriteByte('\n')
	}
	return b.String()
}
