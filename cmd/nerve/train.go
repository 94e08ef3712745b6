package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/nervelab/nerve/data"
	"github.com/nervelab/nerve/data/csv"
	"github.com/nervelab/nerve/data/mnist"
	"github.com/nervelab/nerve/fit"
	"github.com/nervelab/nerve/internal/atomicfile"
	"github.com/nervelab/nerve/nn"
	"github.com/nervelab/nerve/optim"
	"github.com/nervelab/nerve/plot"
	"github.com/nervelab/nerve/tensor"
)

// trainFlags are the flags of nerve train.
type trainFlags struct {
	fs        *flag.FlagSet
	epochs    int
	batch     int
	lr        float64
	optimizer string
	schedule  string
	seed      uint64
	hidden    string
	model     string
	data      string
	out       string
	resume    string
	workers   int
	target    string
	task      string
	valSplit  float64
	normalize bool
	limit     int
}

func newTrainFlags(kind string, stdout io.Writer) *trainFlags {
	f := &trainFlags{}
	epochs, batch, hidden := 3, 64, "512,512"
	synopsis := "nerve train mnist [flags]"
	if kind == "csv" {
		epochs, batch, hidden = 50, 32, "64,64"
		synopsis = "nerve train csv FILE --target COL [--task regression|classification] [flags]"
	}
	fs := newFlags("train "+kind, synopsis, stdout)
	fs.IntVar(&f.epochs, "epochs", epochs, "passes over the training data")
	fs.IntVar(&f.batch, "batch", batch, "examples per batch")
	fs.Float64Var(&f.lr, "lr", 1e-3, "learning rate")
	fs.StringVar(&f.optimizer, "optimizer", "adam", "one of "+strings.Join(optimizers, ", "))
	fs.StringVar(&f.schedule, "schedule", "none", "learning-rate schedule: none, step (×0.7 per epoch), cosine (to 0 over the epochs) or onecycle (per batch, peaking at --lr); default onecycle for --model cnn")
	fs.Uint64Var(&f.seed, "seed", 1, "seed of the initial weights, shuffling and dropout")
	fs.StringVar(&f.hidden, "hidden", hidden, "hidden layer widths, comma-separated (\"\" for none)")
	fs.StringVar(&f.out, "out", "", "run folder to write (default runs/"+kind+"-<model>-<time>)")
	fs.StringVar(&f.resume, "resume", "", "continue the interrupted run in this folder (its settings; --epochs may extend it)")
	fs.IntVar(&f.workers, "workers", 1, "goroutines preparing the next batches during each step (0: none)")
	if kind == "mnist" {
		fs.StringVar(&f.data, "data", "", "folder with the MNIST IDX files (default: the GoMNIST module in the Go module cache)")
		fs.StringVar(&f.model, "model", "mlp", "mlp (the quickstart's), cnn (conv32-pool-conv64-pool-fc128; normalised pixels and a onecycle schedule unless --normalize=false or --schedule say otherwise) or lstm (LSTM over the 28 rows, 128 units); --hidden is the MLP's")
		fs.BoolVar(&f.normalize, "normalize", false, "normalise pixels with MNIST's mean 0.1307 and std 0.3081 (default: [0,1] as the quickstart's ToTensor; on for --model cnn)")
		fs.IntVar(&f.limit, "limit", 0, "train on the first N training images only (0: all 60000), for quick runs")
	} else {
		fs.StringVar(&f.target, "target", "", "target column(s), comma-separated (default: the last column)")
		fs.StringVar(&f.task, "task", "auto", "regression, classification or auto (classification when a target is not numeric)")
		fs.Float64Var(&f.valSplit, "val-split", 0.2, "share of the rows held out for validation")
	}
	f.fs = fs
	return f
}

// set reports whether the flag was given on the command line.
func (f *trainFlags) set(name string) bool {
	given := false
	f.fs.Visit(func(fl *flag.Flag) { given = given || fl.Name == name })
	return given
}

