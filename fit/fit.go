package fit

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"strings"
	"time"

	"github.com/nervelab/nerve/data"
	"github.com/nervelab/nerve/nn"
	"github.com/nervelab/nerve/optim"
	"github.com/nervelab/nerve/optim/sched"
	"github.com/nervelab/nerve/tensor"
)

// Schedule is a learning-rate schedule Fit can step: a sched.Scheduler
// (stepped after every batch when its PerBatch says so, else after every
// epoch) or a *sched.ReduceLROnPlateau (stepped after every epoch with the
// monitored value).
type Schedule interface {
	LR() float64
	State() sched.State
	LoadState(sched.State) error
}

// EarlyStopping ends training once the monitored value has not improved
// for more than Patience epochs.
type EarlyStopping struct {
	Monitor  string  // a history name; default "val_loss", or "loss" without validation
	Patience int     // epochs without improvement tolerated (0: stop at the first)
	MinDelta float64 // least change that counts as an improvement
	Max      bool    // the value should rise; set automatically for names with "accuracy"
}

// Options configure Fit. Loss and Optimizer are required.
type Options struct {
	Epochs    int // default 1
	Loss      func(pred, target *tensor.Tensor) *tensor.Tensor
	Optimizer optim.Optimizer
	Schedule  Schedule
	Validate  *data.Loader // evaluated after every epoch, in eval mode
	Metrics   []Metric     // measured on the training batches and on Validate
	Monitor   string       // the value ReduceLROnPlateau watches; default as EarlyStopping's
	Early     *EarlyStopping
	ClipNorm  float64 // clip the gradients' global L2 norm to this (0: off)
	ClipValue float64 // clip every gradient element to ±this (0: off)

	// Checkpoint is the file the run's state is saved to after every epoch
	// and when Context is cancelled ("" saves nothing). With Resume, Fit
	// first restores model, optimizer, schedule, random generator and
	// history from it and continues where it stopped.
	Checkpoint string
	Resume     bool

	Progress io.Writer        // where progress goes (nil: nowhere); a terminal gets a live bar
	Context  context.Context  // cancelling it stops training after the current batch
	OnEpoch  func(h *History) // called after every epoch's checkpoint, e.g. to plot
}

// ErrInterrupted is returned (wrapped) when Options.Context is cancelled.
var ErrInterrupted = errors.New("training interrupted")

// NonFiniteError reports a loss that became NaN or ±Inf. Training stops
// before the bad step is applied; the checkpoint, if any, still holds the
// end of the last good epoch.
type NonFiniteError struct {
	Epoch, Batch int // counted from 1
	Loss         float64
	Checkpoint   string // "" without one
	Saved        int    // epochs the kept checkpoint holds
}

func (e *NonFiniteError) Error() string {
	msg := fmt.Sprintf("fit: loss is %v at epoch %d, batch %d; training stopped", e.Loss, e.Epoch, e.Batch)
	if e.Checkpoint != "" {
		msg += fmt.Sprintf(" (the checkpoint %s from the end of epoch %d is kept)", e.Checkpoint, e.Saved)
	}
	return msg + "; try a lower learning rate or gradient clipping"
}

// Fit trains model on train for opts.Epochs epochs and returns the
// history of every epoch (those of a resumed run's earlier sessions
// included). Each batch: zero the gradients, forward, loss, backward,
// clip, optimizer step, per-batch schedule step. Each epoch: validation,
// schedule step, history, checkpoint, early stopping. Shuffled loaders
// get the epoch number (Loader.SetEpoch), so a resumed run sees the same
// batches as an uninterrupted one and ends with the same weights, bit for
// bit. A shape mismatch between model and data is returned as an error
// naming the epoch and batch.
func Fit(model nn.Module, train *data.Loader, opts Options) (*History, error) {
	r, err := newRun(model, train, opts)
	if err != nil {
		return nil, err
	}
	defer r.rep.abort()
	for r.p.Epoch < r.o.Epochs && !r.p.Done {
		if err := r.epoch(); err != nil {
			return &r.p.History, err
		}
	}
	return &r.p.History, nil
}

// run is one call of Fit.
type run struct {
	model  nn.Module
	train  *data.Loader
	o      Options
	params []*tensor.Tensor
	p      *progress
	rep    *reporter
	ctx    context.Context
}

