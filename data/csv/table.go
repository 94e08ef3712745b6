package csv

import (
	"fmt"
	"math"

	"github.com/nervelab/nerve/data"
	"github.com/nervelab/nerve/tensor"
)

// Table is a CSV file read into memory: numeric features and the targets.
type Table struct {
	Features []string // feature column names, in file order
	Targets  []string // target column names, in Options order
	Task     Task     // Regression or Classification (never Auto after Read)
	// Classes are the class names of a classification task; label i means
	// Classes[i]. Names sort numerically if all are numbers, else as
	// strings, so the same classes always get the same indices. Save them
	// with the model to turn predictions back into names.
	Classes []string
	N       int       // number of rows
	X       []float32 // features, N×len(Features), row-major
	Y       []float32 // regression targets, N×len(Targets), row-major
	Labels  []int64   // classification targets, N class indices
}

// Dataset returns the table as a TensorDataset: x float32 [N, F] and y
// int64 [N] class indices (classification) or float32 [N, T] (regression).
func (t *Table) Dataset() *data.TensorDataset {
	x := tensor.New(t.X, t.N, len(t.Features))
	var y *tensor.Tensor
	if t.Task == Classification {
		y = tensor.FromInt64(t.Labels, t.N)
	} else {
		y = tensor.New(t.Y, t.N, len(t.Targets))
	}
	ds, err := data.NewTensorDataset(x, y)
	if err != nil {
		panic(err) // the shapes above always agree
	}
	return ds
}

// Split divides the rows at random into a training and a validation table
// holding round(valFraction×N) rows; which rows go where depends only on
// seed and N (a permutation from tensor.NewGenerator(seed)). Column names
// and classes are copied to both. It panics if valFraction is not in
// [0, 1].
func (t *Table) Split(valFraction float64, seed uint64) (train, val *Table) {
	if !(valFraction >= 0 && valFraction <= 1) {
		panic(fmt.Sprintf("csv: Table.Split: validation fraction %v is not in [0, 1]", valFraction))
	}
	perm := tensor.NewGenerator(seed).Perm(t.N)
	nVal := int(math.Round(valFraction * float64(t.N)))
	return t.rows(perm[nVal:]), t.rows(perm[:nVal])
}

// rows returns a table of the given rows of t.
func (t *Table) rows(idx []int) *Table {
	nf, nt := len(t.Features), len(t.Targets)
	out := &Table{
		Features: append([]string(nil), t.Features...),
		Targets:  append([]string(nil), t.Targets...),
		Task:     t.Task,
		Classes:  append([]string(nil), t.Classes...),
		N:        len(idx),
		X:        make([]float32, 0, len(idx)*nf),
	}
	for _, i := range idx {
		out.X = append(out.X, t.X[i*nf:(i+1)*nf]...)
		if t.Task == Classification {
			out.Labels = append(out.Labels, t.Labels[i])
		} else {
			out.Y = append(out.Y, t.Y[i*nt:(i+1)*nt]...)
		}
	}
	return out
}

// Scaler standardizes features: x' = (x - Mean) / Std per column, like
// scikit-learn's StandardScaler. Fit it on the training rows only and apply
// it to every part; it marshals to JSON to be saved with the model.
type Scaler struct {
	Mean []float32 `json:"mean"`
	Std  []float32 `json:"std"`
}

// FitScaler returns the per-column mean and population standard deviation
// of t's features. A constant column gets Std 1, so it maps to 0 rather
// than dividing by zero; an empty table gets Mean 0 and Std 1.
func FitScaler(t *Table) Scaler {
	nf := len(t.Features)
	sum := make([]float64, nf)
	for i, v := range t.X {
		sum[i%nf] += float64(v)
	}
	mean := make([]float64, nf)
	for j := range mean {
		mean[j] = sum[j] / float64(max(t.N, 1))
	}
	sq := make([]float64, nf)
	for i, v := range t.X {
		d := float64(v) - mean[i%nf]
		sq[i%nf] += d * d
	}
	s := Scaler{Mean: make([]float32, nf), Std: make([]float32, nf)}
	for j := range s.Mean {
		s.Mean[j] = float32(mean[j])
		s.Std[j] = float32(math.Sqrt(sq[j] / float64(max(t.N, 1))))
		if s.Std[j] == 0 {
			s.Std[j] = 1
		}
	}
	return s
}

// Transform standardizes t's features in place. It returns an error, and
// leaves t alone, if the scaler's width is not t's number of features.
func (s Scaler) Transform(t *Table) error {
	nf := len(t.Features)
	if len(s.Mean) != nf || len(s.Std) != nf {
		return fmt.Errorf("csv: scaler has %d means and %d stds for %d features", len(s.Mean), len(s.Std), nf)
	}
	for i, v := range t.X {
		t.X[i] = (v - s.Mean[i%nf]) / s.Std[i%nf]
	}
	return nil
}