// check validates the numeric flags.
func (f *trainFlags) check() error {
	switch {
	case f.epochs < 1:
		return usagef("--epochs %d: want at least 1", f.epochs)
	case f.batch < 1:
		return usagef("--batch %d: want at least 1", f.batch)
	case !(f.lr > 0) || f.lr > 1e3:
		return usagef("--lr %v: want a positive rate", f.lr)
	case f.workers < 0 || f.workers > 64:
		return usagef("--workers %d: want 0..64", f.workers)
	case f.limit < 0:
		return usagef("--limit %d: want 0 (all) or more", f.limit)
	case f.valSplit < 0 || f.valSplit >= 1:
		return usagef("--val-split %v: want a share in [0, 1)", f.valSplit)
	}
	return nil
}

func cmdTrain(args []string, stdout io.Writer) error {
	if len(args) == 0 || strings.HasPrefix(args[0], "-") {
		if len(args) > 0 && (args[0] == "-h" || args[0] == "--help" || args[0] == "-help") {
			fmt.Fprint(stdout, "Usage:\n  nerve train mnist [flags]\n  nerve train csv FILE --target COL [flags]\n\nRun \"nerve train mnist --help\" or \"nerve train csv --help\" for the flags.\n")
			return flag.ErrHelp
		}
		return usagef("train: which data? nerve train mnist, or nerve train csv FILE --target COL")
	}
	kind := args[0]
	if kind != "mnist" && kind != "csv" {
		return usagef("train: unknown data %q (want mnist or csv)", kind)
	}
	f := newTrainFlags(kind, stdout)
	pos, err := parse(f.fs, args[1:])
	if err != nil {
		return err
	}
	if err := f.check(); err != nil {
		return err
	}
	var c *config
	if f.resume != "" {
		if c, err = f.resumed(kind, pos); err != nil {
			return err
		}
	} else if c, err = f.config(kind, pos); err != nil {
		return err
	}
	job, err := prepare(c)
	if err != nil {
		return err
	}
	return job.run(f, stdout)
}

// config turns flags into a new run's configuration.
func (f *trainFlags) config(kind string, pos []string) (*config, error) {
	hidden, err := parseHidden(f.hidden)
	if err != nil {
		return nil, usagef("%v", err)
	}
	model := f.model
	if model == "" {
		model = "mlp"
	}
	if !slices.Contains(models, model) {
		return nil, usagef("--model %q: want one of %s", model, strings.Join(models, ", "))
	}
	if model == "cnn" { // the recipe that passes 99% in 3 epochs; see the --model help
		if !f.set("schedule") {
			f.schedule = "onecycle"
		}
		if !f.set("normalize") {
			f.normalize = true
		}
	}
	c := &config{Data: kind, Model: model, Hidden: hidden, Epochs: f.epochs, Batch: f.batch, LR: f.lr,
		Optimizer: f.optimizer, Seed: f.seed, Workers: f.workers}
	if _, err := newOptimizer(c.Optimizer, nil, c.LR); err != nil {
		return nil, err
	}
	if !slices.Contains(schedules, f.schedule) {
		return nil, usagef("--schedule %q: want one of %s", f.schedule, strings.Join(schedules, ", "))
	}
	if f.schedule != "none" {
		c.Schedule, c.ScheduleEpochs = f.schedule, f.epochs
	}
	if kind == "mnist" {
		if len(pos) > 0 {
			return nil, usagef("train mnist: unexpected argument %q", pos[0])
		}
		c.Task, c.Normalize, c.DataDir, c.Limit = "classification", f.normalize, f.data, f.limit
		return c, nil
	}
	if len(pos) != 1 {
		return nil, usagef("train csv: want one CSV file, got %d arguments (nerve train csv FILE --target COL)", len(pos))
	}
	task, err := csv.ParseTask(f.task)
	if err != nil {
		return nil, usagef("--task: %v", err)
	}
	c.Task = task.String()
	var targets []string
	if f.target != "" {
		targets = strings.Split(f.target, ",")
	}
	c.CSV = &csvConfig{File: pos[0], Targets: targets, ValSplit: f.valSplit}
	return c, nil
}

