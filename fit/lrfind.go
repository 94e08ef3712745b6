package fit

import (
	"errors"
	"fmt"
	"math"

	"github.com/nervelab/nerve/data"
	"github.com/nervelab/nerve/nn"
	"github.com/nervelab/nerve/optim"
	"github.com/nervelab/nerve/tensor"
)

// LRFind configures FindLR. Loss and Optimizer are required.
type LRFind struct {
	Loss      func(pred, target *tensor.Tensor) *tensor.Tensor
	Optimizer optim.Optimizer
	Start     float64 // first learning rate, default 1e-7
	End       float64 // last learning rate, default 10
	Steps     int     // batches in the sweep, default 200
	Smooth    float64 // weight of the loss's exponential moving average, default 0.98
	Diverge   float64 // stop once the smoothed loss exceeds this many times its best, default 4
}

// LRFindResult is the outcome of a range test: the rate of every step,
// the smoothed and raw losses, and the suggested rate.
type LRFindResult struct {
	LRs       []float64
	Losses    []float64 // smoothed (bias-corrected moving average)
	Raw       []float64
	Suggested float64 // where the smoothed loss falls fastest
	Stopped   string  // why the sweep ended before Steps ("" if it did not)
}

// FindLR runs Leslie Smith's learning-rate range test: training steps
// with the rate growing exponentially from Start to End, recording a
// smoothed loss, until Steps batches are done or the loss diverges. The
// suggestion is the rate where the smoothed loss falls fastest against
// log(rate). The model's weights and the optimizer's state are restored
// afterwards, so the test leaves no trace.
func FindLR(model nn.Module, train *data.Loader, o LRFind) (*LRFindResult, error) {
	if o.Loss == nil || o.Optimizer == nil {
		return nil, errors.New("fit: FindLR needs Loss and Optimizer")
	}
	o.Start = orDefault(o.Start, 1e-7)
	o.End = orDefault(o.End, 10)
	o.Smooth = orDefault(o.Smooth, 0.98)
	o.Diverge = orDefault(o.Diverge, 4)
	if o.Steps == 0 {
		o.Steps = 200
	}
	if !(o.Start > 0 && o.End > o.Start) || o.Steps < 2 || !(o.Smooth >= 0 && o.Smooth < 1) {
		return nil, fmt.Errorf("fit: FindLR: bad sweep from %g to %g in %d steps (smoothing %g)", o.Start, o.End, o.Steps, o.Smooth)
	}
	if train.Len() == 0 {
		return nil, errors.New("fit: FindLR: the loader has no batches")
	}
	weights := map[string]*tensor.Tensor{}
	for k, t := range nn.StateDict(model) {
		weights[k] = t.Clone()
	}
	saved, err := o.Optimizer.State()
	if err != nil {
		return nil, fmt.Errorf("fit: FindLR: %w", err)
	}
	lr0 := o.Optimizer.LR()
	defer func() {
		nn.LoadInto(nn.StateDict(model), weights)
		o.Optimizer.LoadState(saved)
		o.Optimizer.SetLR(lr0)
	}()
	res := &LRFindResult{}
	err = tensor.Catch(func() { sweep(model, train, o, res) })
	if err != nil {
		return nil, fmt.Errorf("fit: FindLR: %w", err)
	}
	if len(res.LRs) < 3 {
		return nil, fmt.Errorf("fit: FindLR: the loss diverged after %d steps; lower Start", len(res.LRs))
	}
	res.Suggested = steepest(res.LRs, res.Losses)
	return res, nil
}

func orDefault(v, def float64) float64 {
	if v == 0 {
		return def
	}
	return v
}

// sweep runs the steps, looping over the loader as often as needed.
func sweep(model nn.Module, train *data.Loader, o LRFind, res *LRFindResult) {
	nn.Train(model)
	ratio := math.Pow(o.End/o.Start, 1/float64(o.Steps-1))
	avg, best := 0.0, math.Inf(1)
	for step := 0; step < o.Steps; {
		for x, y := range train.All() {
			lr := o.Start * math.Pow(ratio, float64(step))
			o.Optimizer.SetLR(lr)
			o.Optimizer.ZeroGrad()
			loss := o.Loss(model.Forward(x), y)
			lv := float64(loss.Item())
			if math.IsNaN(lv) || math.IsInf(lv, 0) {
				res.Stopped = fmt.Sprintf("loss %v at rate %.3g", lv, lr)
				return
			}
			avg = o.Smooth*avg + (1-o.Smooth)*lv
			smooth := avg / (1 - math.Pow(o.Smooth, float64(step+1)))
			res.LRs = append(res.LRs, lr)
			res.Raw = append(res.Raw, lv)
			res.Losses = append(res.Losses, smooth)
			best = min(best, smooth)
			if step > 0 && smooth > o.Diverge*best {
				res.Stopped = fmt.Sprintf("loss diverged at rate %.3g", lr)
				return
			}
			loss.Backward(tensor.FreeActivations())
			o.Optimizer.Step()
			if step++; step == o.Steps {
				return
			}
		}
	}
}

// steepest returns the rate where the smoothed loss falls fastest per unit
// of log(rate), ignoring the first and last tenth of the sweep where the
// moving average is unsettled or the loss is blowing up.
func steepest(lrs, losses []float64) float64 {
	n := len(lrs)
	lo, hi := n/10, n-n/10
	lo, hi = max(lo, 1), min(hi, n-1)
	best, at := math.Inf(1), lrs[n/2]
	for i := lo; i < hi; i++ {
		g := (losses[i+1] - losses[i-1]) / (math.Log(lrs[i+1]) - math.Log(lrs[i-1]))
		if g < best {
			best, at = g, lrs[i]
		}
	}
	return at
}