func newRun(model nn.Module, train *data.Loader, o Options) (*run, error) {
	if o.Epochs == 0 {
		o.Epochs = 1
	}
	switch {
	case o.Epochs < 0:
		return nil, fmt.Errorf("fit: %d epochs", o.Epochs)
	case o.Loss == nil:
		return nil, errors.New("fit: Options.Loss is nil")
	case o.Optimizer == nil:
		return nil, errors.New("fit: Options.Optimizer is nil")
	case o.Resume && o.Checkpoint == "":
		return nil, errors.New("fit: Resume needs Options.Checkpoint")
	case train.Len() == 0:
		return nil, fmt.Errorf("fit: the training loader has no batches (%d examples, batch %d)", train.Dataset().Len(), train.BatchSize())
	}
	if o.Monitor == "" {
		o.Monitor = "loss"
		if o.Validate != nil {
			o.Monitor = "val_loss"
		}
	}
	if o.Early != nil {
		e := *o.Early
		if e.Monitor == "" {
			e.Monitor = o.Monitor
		}
		e.Max = e.Max || strings.Contains(e.Monitor, "accuracy")
		o.Early = &e
	}
	if o.Context == nil {
		o.Context = context.Background()
	}
	r := &run{model: model, train: train, o: o, params: nn.Parameters(model), rep: newReporter(o.Progress), ctx: o.Context}
	r.p = &progress{Version: 1, Batches: train.Len(), Early: &earlyState{}}
	if o.Resume {
		p, err := loadCheckpoint(o.Checkpoint, model, o.Optimizer, o.Schedule)
		if err != nil {
			return nil, err
		}
		if p.Batches != train.Len() {
			return nil, fmt.Errorf("fit: checkpoint %s was made with %d batches per epoch, this loader gives %d", o.Checkpoint, p.Batches, train.Len())
		}
		if p.Early == nil {
			p.Early = &earlyState{}
		}
		r.p = p
		r.rep.printf("resuming from %s: epochs done: %d%s\n", o.Checkpoint, p.Epoch, batchNote(p.Batch))
	}
	r.p.Epochs = o.Epochs
	return r, nil
}

func batchNote(b int) string {
	if b == 0 {
		return ""
	}
	return fmt.Sprintf(", %d batches into the next", b)
}

// epoch runs one epoch (or the rest of an interrupted one).
func (r *run) epoch() error {
	p, o := r.p, r.o
	e := p.Epoch
	t := p.Partial
	if t == nil {
		t = newTally(o.Metrics)
	}
	t.metrics = o.Metrics
	skip := p.Batch
	r.rep.startEpoch(e+1, o.Epochs, r.train.Len(), skip)
	start := time.Now()
	nn.Train(r.model)
	r.train.SetEpoch(e)
	b, seen := 0, 0
	for x, y := range r.train.All() {
		if b < skip {
			b++
			r.train.Release(x, y)
			continue
		}
		if r.ctx.Err() != nil {
			p.Batch, p.Partial, p.Seconds = b, t, p.Seconds+time.Since(start).Seconds()
			return r.interrupted()
		}
		n := y.Size(0)
		err := r.step(x, y, t, e, b)
		r.train.Release(x, y) // the step is done with the batch: the next reuses its memory
		if err != nil {
			return err
		}
		b++
		seen += n
		r.rep.step(seen, t.loss())
	}
	values := t.results("")
	if o.Validate != nil {
		val, err := Evaluate(r.model, o.Validate, o.Loss, o.Metrics...)
		if err != nil {
			return fmt.Errorf("fit: epoch %d: validation: %w", e+1, err)
		}
		for k, v := range val {
			values["val_"+k] = v
		}
	}
	lr := o.Optimizer.LR()
	if err := r.stepSchedule(values); err != nil {
		return err
	}
	secs := p.Seconds + time.Since(start).Seconds()
	p.History.Epochs = append(p.History.Epochs, Epoch{Epoch: e + 1, Values: values, LR: lr, Seconds: secs, Samples: t.Samples})
	r.earlyStop(values)
	p.Epoch, p.Batch, p.Partial, p.Seconds = e+1, 0, nil, 0
	p.Done = p.History.StopReason != ""
	if o.Checkpoint != "" {
		if err := saveCheckpoint(o.Checkpoint, r.model, o.Optimizer, o.Schedule, p); err != nil {
			return err
		}
	}
	r.rep.endEpoch(fmt.Sprintf("%s  lr %.3g  %.1f s  %.0f samples/s", formatValues(values), lr, secs, float64(t.Samples)/secs))
	if p.Done {
		r.rep.printf("early stopping: %s\n", p.History.StopReason)
	}
	if o.OnEpoch != nil {
		o.OnEpoch(&p.History)
	}
	if r.ctx.Err() != nil && p.Epoch < o.Epochs && !p.Done {
		return r.interrupted()
	}
	return nil
}