// resumed loads the configuration of the run being resumed. Only
// --epochs, --workers and --data may differ from the original run.
func (f *trainFlags) resumed(kind string, pos []string) (*config, error) {
	var bad []string
	f.fs.Visit(func(fl *flag.Flag) {
		switch fl.Name {
		case "resume", "epochs", "workers", "data":
		default:
			bad = append(bad, "--"+fl.Name)
		}
	})
	if len(bad) > 0 {
		return nil, usagef("--resume continues a run with its own settings; %s cannot change (only --epochs, --workers, --data)", strings.Join(bad, ", "))
	}
	c, err := loadConfig(f.resume)
	if err != nil {
		return nil, err
	}
	if c.Data != kind {
		return nil, usagef("--resume %s: that is a %s run, not %s", f.resume, c.Data, kind)
	}
	if kind == "csv" && len(pos) > 0 && pos[0] != c.CSV.File {
		return nil, usagef("--resume %s: the run trained on %s, not %s", f.resume, c.CSV.File, pos[0])
	}
	f.fs.Visit(func(fl *flag.Flag) {
		switch fl.Name {
		case "epochs":
			c.Epochs = f.epochs
		case "workers":
			c.Workers = f.workers
		case "data":
			c.DataDir = f.data
		}
	})
	f.out = f.resume
	return c, nil
}

// job is a configured run with its data loaded.
type job struct {
	c          *config
	train, val data.Dataset
	valName    string // what val is, for messages: "test" or "validation"
	images     *mnist.Set
	loss       func(pred, target *tensor.Tensor) *tensor.Tensor
	metrics    []fit.Metric
	describe   string
}

// prepare loads the data a configuration names.
func prepare(c *config) (*job, error) {
	if c.Data == "mnist" {
		return prepareMNIST(c)
	}
	return prepareCSV(c)
}

func prepareMNIST(c *config) (*job, error) {
	dir := c.DataDir
	if dir == "" {
		dir = mnist.DefaultDir()
	}
	train, test, err := mnist.Load(dir)
	if err != nil {
		return nil, err
	}
	train.Normalized, test.Normalized = c.Normalize, c.Normalize
	c.Inputs, c.Outputs = train.Rows*train.Cols, 10
	c.Classes = []string{"0", "1", "2", "3", "4", "5", "6", "7", "8", "9"}
	var tr data.Dataset = train
	if c.Limit > 0 && c.Limit < train.N {
		tr = data.Head(train, c.Limit)
	}
	return &job{c: c, train: tr, val: test, valName: "test", images: test,
		loss: nn.CrossEntropyLoss, metrics: []fit.Metric{fit.Accuracy()},
		describe: fmt.Sprintf("MNIST (%d training and %d test images from %s)", tr.Len(), test.N, dir)}, nil
}

func prepareCSV(c *config) (*job, error) {
	task, err := csv.ParseTask(c.Task)
	if err != nil {
		return nil, err
	}
	t, err := csv.Load(c.CSV.File, csv.Options{Targets: c.CSV.Targets, Task: task})
	if err != nil {
		return nil, err
	}
	tr, val := t.Split(c.CSV.ValSplit, c.Seed)
	if tr.N == 0 {
		return nil, fmt.Errorf("%s: no rows left for training after holding out %.0f%%", c.CSV.File, 100*c.CSV.ValSplit)
	}
	scaler := csv.FitScaler(tr)
	if err := scaler.Transform(tr); err != nil {
		return nil, err
	}
	if err := scaler.Transform(val); err != nil {
		return nil, err
	}
	c.Task, c.Inputs = t.Task.String(), len(t.Features)
	c.CSV.Targets, c.CSV.Features, c.CSV.Scaler = t.Targets, t.Features, scaler
	j := &job{c: c, train: tr.Dataset(), val: val.Dataset(), valName: "validation"}
	if t.Task == csv.Classification {
		c.Classes, c.Outputs = t.Classes, len(t.Classes)
		j.loss, j.metrics = nn.CrossEntropyLoss, []fit.Metric{fit.Accuracy()}
	} else {
		c.Classes, c.Outputs = nil, len(t.Targets)
		j.loss, j.metrics = nn.MSELoss, []fit.Metric{fit.MAE(), fit.RMSE()}
	}
	if val.N == 0 {
		j.val = nil
	}
	j.describe = fmt.Sprintf("%s (%s of %s from %d features; %d training and %d validation rows)",
		c.CSV.File, c.Task, strings.Join(t.Targets, ","), len(t.Features), tr.N, val.N)
	return j, nil
}

