package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/nervelab/nerve/data"
	"github.com/nervelab/nerve/data/digit"
	"github.com/nervelab/nerve/data/mnist"
	"github.com/nervelab/nerve/fit"
	"github.com/nervelab/nerve/nn"
	"github.com/nervelab/nerve/plot"
	"github.com/nervelab/nerve/tensor"
)

// runArg parses a command that takes one run folder.
func runArg(name, synopsis string, args []string, stdout io.Writer, extra func(fs *flag.FlagSet)) (string, error) {
	fs := newFlags(name, synopsis, stdout)
	if extra != nil {
		extra(fs)
	}
	pos, err := parse(fs, args)
	if err != nil {
		return "", err
	}
	if len(pos) != 1 {
		return "", usagef("%s: want one run folder (Usage: %s)", name, synopsis)
	}
	return pos[0], nil
}

func cmdEval(args []string, stdout io.Writer) error {
	var dataDir string
	dir, err := runArg("eval", "nerve eval RUN_DIR [--data DIR]", args, stdout, func(fs *flag.FlagSet) {
		fs.StringVar(&dataDir, "data", "", "folder with the MNIST IDX files (default: the run's)")
	})
	if err != nil {
		return err
	}
	c, model, err := loadRun(dir)
	if err != nil {
		return err
	}
	if dataDir != "" {
		c.DataDir = dataDir
	}
	j, err := prepare(c)
	if err != nil {
		return err
	}
	if j.val == nil {
		return fmt.Errorf("%s: the run held out no data to evaluate on (--val-split 0)", dir)
	}
	val := data.NewLoader(j.val, data.Batch(1000))
	scores, err := fit.Evaluate(model, val, j.loss, j.metrics...)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%s: %s on %d %s examples\n", c.describe(), formatScores(scores), j.val.Len(), j.valName)
	if c.Classes == nil {
		return nil
	}
	cm, err := fit.ConfusionMatrix(model, val, c.Classes)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "confusion matrix (rows: actual, columns: predicted)\n%s", cm)
	return nil
}

func cmdPredict(args []string, stdout io.Writer) error {
	synopsis := "nerve predict RUN_DIR IMAGE.png..."
	fs := newFlags("predict", synopsis, stdout)
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) < 2 {
		return usagef("predict: want a run folder and at least one PNG image (Usage: %s)", synopsis)
	}
	c, model, err := loadRun(pos[0])
	if err != nil {
		return err
	}
	if c.Data != "mnist" {
		return fmt.Errorf("%s: predict classifies digit images; this is a %s run", pos[0], c.Data)
	}
	nn.Eval(model)
	var failed error
	for _, path := range pos[1:] {
		pix, err := digit.Load(path)
		if err != nil {
			failed = errors.Join(failed, err)
			continue
		}
		x := tensor.New(pix, 1, 1, 28, 28)
		if c.Normalize {
			x = x.SubScalar(mnist.Mean).DivScalar(mnist.Std)
		}
		var probs []float32
		tensor.NoGrad(func() { probs = model.Forward(x).Softmax(1).Data() })
		fmt.Fprintf(stdout, "%s: %s\n", path, top3(probs, c.Classes))
	}
	return failed
}

// top3 prints "7  (7 98.1%, 1 1.2%, 9 0.3%)".
func top3(probs []float32, classes []string) string {
	idx := make([]int, len(probs))
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(a, b int) bool { return probs[idx[a]] > probs[idx[b]] })
	var parts []string
	for _, i := range idx[:min(3, len(idx))] {
		parts = append(parts, fmt.Sprintf("%s %.1f%%", classes[i], 100*probs[i]))
	}
	return fmt.Sprintf("%s  (%s)", classes[idx[0]], strings.Join(parts, ", "))
}

