package nn

import (
	"fmt"
	"reflect"
	"runtime"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
	"unicode"

	"github.com/nervelab/nerve/tensor"
)

// Module is anything with a forward pass over one tensor. Layers with other
// signatures (several inputs or outputs) need not implement it: the
// parameter walk finds them all the same.
type Module interface {
	Forward(x *tensor.Tensor) *tensor.Tensor
}

// Func adapts a function to a Module, e.g. nn.Func((*tensor.Tensor).ReLU)
// in a Sequential.
type Func func(*tensor.Tensor) *tensor.Tensor

// Forward calls f.
func (f Func) Forward(x *tensor.Tensor) *tensor.Tensor { return f(x) }

// Named is a tensor with its PyTorch-style dotted name (fc1.weight).
type Named struct {
	Name   string
	Tensor *tensor.Tensor
}

// tensorNamer is implemented by nn's layers whose tensors' names depend on
// their configuration rather than on their fields (an LSTM's weight_ih_l0,
// weight_hh_l1_reverse, …): the walk takes their tensors from
// namedTensors, in its order and with its names (nil tensors are skipped),
// instead of from the fields.
type tensorNamer interface{ namedTensors() []Named }

// entry is one named child of a module: a tensor or a sub-module.
type entry struct {
	name   string
	tensor *tensor.Tensor
	module any
	buffer bool // a tensor tagged `nn:",buffer"`: state, not a parameter
}

// children lists the tensors and sub-modules of m in field order; see the
// package documentation ("Modules and parameters") for the rules.
func children(m any) []entry {
	if l, ok := m.(moduleList); ok {
		return valueEntries("", true, l.v)
	}
	if n, ok := m.(tensorNamer); ok {
		var out []entry
		for _, p := range n.namedTensors() {
			if p.Tensor != nil {
				out = append(out, entry{name: p.Name, tensor: p.Tensor})
			}
		}
		return out
	}
	v := reflect.ValueOf(m)
	for v.Kind() == reflect.Pointer || v.Kind() == reflect.Interface {
		if v.IsNil() {
			return nil
		}
		v = v.Elem()
	}
	if v.Kind() != reflect.Struct {
		return nil
	}
	return structEntries(v)
}

func structEntries(v reflect.Value) []entry {
	var out []entry
	t := v.Type()
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		name, inline, buffer, skip := fieldName(f)
		if skip {
			continue
		}
		fv := v.Field(i)
		if f.Anonymous && name == "" {
			// An embedded struct's fields are promoted, as Go promotes them.
			if ev, ok := embedded(fv); ok {
				out = append(out, structEntries(ev)...)
			}
			continue
		}
		es := valueEntries(name, inline, fv)
		for j := range es {
			es[j].buffer = buffer && es[j].tensor != nil
		}
		out = append(out, es...)
	}
	return out
}

// embedded returns the struct an embedded field holds, if any.
func embedded(v reflect.Value) (reflect.Value, bool) {
	for v.Kind() == reflect.Pointer || v.Kind() == reflect.Interface {
		if v.IsNil() {
			return v, false
		}
		v = v.Elem()
	}
	return v, v.Kind() == reflect.Struct
}

// fieldName returns a field's key, whether it is inlined, whether it holds
// buffers, and whether it is skipped. An embedded field without a tag name
// gets the name "" (its fields are promoted).
func fieldName(f reflect.StructField) (name string, inline, buffer, skip bool) {
	tag := f.Tag.Get("nn")
	if tag == "-" {
		return "", false, false, true
	}
	parts := strings.Split(tag, ",")
	name = parts[0]
	for _, p := range parts[1:] {
		inline = inline || p == "inline"
		buffer = buffer || p == "buffer"
	}
	if f.Anonymous && name == "" {
		k := f.Type.Kind()
		promotable := k == reflect.Struct || k == reflect.Pointer && f.Type.Elem().Kind() == reflect.Struct || k == reflect.Interface
		return "", false, false, !promotable || (!f.IsExported() && k != reflect.Struct)
	}
	if !f.IsExported() {
		return "", false, false, true
	}
	if name == "" {
		name = lowerName(f.Name)
	}
	return name, inline, buffer, false
}

// lowerName turns an exported Go field name into a PyTorch attribute name
// by lower-casing its leading capitals as Go does for an unexported name:
// FC1 → fc1, Weight → weight, HTTPServer → httpServer, ConvBN → convBN.
// The last capital of a leading run stays when a lower-case letter follows
// it (the start of the next word).
func lowerName(s string) string {
	r := []rune(s)
	n := 0
	for n < len(r) && (unicode.IsUpper(r[n]) || n > 0 && unicode.IsDigit(r[n])) {
		n++
	}
	if n > 1 && n < len(r) && unicode.IsUpper(r[n-1]) && unicode.IsLower(r[n]) {
		n--
	}
	for i := 0; i < n; i++ {
		r[i] = unicode.ToLower(r[i])
	}
	return string(r)
}

