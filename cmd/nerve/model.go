package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/nervelab/nerve/data/csv"
	"github.com/nervelab/nerve/fit"
	"github.com/nervelab/nerve/internal/atomicfile"
	"github.com/nervelab/nerve/nn"
	"github.com/nervelab/nerve/optim"
	"github.com/nervelab/nerve/optim/sched"
	"github.com/nervelab/nerve/tensor"
)

// The files of a run folder.
const (
	configFile     = "config.json"
	modelFile      = "model.safetensors"
	metricsFile    = "metrics.json"
	checkpointFile = "checkpoint.safetensors"
	lossPlot       = "loss.png"
	metricPlot     = "accuracy.png"
	samplesPlot    = "samples.png"
	predictedPlot  = "predicted.png"
)

// config is everything needed to rebuild a run's model and data:
// config.json in the run folder.
type config struct {
	Data      string   `json:"data"` // "mnist" or "csv"
	Model     string   `json:"model"`
	Inputs    int      `json:"inputs"`
	Hidden    []int    `json:"hidden"`
	Outputs   int      `json:"outputs"`
	Task      string   `json:"task"`              // "classification" or "regression"
	Classes   []string `json:"classes,omitempty"` // class names, in output order
	Epochs    int      `json:"epochs"`
	Batch     int      `json:"batch"`
	LR        float64  `json:"lr"`
	Optimizer string   `json:"optimizer"`
	Seed      uint64   `json:"seed"`
	Workers   int      `json:"workers"`

	// Schedule is the learning-rate schedule ("" or "none": constant),
	// spanning ScheduleEpochs epochs (the run's first --epochs).
	Schedule       string `json:"schedule,omitempty"`
	ScheduleEpochs int    `json:"schedule_epochs,omitempty"`

	Normalize bool   `json:"normalize,omitempty"` // MNIST: (x − 0.1307) / 0.3081
	DataDir   string `json:"data_dir,omitempty"`  // MNIST: where the IDX files were read
	Limit     int    `json:"limit,omitempty"`     // MNIST: train on the first Limit images only

	CSV *csvConfig `json:"csv,omitempty"`
}

// csvConfig is the tabular part of a config.
type csvConfig struct {
	File     string     `json:"file"`
	Targets  []string   `json:"targets"`
	Features []string   `json:"features"`
	ValSplit float64    `json:"val_split"`
	Scaler   csv.Scaler `json:"scaler"` // fitted on the training rows only
}

// MLP is the feed-forward classifier of PyTorch's quickstart:
// Flatten → (Linear → ReLU)… → Linear. Its tensors are named as the
// quickstart's NeuralNetwork names them (linear_relu_stack.0.weight, …),
// so a saved model loads into that PyTorch class.
type MLP struct {
	Flatten         nn.Flatten
	LinearReLUStack *nn.Sequential `nn:"linear_relu_stack"`
}

// Forward flattens each example and applies the stack.
func (m *MLP) Forward(x *tensor.Tensor) *tensor.Tensor {
	return m.LinearReLUStack.Forward(m.Flatten.Forward(x))
}

// newMLP builds in → hidden… → out with weights drawn from g.
func newMLP(in int, hidden []int, out int, g *tensor.Generator) *MLP {
	var layers []nn.Module
	for _, h := range hidden {
		layers = append(layers, nn.NewLinear(in, h, nn.WithGenerator(g)), nn.ReLU{})
		in = h
	}
	layers = append(layers, nn.NewLinear(in, out, nn.WithGenerator(g)))
	return &MLP{Flatten: *nn.NewFlatten(), LinearReLUStack: nn.NewSequential(layers...)}
}

// CNN is the convolutional network of the PyTorch tutorials (and of
// examples/cnn): features (Conv2d(1,32,3,padding=1), ReLU, MaxPool2d(2),
// Conv2d(32,64,3,padding=1), ReLU, MaxPool2d(2)) then classifier
// (Flatten, Linear(3136,128), ReLU, Linear(128,classes)).
type CNN struct {
	Features   *nn.Sequential
	Classifier *nn.Sequential
}