func cmdLRFind(args []string, stdout io.Writer) error {
	if len(args) == 0 || args[0] != "mnist" {
		if len(args) > 0 && (args[0] == "-h" || args[0] == "--help" || args[0] == "-help") {
			args = []string{"mnist", "--help"}
		} else {
			return usagef("lr-find: want: nerve lr-find mnist [flags]")
		}
	}
	f := newTrainFlags("mnist", stdout)
	// Only the flags that shape the model, the data and the optimizer: the
	// sweep sets the rate and runs no epochs.
	fs := newFlags("lr-find", "nerve lr-find mnist [flags]", stdout)
	f.fs.VisitAll(func(fl *flag.Flag) {
		switch fl.Name {
		case "epochs", "lr", "schedule", "out", "resume":
		default:
			fs.Var(fl.Value, fl.Name, fl.Usage)
		}
	})
	f.fs = fs
	var start, end float64
	var steps int
	var out string
	fs.Usage = func() {
		fmt.Fprintf(stdout, "Usage: nerve lr-find mnist [flags]\n\nFlags:\n")
		fs.SetOutput(stdout)
		fs.PrintDefaults()
		fs.SetOutput(io.Discard)
	}
	fs.Float64Var(&start, "start", 1e-7, "first learning rate of the sweep")
	fs.Float64Var(&end, "end", 10, "last learning rate of the sweep")
	fs.IntVar(&steps, "steps", 300, "batches in the sweep")
	fs.StringVar(&out, "plot", "lr-find.png", "where to draw the loss against the learning rate (.png or .svg)")
	pos, err := parse(fs, args[1:])
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usagef("lr-find mnist: unexpected argument %q", pos[0])
	}
	if err := f.check(); err != nil {
		return err
	}
	if !(start > 0 && end > start) || steps < 10 {
		return usagef("lr-find: want 0 < --start < --end and --steps ≥ 10")
	}
	c, err := f.config("mnist", nil)
	if err != nil {
		return err
	}
	j, err := prepare(c)
	if err != nil {
		return err
	}
	model, opt, loader, err := j.setup()
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "sweeping the learning rate of %s from %g to %g over %d batches of %d (%s)\n", c.Optimizer, start, end, steps, c.Batch, c.describe())
	res, err := fit.FindLR(model, loader, fit.LRFind{Loss: j.loss, Optimizer: opt, Start: start, End: end, Steps: steps})
	if err != nil {
		return err
	}
	if res.Stopped != "" {
		fmt.Fprintf(stdout, "stopped after %d batches: %s\n", len(res.LRs), res.Stopped)
	}
	if err := plot.LRFinder(out, res.LRs, res.Losses, res.Suggested); err != nil {
		return err
	}
	best := 0
	for i, l := range res.Losses {
		if l < res.Losses[best] {
			best = i
		}
	}
	fmt.Fprintf(stdout, "lowest smoothed loss %.4f at lr %.3g; steepest fall at lr %.3g\n", res.Losses[best], res.LRs[best], res.Suggested)
	fmt.Fprintf(stdout, "suggested learning rate: %.3g  (nerve train mnist --optimizer %s --lr %.3g); plot: %s\n", res.Suggested, c.Optimizer, res.Suggested, out)
	return nil
}

func cmdSummary(args []string, stdout io.Writer) error {
	dir, err := runArg("summary", "nerve summary RUN_DIR", args, stdout, nil)
	if err != nil {
		return err
	}
	c, err := loadConfig(dir)
	if err != nil {
		return err
	}
	model := c.newModel()
	total, _ := nn.NumParameters(model)
	fmt.Fprintf(stdout, "run %s: %s on %s (%s)\n", dir, c.describe(), dataName(c), c.Task)
	fmt.Fprintf(stdout, "optimizer %s\n\n", c.settings())
	fmt.Fprintf(stdout, "%s\ntotal parameters: %d\n", nn.Summary(model), total)
	if _, err := os.Stat(filepath.Join(dir, modelFile)); err != nil {
		fmt.Fprintf(stdout, "\nno %s yet: training has not finished\n", modelFile)
	}
	b, err := os.ReadFile(filepath.Join(dir, metricsFile))
	if err != nil {
		return nil // no epoch finished yet
	}
	var m struct {
		History fit.History `json:"history"`
		Final   *final      `json:"final"`
	}
	if err := json.Unmarshal(b, &m); err != nil {
		return fmt.Errorf("%s: %w", filepath.Join(dir, metricsFile), err)
	}
	fmt.Fprintln(stdout, "\nhistory:")
	for _, e := range m.History.Epochs {
		fmt.Fprintf(stdout, "  epoch %d  %s  lr %.3g  %.1f s\n", e.Epoch, formatHistory(e.Values), e.LR, e.Seconds)
	}
	if m.History.StopReason != "" {
		fmt.Fprintf(stdout, "  stopped early: %s\n", m.History.StopReason)
	}
	if m.Final != nil && m.Final.Values != nil {
		fmt.Fprintf(stdout, "final %s: %s\n", m.Final.Data, formatScores(m.Final.Values))
	}
	return nil
}

func dataName(c *config) string {
	if c.Data == "csv" {
		return c.CSV.File
	}
	return "MNIST"
}

// formatHistory prints an epoch's values in a stable order; NaN (null
// in JSON) prints as "-".
func formatHistory(v map[string]float64) string {
	keys := make([]string, 0, len(v))
	for k := range v {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(a, b int) bool {
		va, vb := strings.HasPrefix(keys[a], "val_"), strings.HasPrefix(keys[b], "val_")
		if va != vb {
			return vb
		}
		if (keys[a] == "loss" || keys[a] == "val_loss") != (keys[b] == "loss" || keys[b] == "val_loss") {
			return keys[a] == "loss" || keys[a] == "val_loss"
		}
		return keys[a] < keys[b]
	})
	var parts []string
	for _, k := range keys {
		x := v[k]
		switch {
		case math.IsNaN(x):
			parts = append(parts, k+" -")
		case strings.Contains(k, "accuracy"):
			parts = append(parts, fmt.Sprintf("%s %.2f%%", k, 100*x))
		default:
			parts = append(parts, fmt.Sprintf("%s %.4f", k, x))
		}
	}
	return strings.Join(parts, "  ")
}