var (
	tensorType = reflect.TypeOf((*tensor.Tensor)(nil))
	moduleType = reflect.TypeOf((*Module)(nil)).Elem()
)

func valueEntries(name string, inline bool, v reflect.Value) []entry {
	if v.Type() == tensorType {
		if v.IsNil() {
			return nil
		}
		return []entry{{name: name, tensor: v.Interface().(*tensor.Tensor)}}
	}
	switch v.Kind() {
	case reflect.Slice, reflect.Array:
		if !inline && isModuleType(v.Type()) {
			return []entry{{name: name, module: moduleList{v}}}
		}
		var out []entry
		for j := 0; j < v.Len(); j++ {
			key := strconv.Itoa(j)
			if !inline {
				key = name + "." + key
			}
			out = append(out, valueEntries(key, false, v.Index(j))...)
		}
		return out
	case reflect.Interface, reflect.Pointer:
		if v.IsNil() {
			return nil
		}
		if isStruct(v) && hasForward(v) {
			return []entry{{name: name, module: v.Interface()}}
		}
	case reflect.Struct:
		if hasForward(v) {
			if v.CanAddr() { // a pointer, so pointer methods (SetTraining) are reached
				return []entry{{name: name, module: v.Addr().Interface()}}
			}
			return []entry{{name: name, module: v.Interface()}}
		}
	case reflect.Func:
		if !v.IsNil() && v.Type().Implements(moduleType) {
			return []entry{{name: name, module: v.Interface()}}
		}
	}
	return nil
}

// moduleList stands for a slice or array field of modules, what PyTorch
// holds in an nn.ModuleList: it prints as ModuleList(…) and numbers its
// elements (layers.0.weight).
type moduleList struct{ v reflect.Value }

// isModuleType reports whether values of t are modules, or slices or
// arrays of modules: structs (or pointers to structs) with a Forward
// method, interfaces with one, and functions that implement Module.
func isModuleType(t reflect.Type) bool {
	switch t.Kind() {
	case reflect.Slice, reflect.Array:
		return isModuleType(t.Elem())
	case reflect.Interface:
		_, ok := t.MethodByName("Forward")
		return ok
	case reflect.Func:
		return t.Implements(moduleType)
	case reflect.Pointer:
		t = t.Elem()
	}
	if t.Kind() != reflect.Struct {
		return false
	}
	_, ok := reflect.PointerTo(t).MethodByName("Forward")
	return ok
}

func isStruct(v reflect.Value) bool {
	for v.Kind() == reflect.Pointer || v.Kind() == reflect.Interface {
		if v.IsNil() {
			return false
		}
		v = v.Elem()
	}
	return v.Kind() == reflect.Struct || v.Kind() == reflect.Func
}

// hasForward reports whether v (or a pointer to it) has a method named
// Forward, whatever its signature: that is what makes a struct a module
// (an LSTM's Forward takes and returns more than one tensor).
func hasForward(v reflect.Value) bool {
	for v.Kind() == reflect.Interface {
		v = v.Elem()
	}
	if _, ok := v.Type().MethodByName("Forward"); ok {
		return true
	}
	_, ok := reflect.PointerTo(v.Type()).MethodByName("Forward")
	return ok
}

// walk calls fn for every tensor under m with its full dotted name and
// whether it is a buffer, and mod for every module (m itself first, with
// name ""). A module that contains itself (a field pointing back to a
// parent) is entered once per path.
func walk(prefix string, m any, fn func(name string, t *tensor.Tensor, buffer bool), mod func(name string, m any)) {
	walkPath(prefix, m, fn, mod, map[visit]bool{})
}

func walkPath(prefix string, m any, fn func(string, *tensor.Tensor, bool), mod func(string, any), path map[visit]bool) {
	if p, ok := pointerOf(m); ok {
		if path[p] {
			return
		}
		path[p] = true
		defer delete(path, p)
	}
	if mod != nil {
		mod(prefix, m)
	}
	for _, e := range children(m) {
		name := e.name
		if prefix != "" {
			name = prefix + "." + name
		}
		if e.tensor != nil {
			if fn != nil {
				fn(name, e.tensor, e.buffer)
			}
			continue
		}
		walkPath(name, e.module, fn, mod, path)
	}
}

// visit identifies a module reached through a pointer: its address and
// type (a struct and its first field share an address).
type visit struct {
	addr uintptr
	typ  reflect.Type
}

// pointerOf returns what identifies m, if m is a non-nil pointer.
func pointerOf(m any) (visit, bool) {
	v := reflect.ValueOf(m)
	if v.Kind() != reflect.Pointer || v.IsNil() {
		return visit{}, false
	}
	return visit{v.Pointer(), v.Type()}, true
}