// runDir creates the run folder: --out, or runs/<data>-<model>-<time>.
func runDir(out, kind, model string) (string, error) {
	if out == "" {
		base := filepath.Join("runs", kind+"-"+model+"-"+time.Now().Format("20060102-150405"))
		out = base
		for i := 2; ; i++ {
			if _, err := os.Stat(out); errors.Is(err, os.ErrNotExist) {
				break
			}
			out = fmt.Sprintf("%s-%d", base, i)
		}
	}
	if err := os.MkdirAll(out, 0o755); err != nil {
		return "", err
	}
	return out, nil
}

// setup seeds the generator and builds the model, its optimizer and the
// training loader.
func (j *job) setup() (nn.Module, optim.Optimizer, *data.Loader, error) {
	c := j.c
	tensor.ManualSeed(c.Seed)
	model := c.newModel()
	opt, err := newOptimizer(c.Optimizer, nn.Parameters(model), c.LR)
	if err != nil {
		return nil, nil, nil, err
	}
	loader := data.NewLoader(j.train, data.Batch(c.Batch), data.Shuffle(c.Seed), data.Workers(c.Workers))
	return model, opt, loader, nil
}

// run trains and writes the run folder.
func (j *job) run(f *trainFlags, stdout io.Writer) error {
	c := j.c
	dir := f.out
	if f.resume == "" {
		var err error
		if dir, err = runDir(f.out, c.Data, c.Model); err != nil {
			return err
		}
		if err := saveConfig(dir, c); err != nil {
			return err
		}
	}
	model, opt, loader, err := j.setup()
	if err != nil {
		return err
	}
	schedule, err := newSchedule(c.Schedule, opt, c.LR, c.ScheduleEpochs, loader.Len())
	if err != nil {
		return err
	}
	var val *data.Loader
	if j.val != nil {
		val = data.NewLoader(j.val, data.Batch(1000))
	}
	fmt.Fprintf(stdout, "training %s on %s\n", c.describe(), j.describe)
	fmt.Fprintf(stdout, "%s; run folder %s\n", c.settings(), dir)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	start := time.Now()
	h, err := fit.Fit(model, loader, fit.Options{
		Epochs: c.Epochs, Loss: j.loss, Optimizer: opt, Schedule: schedule, Validate: val, Metrics: j.metrics,
		Checkpoint: filepath.Join(dir, checkpointFile), Resume: f.resume != "",
		Progress: stdout, Context: ctx,
		OnEpoch: func(h *fit.History) { j.saveProgress(dir, h, stdout) },
	})
	if errors.Is(err, fit.ErrInterrupted) {
		return fmt.Errorf("%v; continue with: nerve train %s --resume %s", err, c.Data, dir)
	}
	if err != nil {
		return err
	}
	return j.finish(dir, model, h, val, time.Since(start), stdout)
}

// saveProgress writes the metrics and curves after every epoch, so a long
// run can be watched and an interrupted one keeps its pictures.
func (j *job) saveProgress(dir string, h *fit.History, stdout io.Writer) {
	if err := writeMetrics(dir, h, nil); err != nil {
		fmt.Fprintf(stdout, "warning: %v\n", err)
	}
	if err := plot.Losses(filepath.Join(dir, lossPlot), h.Series("loss"), h.Series("val_loss")); err != nil {
		fmt.Fprintf(stdout, "warning: %v\n", err)
	}
	name := j.metrics[0].Name()
	series := []plot.Series{{Name: "train", Y: h.Series(name)}}
	if h.Has("val_" + name) {
		series = append(series, plot.Series{Name: j.valName, Y: h.Series("val_" + name)})
	}
	if err := plot.Lines(filepath.Join(dir, metricPlot), strings.ToUpper(name[:1])+name[1:], "Epoch", name, series...); err != nil {
		fmt.Fprintf(stdout, "warning: %v\n", err)
	}
}

// final is the end-of-training evaluation written into metrics.json.
type final struct {
	Data      string             `json:"data"`
	Values    map[string]float64 `json:"values"`
	Confusion [][]int            `json:"confusion,omitempty"`
	Seconds   float64            `json:"seconds"`
}