func newCNN(classes int, g *tensor.Generator) *CNN {
	conv := func(in, out int) *nn.Conv2d { return nn.NewConv2d(in, out, 3, nn.Padding(1), nn.ConvGenerator(g)) }
	return &CNN{
		Features: nn.NewSequential(conv(1, 32), nn.ReLU{}, nn.NewMaxPool2d(2),
			conv(32, 64), nn.ReLU{}, nn.NewMaxPool2d(2)),
		Classifier: nn.NewSequential(nn.NewFlatten(), nn.NewLinear(64*7*7, 128, nn.WithGenerator(g)), nn.ReLU{},
			nn.NewLinear(128, classes, nn.WithGenerator(g))),
	}
}

// Forward maps images [N, 1, 28, 28] to class scores.
func (m *CNN) Forward(x *tensor.Tensor) *tensor.Tensor {
	return m.Classifier.Forward(m.Features.Forward(x.Reshape(-1, 1, 28, 28)))
}

// RowLSTM reads each image as 28 rows of 28 pixels with an LSTM of 128
// units (batch first) and classifies the output after the last row with a
// linear layer, as examples/lstm does.
type RowLSTM struct {
	LSTM *nn.LSTM
	FC   *nn.Linear
}

func newRowLSTM(classes int, g *tensor.Generator) *RowLSTM {
	return &RowLSTM{LSTM: nn.NewLSTM(28, 128, nn.BatchFirst(), nn.RNNGenerator(g)),
		FC: nn.NewLinear(128, classes, nn.WithGenerator(g))}
}

// Forward maps images [N, 1, 28, 28] to class scores.
func (m *RowLSTM) Forward(x *tensor.Tensor) *tensor.Tensor {
	out := m.LSTM.Forward(x.Reshape(-1, 28, 28))
	return m.FC.Forward(out.Narrow(1, out.Size(1)-1, 1).Squeeze(1))
}

// models lists the --model choices; cnn and lstm are for 28×28 images.
var models = []string{"mlp", "cnn", "lstm"}

func (c *config) newModel() nn.Module {
	g := tensor.NewGenerator(c.Seed)
	switch c.Model {
	case "cnn":
		return newCNN(c.Outputs, g)
	case "lstm":
		return newRowLSTM(c.Outputs, g)
	}
	return newMLP(c.Inputs, c.Hidden, c.Outputs, g)
}

// describe is "MLP 784-512-512-10", "CNN conv32-pool-conv64-pool-fc128-10"
// or "LSTM 28x28 rows-128-10".
func (c *config) describe() string {
	switch c.Model {
	case "cnn":
		return fmt.Sprintf("CNN conv32-pool-conv64-pool-fc128-%d", c.Outputs)
	case "lstm":
		return fmt.Sprintf("LSTM 28x28 rows-128-%d", c.Outputs)
	}
	parts := []string{strconv.Itoa(c.Inputs)}
	for _, h := range c.Hidden {
		parts = append(parts, strconv.Itoa(h))
	}
	return "MLP " + strings.Join(append(parts, strconv.Itoa(c.Outputs)), "-")
}

// settings describes the training: "adam, lr 0.001 (onecycle schedule),
// batch 64, 3 epochs, normalised pixels, seed 1".
func (c *config) settings() string {
	lr := fmt.Sprintf("lr %g", c.LR)
	if c.Schedule != "" {
		lr += " (" + c.Schedule + " schedule)"
	}
	norm := ""
	if c.Normalize {
		norm = ", normalised pixels"
	}
	return fmt.Sprintf("%s, %s, batch %d, %s%s, seed %d", c.Optimizer, lr, c.Batch, plural(c.Epochs, "epoch"), norm, c.Seed)
}

// parseHidden reads "512,512" (or "" for none).
func parseHidden(s string) ([]int, error) {
	if strings.TrimSpace(s) == "" || s == "none" {
		return []int{}, nil
	}
	var out []int
	for _, f := range strings.Split(s, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 1 || n > 1<<16 {
			return nil, fmt.Errorf("--hidden %q: want layer widths like 512,512 (each 1..65536)", s)
		}
		out = append(out, n)
	}
	return out, nil
}

// optimizers lists the --optimizer choices.
var optimizers = []string{"sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adam", "adamw", "muon"}