// NamedParameters returns every parameter of m — trainable or frozen, but
// not the buffers — with its PyTorch-style name, in field order, as
// PyTorch's named_parameters.
func NamedParameters(m any) []Named { return named(m, false) }

// NamedBuffers returns m's buffers — tensors in fields tagged
// `nn:",buffer"`, such as BatchNorm's running statistics — with their
// PyTorch-style names, in field order, as PyTorch's named_buffers. Buffers
// are state, not parameters: Parameters, NamedParameters and
// NumParameters leave them out, StateDict, Save and Load include them.
func NamedBuffers(m any) []Named { return named(m, true) }

func named(m any, buffers bool) []Named {
	var out []Named
	seen := map[*tensor.Tensor]bool{}
	walk("", m, func(name string, t *tensor.Tensor, buffer bool) {
		if buffer == buffers && !seen[t] { // a tensor shared by two fields is listed once
			seen[t] = true
			out = append(out, Named{Name: name, Tensor: t})
		}
	}, nil)
	return out
}

// Parameters returns the trainable tensors of m (those that require grad),
// in field order: what an optimizer updates.
func Parameters(m any) []*tensor.Tensor {
	var out []*tensor.Tensor
	for _, p := range NamedParameters(m) {
		if p.Tensor.RequiresGrad() {
			out = append(out, p.Tensor)
		}
	}
	return out
}

// NumParameters returns the number of elements in all of m's tensors and
// in its trainable ones.
func NumParameters(m any) (total, trainable int) {
	for _, p := range NamedParameters(m) {
		total += p.Tensor.Numel()
		if p.Tensor.RequiresGrad() {
			trainable += p.Tensor.Numel()
		}
	}
	return total, trainable
}

// ZeroGrad clears the gradients of all of m's tensors.
func ZeroGrad(m any) {
	for _, p := range NamedParameters(m) {
		p.Tensor.ZeroGrad()
	}
}

// Trainer is implemented by modules that behave differently in training and
// evaluation (Dropout, batch normalisation).
type Trainer interface{ SetTraining(on bool) }

// Train puts m and every module inside it in training mode, like PyTorch's
// model.train().
func Train(m any) { setTraining(m, true) }

// Eval puts m and every module inside it in evaluation mode, like PyTorch's
// model.eval(). It does not turn off gradient recording: use tensor.NoGrad.
//
// Eval also runs a garbage collection, at most once a second: the end of
// a training phase is when most memory has just been given up (the last
// step's activations, buffers kept for the next step), and evaluation
// usually allocates at another batch size. Without it the heap would grow
// on top of that memory until the collector's next turn: the tutorial CNN
// evaluated at batch 1000 after an epoch peaked at 348 MB of resident
// memory, 275 MB with it.
func Eval(m any) {
	setTraining(m, false)
	now := time.Now().UnixNano()
	if last := lastCollect.Load(); now-last > int64(time.Second) && lastCollect.CompareAndSwap(last, now) {
		runtime.GC()
	}
}

// lastCollect is when Eval last ran a garbage collection (Unix ns).
var lastCollect atomic.Int64

func setTraining(m any, on bool) {
	walk("", m, nil, func(_ string, sub any) {
		if t, ok := sub.(Trainer); ok {
			t.SetTraining(on)
		}
	})
}

// StateDict returns m's parameters and buffers by name, sharing storage
// with the model, as PyTorch's state_dict.
func StateDict(m any) map[string]*tensor.Tensor {
	out := map[string]*tensor.Tensor{}
	for _, p := range append(NamedParameters(m), NamedBuffers(m)...) {
		out[p.Name] = p.Tensor
	}
	return out
}

// Save writes m's tensors (those of NamedParameters, frozen ones
// included, and of NamedBuffers) to path in the safetensors format, keyed by their PyTorch
// names, with the metadata {"format": "pt"} that Hugging Face's loaders
// look for. The file is replaced atomically (see SaveTensors): a failed
// save leaves an existing file intact.
func Save(m any, path string) error {
	return SaveTensors(path, StateDict(m), map[string]string{"format": "pt"})
}

// Load reads a safetensors file written by Save or by PyTorch's safetensors
// and copies it into m's tensors in place, as PyTorch's strict
// load_state_dict. Every name, shape and dtype is checked first: all the
// mismatches (missing, unexpected, wrong shape) are reported in one error
// that names the file, and nothing is loaded. A file that cannot be read
// or parsed is an error naming the file too.
func Load(m any, path string) error {
	src, _, err := LoadTensors(path)
	if err != nil {
		return err
	}
	dst := StateDict(m)
	if err := checkState(dst, src); err != nil {
		return fmt.Errorf("nn.Load: %s: %w", path, err)
	}
	copyState(dst, src)
	return nil
}