// writeMetrics writes metrics.json: the history and, at the end, the final
// evaluation.
func writeMetrics(dir string, h *fit.History, f *final) error {
	b, err := json.MarshalIndent(struct {
		History *fit.History `json:"history"`
		Final   *final       `json:"final,omitempty"`
	}{h, f}, "", "  ")
	if err != nil {
		return err
	}
	return atomicfile.WriteBytes(filepath.Join(dir, metricsFile), append(b, '\n'))
}

// finish evaluates the trained model, saves it and the pictures.
func (j *job) finish(dir string, model nn.Module, h *fit.History, val *data.Loader, took time.Duration, stdout io.Writer) error {
	if err := nn.Save(model, filepath.Join(dir, modelFile)); err != nil {
		return err
	}
	written := []string{modelFile, metricsFile, lossPlot, metricPlot, checkpointFile}
	f := &final{Seconds: took.Seconds()}
	if val != nil {
		scores, err := fit.Evaluate(model, val, j.loss, j.metrics...)
		if err != nil {
			return err
		}
		f.Data, f.Values = j.valName, scores
		if j.c.Classes != nil {
			cm, err := fit.ConfusionMatrix(model, val, j.c.Classes)
			if err != nil {
				return err
			}
			f.Confusion = cm.Counts
		}
		fmt.Fprintf(stdout, "%s %s\n", j.valName, formatScores(scores))
	}
	if err := writeMetrics(dir, h, f); err != nil {
		return err
	}
	if j.images != nil {
		if err := samples(filepath.Join(dir, samplesPlot), model, j.images, j.c.Normalize, 32); err != nil {
			return err
		}
		written = append(written, samplesPlot)
	}
	if j.c.Task == "regression" && val != nil {
		if err := predictedVsActual(filepath.Join(dir, predictedPlot), model, val); err != nil {
			return err
		}
		written = append(written, predictedPlot)
	}
	fmt.Fprintf(stdout, "trained in %.1f s; wrote %s: %s\n", took.Seconds(), dir, strings.Join(written, ", "))
	return nil
}

// formatScores prints "accuracy 97.93%  loss 0.0712".
func formatScores(s map[string]float64) string {
	var parts []string
	for _, k := range []string{"accuracy", "mae", "rmse", "mse", "loss"} {
		if v, ok := s[k]; ok {
			if k == "accuracy" {
				parts = append(parts, fmt.Sprintf("%s %.2f%%", k, 100*v))
			} else {
				parts = append(parts, fmt.Sprintf("%s %.4f", k, v))
			}
		}
	}
	return strings.Join(parts, "  ")
}

// samples draws the first n test images captioned with the model's
// prediction ("7", or "7 (true 2)" when wrong).
func samples(path string, model nn.Module, set *mnist.Set, normalized bool, n int) error {
	n = min(n, set.N)
	idx := make([]int, n)
	for i := range idx {
		idx[i] = i
	}
	var pred []int64
	nn.Eval(model)
	tensor.NoGrad(func() {
		x, _ := set.Batch(idx)
		pred = model.Forward(x).ArgMax(1).Int64s()
	})
	nn.Train(model)
	images := make([][]float32, n)
	labels := make([]string, n)
	for i := range idx {
		images[i] = set.Image(i)
		labels[i] = fmt.Sprint(pred[i])
		if int(pred[i]) != set.Label(i) {
			labels[i] += fmt.Sprintf(" (true %d)", set.Label(i))
		}
	}
	return plot.ImageGrid(path, images, set.Rows, set.Cols, labels, 8)
}

// predictedVsActual plots the first target of a regression's validation
// rows.
func predictedVsActual(path string, model nn.Module, val *data.Loader) error {
	var actual, predicted []float64
	err := fit.Predict(model, val, func(pred, y *tensor.Tensor) {
		w := pred.Shape()[1]
		p, a := pred.Data(), y.Data()
		for i := 0; i < len(p); i += w {
			predicted = append(predicted, float64(p[i]))
			actual = append(actual, float64(a[i]))
		}
	})
	if err != nil {
		return err
	}
	return plot.PredictedVsActual(path, actual, predicted)
}

// plural prints "1 epoch", "3 epochs".
func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}
