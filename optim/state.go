package optim

import (
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/nervelab/nerve/tensor"
)

// State is a snapshot of an optimizer, enough to resume training bit for
// bit. Buffers are keyed "<param index>.<name>" with PyTorch's names
// ("0.exp_avg", "1.momentum_buffer"), the index counting parameters across
// groups in order, as PyTorch's state_dict does. Steps maps a parameter
// index to its update count. Momentum is the momentum (SGD, RMSprop) or β₁
// (Adam, AdamW) as last set by SetMomentum, nil for optimizers without one.
//
// A State encodes to JSON entire, buffers included (shape and
// little-endian float32 data in base64, so values round-trip exactly). To
// keep large buffers elsewhere (for example in a safetensors file), save
// Buffers separately and marshal a copy with Buffers set to nil.
type State struct {
	Optimizer string                    `json:"optimizer"` // "SGD", "Adam", …
	Groups    []GroupState              `json:"groups"`
	Steps     map[int]int               `json:"steps"`
	Momentum  *float64                  `json:"momentum,omitempty"`
	Buffers   map[string]*tensor.Tensor `json:"-"`
}

// GroupState is one group's hyperparameters in a State.
type GroupState struct {
	LR          float64 `json:"lr"`
	WeightDecay float64 `json:"weight_decay"`
}

// State returns a snapshot of the buffers (copied), step counts and
// hyperparameters.
func (b *base) State() (*State, error) {
	s := &State{Optimizer: b.kind, Steps: map[int]int{}, Buffers: map[string]*tensor.Tensor{}}
	for _, g := range b.groups {
		s.Groups = append(s.Groups, GroupState{LR: g.LR, WeightDecay: g.WeightDecay})
	}
	if b.momentum != nil {
		m := *b.momentum
		s.Momentum = &m
	}
	for i, m := range b.bufs {
		if b.steps[i] != 0 {
			s.Steps[i] = b.steps[i]
		}
		for name, t := range m {
			s.Buffers[strconv.Itoa(i)+"."+name] = t.Clone()
		}
	}
	return s, nil
}

// LoadState restores a snapshot taken by State. It returns an error, and
// changes nothing, if the snapshot is of another optimizer kind, another
// number of groups, or has buffers that do not fit the parameters.
func (b *base) LoadState(s *State) error {
	if s.Optimizer != b.kind {
		return fmt.Errorf("optim: LoadState: state is of %q, optimizer is %s", s.Optimizer, b.kind)
	}
	if len(s.Groups) != len(b.groups) {
		return fmt.Errorf("optim: LoadState: state has %d groups, optimizer %d", len(s.Groups), len(b.groups))
	}
	bufs := make([]map[string]*tensor.Tensor, len(b.bufs))
	for i := range bufs {
		bufs[i] = map[string]*tensor.Tensor{}
	}
	for key, t := range s.Buffers {
		idx, name, ok := strings.Cut(key, ".")
		i, err := strconv.Atoi(idx)
		if !ok || err != nil || i < 0 || i >= len(bufs) || t == nil {
			return fmt.Errorf("optim: LoadState: bad buffer key %q for %d parameters", key, len(bufs))
		}
		if p := b.param(i); !slices.Equal(p.Shape(), t.Shape()) {
			return fmt.Errorf("optim: LoadState: buffer %q has shape %v, parameter %v", key, t.Shape(), p.Shape())
		}
		bufs[i][name] = t.Clone()
	}
	steps := make([]int, len(b.steps))
	for i, n := range s.Steps {
		if i < 0 || i >= len(steps) || n < 0 {
			return fmt.Errorf("optim: LoadState: step count %d for parameter %d of %d", n, i, len(steps))
		}
		steps[i] = n
	}
	for k, g := range s.Groups {
		b.groups[k].LR, b.groups[k].WeightDecay = g.LR, g.WeightDecay
	}
	if b.momentum != nil && s.Momentum != nil {
		*b.momentum = *s.Momentum
	}
	b.bufs, b.steps = bufs, steps
	return nil
}

// param returns the parameter with flat index i.
func (b *base) param(i int) *tensor.Tensor {
	for _, g := range b.groups {
		if i < len(g.Params) {
			return g.Params[i]
		}
		i -= len(g.Params)
	}
	return nil
}

// jsonBuffer is a buffer in a State's JSON form.
type jsonBuffer struct {
	Shape []int  `json:"shape"`
	F32LE string `json:"f32le"` // base64 of little-endian float32 values
}

type stateFields State // State without its methods, for the default encoding

// MarshalJSON encodes the State with its buffers.
func (s *State) MarshalJSON() ([]byte, error) {
	bufs := map[string]jsonBuffer{}
	for k, t := range s.Buffers {
		data := t.Data()
		raw := make([]byte, 4*len(data))
		for i, v := range data {
			binary.LittleEndian.PutUint32(raw[4*i:], math.Float32bits(v))
		}
		bufs[k] = jsonBuffer{Shape: t.Shape(), F32LE: base64.StdEncoding.EncodeToString(raw)}
	}
	return json.Marshal(struct {
		*stateFields
		Buffers map[string]jsonBuffer `json:"buffers"`
	}{(*stateFields)(s), bufs})
}

// UnmarshalJSON decodes a State written by MarshalJSON. It returns an error
// for a malformed buffer (negative or oversized shape, data of the wrong
// length) rather than panicking.
func (s *State) UnmarshalJSON(b []byte) error {
	var v struct {
		*stateFields
		Buffers map[string]jsonBuffer `json:"buffers"`
	}
	v.stateFields = (*stateFields)(s)
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	s.Buffers = map[string]*tensor.Tensor{}
	for k, jb := range v.Buffers {
		t, err := jb.tensor()
		if err != nil {
			return fmt.Errorf("optim: state buffer %q: %w", k, err)
		}
		s.Buffers[k] = t
	}
	return nil
}

func (jb jsonBuffer) tensor() (*tensor.Tensor, error) {
	n := 1
	for _, d := range jb.Shape {
		if d < 0 || (d > 0 && n > math.MaxInt32/d) {
			return nil, fmt.Errorf("bad shape %v", jb.Shape)
		}
		n *= d
	}
	if base64.StdEncoding.DecodedLen(len(jb.F32LE)) > 4*n+3 {
		return nil, fmt.Errorf("shape %v needs %d values, data is longer", jb.Shape, n)
	}
	raw, err := base64.StdEncoding.DecodeString(jb.F32LE)
	if err != nil {
		return nil, err
	}
	if len(raw) != 4*n {
		return nil, fmt.Errorf("shape %v needs %d bytes, got %d", jb.Shape, 4*n, len(raw))
	}
	data := make([]float32, n)
	for i := range data {
		data[i] = math.Float32frombits(binary.LittleEndian.Uint32(raw[4*i:]))
	}
	return tensor.New(data, append([]int{}, jb.Shape...)...), nil
}