// newOptimizer builds the named optimizer over params.
func newOptimizer(name string, params []*tensor.Tensor, lr float64) (optim.Optimizer, error) {
	switch name {
	case "sgd":
		return optim.NewSGD(params, optim.SGDConfig{LR: lr}), nil
	case "momentum":
		return optim.NewSGD(params, optim.SGDConfig{LR: lr, Momentum: 0.9}), nil
	case "nesterov":
		return optim.NewSGD(params, optim.SGDConfig{LR: lr, Momentum: 0.9, Nesterov: true}), nil
	case "adagrad":
		return optim.NewAdagrad(params, optim.AdagradConfig{LR: lr}), nil
	case "rmsprop":
		return optim.NewRMSprop(params, optim.RMSpropConfig{LR: lr}), nil
	case "adam":
		return optim.NewAdam(params, optim.AdamConfig{LR: lr}), nil
	case "adamw":
		return optim.NewAdamW(params, optim.AdamWConfig{LR: lr}), nil
	case "muon":
		return optim.NewMuon(params, optim.MuonConfig{LR: lr}), nil
	}
	return nil, usagef("--optimizer %q: want one of %s", name, strings.Join(optimizers, ", "))
}

// schedules are the values of --schedule.
var schedules = []string{"none", "step", "cosine", "onecycle"}

// newSchedule returns the learning-rate schedule name over epochs epochs of
// batches steps, or nil for "none". It must be made right after the
// optimizer, whose rate it reads as the base (onecycle's peak):
//
//   - step: ×0.7 after every epoch, as PyTorch's MNIST example
//     (StepLR(step_size=1, gamma=0.7));
//   - cosine: CosineAnnealingLR with T_max = epochs, stepped per epoch;
//   - onecycle: OneCycleLR peaking at the rate, stepped per batch.
//
// A resumed run given more epochs than the schedule spans goes on at the
// rate of the schedule's last epoch (or batch).
func newSchedule(name string, opt optim.Optimizer, lr float64, epochs, batches int) (fit.Schedule, error) {
	var s sched.Scheduler
	limit := epochs - 1
	switch name {
	case "", "none":
		return nil, nil
	case "step":
		s = sched.NewStepLR(opt, sched.StepConfig{StepSize: 1, Gamma: 0.7})
	case "cosine":
		s = sched.NewCosineAnnealingLR(opt, sched.CosineConfig{TMax: epochs})
	case "onecycle":
		limit = epochs*batches - 1
		s = sched.NewOneCycleLR(opt, sched.OneCycleConfig{MaxLR: lr, TotalSteps: epochs * batches})
	default:
		return nil, usagef("--schedule %q: want one of %s", name, strings.Join(schedules, ", "))
	}
	return held{s, limit}, nil
}

// held is a schedule that takes at most limit steps.
type held struct {
	sched.Scheduler
	limit int
}

func (h held) Step() {
	if h.State().LastEpoch < h.limit {
		h.Scheduler.Step()
	}
}

// saveConfig writes config.json atomically.
func saveConfig(dir string, c *config) error {
	b, err := json.MarshalIndent(c, "", "  ")
	if err != nil {
		return err
	}
	return atomicfile.WriteBytes(filepath.Join(dir, configFile), append(b, '\n'))
}

// loadRun reads a run folder's config and its model (from model.safetensors,
// or with fromCheckpoint false-and-missing, an error saying so).
func loadRun(dir string) (*config, nn.Module, error) {
	c, err := loadConfig(dir)
	if err != nil {
		return nil, nil, err
	}
	m := c.newModel()
	path := filepath.Join(dir, modelFile)
	if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
		return nil, nil, fmt.Errorf("%s: no trained model yet (training did not finish; resume it with: nerve train %s --resume %s)", path, c.Data, dir)
	}
	if err := nn.Load(m, path); err != nil {
		return nil, nil, err
	}
	return c, m, nil
}

// loadConfig reads config.json, checking that dir is a run folder.
func loadConfig(dir string) (*config, error) {
	st, err := os.Stat(dir)
	if err != nil {
		return nil, fmt.Errorf("run folder %s: %w", dir, unwrapPath(err))
	}
	if !st.IsDir() {
		return nil, fmt.Errorf("run folder %s: not a directory", dir)
	}
	path := filepath.Join(dir, configFile)
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("%s: %w (is %s a run folder written by nerve train?)", path, unwrapPath(err), dir)
	}
	c := &config{}
	if err := json.Unmarshal(b, c); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if c.Inputs < 1 || c.Outputs < 1 || (c.Data != "mnist" && c.Data != "csv") {
		return nil, fmt.Errorf("%s: not a nerve run configuration", path)
	}
	return c, nil
}

// unwrapPath drops the *PathError wrapper whose path the message repeats.
func unwrapPath(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}