// step trains on one batch; e and b (from 0) name it in errors.
func (r *run) step(x, y *tensor.Tensor, t *tally, e, b int) error {
	o := r.o
	var bad error
	err := tensor.Catch(func() {
		o.Optimizer.ZeroGrad()
		pred := r.model.Forward(x)
		loss := o.Loss(pred, y)
		lv := float64(loss.Item())
		if math.IsNaN(lv) || math.IsInf(lv, 0) {
			bad = &NonFiniteError{Epoch: e + 1, Batch: b + 1, Loss: lv, Checkpoint: r.keptCheckpoint(), Saved: r.p.Epoch}
			return
		}
		// The metrics read the predictions before Backward frees them with
		// the rest of the step's activations.
		tensor.NoGrad(func() { t.measure(pred.Detach(), y) })
		loss.Backward(tensor.FreeActivations())
		if o.ClipNorm > 0 {
			optim.ClipGradNorm(r.params, o.ClipNorm, 2)
		}
		if o.ClipValue > 0 {
			optim.ClipGradValue(r.params, o.ClipValue)
		}
		o.Optimizer.Step()
		if s, ok := o.Schedule.(sched.Scheduler); ok && s.PerBatch() {
			s.Step()
		}
		t.addLoss(lv, y.Shape()[0])
	})
	if err != nil {
		return fmt.Errorf("fit: epoch %d, batch %d: %w", e+1, b+1, err)
	}
	return bad
}

// keptCheckpoint names the checkpoint a failure leaves in place.
func (r *run) keptCheckpoint() string {
	if r.o.Checkpoint == "" || (r.p.Epoch == 0 && !r.o.Resume) {
		return ""
	}
	return r.o.Checkpoint
}

// stepSchedule steps an epoch schedule, or ReduceLROnPlateau with the
// monitored value.
func (r *run) stepSchedule(values map[string]float64) error {
	switch s := r.o.Schedule.(type) {
	case nil:
	case interface{ Step(float64) }:
		v, ok := values[r.o.Monitor]
		if !ok {
			return fmt.Errorf("fit: the schedule monitors %q, but the epoch recorded only %s", r.o.Monitor, strings.Join(names(values), ", "))
		}
		s.Step(v)
	case sched.Scheduler:
		if !s.PerBatch() {
			s.Step()
		}
	default:
		return fmt.Errorf("fit: schedule %T has neither Step() nor Step(metric)", s)
	}
	return nil
}

// earlyStop updates the early-stopping bookkeeping and sets the history's
// StopReason when patience runs out.
func (r *run) earlyStop(values map[string]float64) {
	es, st := r.o.Early, r.p.Early
	if es == nil {
		return
	}
	v, ok := values[es.Monitor]
	if !ok || math.IsNaN(v) {
		return
	}
	improved := st.Best == nil || (es.Max && v > *st.Best+es.MinDelta) || (!es.Max && v < *st.Best-es.MinDelta)
	if improved {
		st.Best, st.Bad = &v, 0
		return
	}
	st.Bad++
	if st.Bad > es.Patience {
		r.p.History.StopReason = fmt.Sprintf("%s has not improved on %.4g for %d epochs", es.Monitor, *st.Best, st.Bad)
	}
}

// interrupted saves the checkpoint (if any) and returns ErrInterrupted.
func (r *run) interrupted() error {
	r.rep.abort()
	if r.o.Checkpoint == "" {
		return fmt.Errorf("fit: %w at epoch %d, batch %d", ErrInterrupted, r.p.Epoch+1, r.p.Batch)
	}
	if err := saveCheckpoint(r.o.Checkpoint, r.model, r.o.Optimizer, r.o.Schedule, r.p); err != nil {
		return fmt.Errorf("fit: %w at epoch %d, and saving the checkpoint failed: %v", ErrInterrupted, r.p.Epoch+1, err)
	}
	return fmt.Errorf("fit: %w at epoch %d, batch %d; state saved to %s", ErrInterrupted, r.p.Epoch+1, r.p.Batch, r.o.Checkpoint)
}
