package fit

import (
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"sort"
	"strings"

	"github.com/nervelab/nerve/internal/atomicfile"
)

// Epoch is one epoch's record: the mean training loss ("loss"), each
// metric on the training batches, and with validation "val_loss" and
// "val_<metric>"; the learning rate of the epoch's last step, its
// duration and throughput.
type Epoch struct {
	Epoch   int                `json:"epoch"` // counted from 1
	Values  map[string]float64 `json:"values"`
	LR      float64            `json:"lr"`
	Seconds float64            `json:"seconds"`
	Samples int                `json:"samples"`
}

// History is the record of a training run, one entry per finished epoch.
// StopReason says why training ended early ("" if it ran every epoch).
type History struct {
	Epochs     []Epoch `json:"epochs"`
	StopReason string  `json:"stop_reason,omitempty"`
}

// Series returns one value per epoch (NaN where an epoch lacks it), for
// plotting: Series("loss"), Series("val_accuracy").
func (h *History) Series(name string) []float64 {
	out := make([]float64, len(h.Epochs))
	for i, e := range h.Epochs {
		v, ok := e.Values[name]
		if !ok {
			v = math.NaN()
		}
		out[i] = v
	}
	return out
}

// Has reports whether any epoch recorded name.
func (h *History) Has(name string) bool {
	for _, e := range h.Epochs {
		if _, ok := e.Values[name]; ok {
			return true
		}
	}
	return false
}

// Last returns the last epoch's values (nil for an empty history).
func (h *History) Last() map[string]float64 {
	if len(h.Epochs) == 0 {
		return nil
	}
	return h.Epochs[len(h.Epochs)-1].Values
}

// Save writes the history as indented JSON, atomically. Non-finite values
// (a NaN metric of an empty validation set) are written as null.
func (h *History) Save(path string) error {
	b, err := json.MarshalIndent(h, "", "  ")
	if err != nil {
		return fmt.Errorf("fit: %s: %w", path, err)
	}
	if err := atomicfile.WriteBytes(path, append(b, '\n')); err != nil {
		return fmt.Errorf("fit: %s: %w", path, err)
	}
	return nil
}

// MarshalJSON encodes the history with non-finite values (a NaN metric of
// an empty validation set) as null, which JSON can hold.
func (h *History) MarshalJSON() ([]byte, error) { return json.Marshal(h.jsonSafe()) }

// jsonSafe returns a copy with non-finite values replaced by nil.
func (h *History) jsonSafe() any {
	type epoch struct {
		Epoch
		Values map[string]*float64 `json:"values"`
	}
	out := struct {
		Epochs     []epoch `json:"epochs"`
		StopReason string  `json:"stop_reason,omitempty"`
	}{StopReason: h.StopReason}
	for _, e := range h.Epochs {
		vals := map[string]*float64{}
		for k, v := range e.Values {
			if !math.IsNaN(v) && !math.IsInf(v, 0) {
				v := v
				vals[k] = &v
			} else {
				vals[k] = nil
			}
		}
		out.Epochs = append(out.Epochs, epoch{Epoch: e, Values: vals})
	}
	return out
}

// names returns the value names in display order: loss first, then the
// training metrics, then the validation ones.
func names(values map[string]float64) []string {
	var keys []string
	for k := range values {
		keys = append(keys, k)
	}
	rank := func(k string) int {
		switch {
		case k == "loss":
			return 0
		case k == "val_loss":
			return 2
		case strings.HasPrefix(k, "val_"):
			return 3
		}
		return 1
	}
	sort.Slice(keys, func(i, j int) bool {
		if ri, rj := rank(keys[i]), rank(keys[j]); ri != rj {
			return ri < rj
		}
		return keys[i] < keys[j]
	})
	return slices.Clip(keys)
}

// formatValues prints "loss 0.2345  accuracy 93.12%  ...".
func formatValues(values map[string]float64) string {
	var parts []string
	for _, k := range names(values) {
		parts = append(parts, k+" "+formatValue(k, values[k]))
	}
	return strings.Join(parts, "  ")
}

func formatValue(name string, v float64) string {
	if strings.Contains(name, "accuracy") && !math.IsNaN(v) {
		return fmt.Sprintf("%.2f%%", 100*v)
	}
	return fmt.Sprintf("%.4f", v)
}
