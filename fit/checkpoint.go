package fit

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/nervelab/nerve/internal/atomicfile"
	"github.com/nervelab/nerve/nn"
	"github.com/nervelab/nerve/optim"
	"github.com/nervelab/nerve/optim/sched"
	"github.com/nervelab/nerve/tensor"
)

// A checkpoint is one safetensors file: the model's tensors under
// "model.<name>", the optimizer's buffers under "optim.<key>", and in the
// metadata entry "nerve.fit" the JSON of progress below (position, history,
// optimizer steps, schedule, random generator).
const (
	modelPrefix = "model."
	optimPrefix = "optim."
	metaKey     = "nerve.fit"
)

// progress is where a run stands: enough, with the tensors, to continue
// it exactly.
type progress struct {
	Version   int               `json:"version"`
	Epochs    int               `json:"epochs"`          // the run's planned epochs
	Epoch     int               `json:"epoch"`           // epochs finished
	Batch     int               `json:"batch"`           // batches finished in the next epoch (on interrupt)
	Batches   int               `json:"batches"`         // batches per epoch, checked on resume
	Optimizer *optim.State      `json:"optimizer"`       // without buffers
	Schedule  *sched.State      `json:"schedule"`        // nil without one
	RNG       []byte            `json:"rng"`             // tensor.DefaultGenerator's state
	History   History           `json:"history"`         // finished epochs
	Partial   *tally            `json:"partial"`         // the unfinished epoch's sums
	Seconds   float64           `json:"seconds"`         // time spent in the unfinished epoch
	Early     *earlyState       `json:"early"`           // early-stopping bookkeeping
	Done      bool              `json:"done"`            // the run ended (all epochs or early stop)
	Extra     map[string]string `json:"extra,omitempty"` // the caller's notes (Options.CheckpointNotes)
}

// earlyState is the early-stopping bookkeeping.
type earlyState struct {
	Best *float64 `json:"best"`
	Bad  int      `json:"bad"`
}

// saveCheckpoint writes the checkpoint atomically: a failed write leaves
// the previous checkpoint at path whole.
func saveCheckpoint(path string, model any, opt optim.Optimizer, sch Schedule, p *progress) error {
	st, err := opt.State()
	if err != nil {
		return fmt.Errorf("fit: checkpoint %s: %w", path, err)
	}
	tensors := map[string]*tensor.Tensor{}
	for name, t := range nn.StateDict(model) {
		tensors[modelPrefix+name] = t
	}
	for key, t := range st.Buffers {
		tensors[optimPrefix+key] = t
	}
	noBuf := *st
	noBuf.Buffers = nil
	p.Optimizer = &noBuf
	p.Schedule = nil
	if sch != nil {
		s := sch.State()
		p.Schedule = &s
	}
	if p.RNG, err = tensor.DefaultGenerator().State(); err != nil {
		return fmt.Errorf("fit: checkpoint %s: %w", path, err)
	}
	meta, err := json.Marshal(p)
	if err != nil {
		return fmt.Errorf("fit: checkpoint %s: %w", path, err)
	}
	err = atomicfile.Write(path, func(w io.Writer) error {
		return nn.WriteSafetensors(w, tensors, map[string]string{metaKey: string(meta)})
	})
	if err != nil {
		return fmt.Errorf("fit: checkpoint %s: %w", path, err)
	}
	return nil
}

// loadCheckpoint reads a checkpoint and restores the model, optimizer,
// schedule and random generator from it. Everything is checked before
// anything is changed: on error the model and optimizer are untouched.
func loadCheckpoint(path string, model any, opt optim.Optimizer, sch Schedule) (*progress, error) {
	tensors, meta, err := nn.LoadTensors(path)
	if err != nil {
		return nil, fmt.Errorf("fit: checkpoint: %w", err)
	}
	raw, ok := meta[metaKey]
	if !ok {
		return nil, fmt.Errorf("fit: checkpoint %s: not a training checkpoint (no %q metadata)", path, metaKey)
	}
	p := &progress{}
	if err := json.Unmarshal([]byte(raw), p); err != nil {
		return nil, fmt.Errorf("fit: checkpoint %s: %w", path, err)
	}
	if p.Version != 1 || p.Optimizer == nil {
		return nil, fmt.Errorf("fit: checkpoint %s: unsupported version %d", path, p.Version)
	}
	weights := map[string]*tensor.Tensor{}
	st := *p.Optimizer
	st.Buffers = map[string]*tensor.Tensor{}
	for name, t := range tensors {
		switch {
		case strings.HasPrefix(name, modelPrefix):
			weights[strings.TrimPrefix(name, modelPrefix)] = t
		case strings.HasPrefix(name, optimPrefix):
			st.Buffers[strings.TrimPrefix(name, optimPrefix)] = t
		default:
			return nil, fmt.Errorf("fit: checkpoint %s: unexpected tensor %q", path, name)
		}
	}
	dst := nn.StateDict(model)
	// Check the model first (LoadInto checks before copying), then keep a
	// copy to roll back if the optimizer or schedule refuses its state.
	backup := map[string]*tensor.Tensor{}
	for name, t := range dst {
		backup[name] = t.Clone()
	}
	if err := nn.LoadInto(dst, weights); err != nil {
		return nil, fmt.Errorf("fit: checkpoint %s: model: %w", path, err)
	}
	fail := func(what string, err error) (*progress, error) {
		nn.LoadInto(dst, backup)
		return nil, fmt.Errorf("fit: checkpoint %s: %s: %w", path, what, err)
	}
	if (p.Schedule != nil) != (sch != nil) {
		return fail("schedule", fmt.Errorf("the checkpoint has a schedule: %v, this run: %v", p.Schedule != nil, sch != nil))
	}
	if err := opt.LoadState(&st); err != nil {
		return fail("optimizer", err)
	}
	if sch != nil {
		if err := sch.LoadState(*p.Schedule); err != nil {
			return fail("schedule", err)
		}
	}
	if err := tensor.DefaultGenerator().SetState(p.RNG); err != nil {
		return fail("random generator", err)
	}
	return p, nil
}
