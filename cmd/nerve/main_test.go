package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/nervelab/nerve/data/digit"
	"github.com/nervelab/nerve/data/mnist"
)

// nerve runs a command line and returns the exit status, stdout and stderr.
func nerve(args ...string) (int, string, string) {
	var out, errb bytes.Buffer
	status := run(args, &out, &errb)
	return status, out.String(), errb.String()
}

var (
	mnistOnce   sync.Once
	mnistDir    string
	mnistOutput string
	mnistStatus int
	mnistErr    string
)

// trainedMNIST trains the default MLP once, on the first 10,000 training
// images for one epoch, and returns its run folder.
func trainedMNIST(t *testing.T) string {
	t.Helper()
	if raceEnabled {
		t.Skip("end-to-end training runs without the race detector")
	}
	if _, err := os.Stat(mnist.DefaultDir()); err != nil {
		t.Fatalf("MNIST is not in the module cache (%v); run: %s", err, mnist.DownloadCommand)
	}
	mnistOnce.Do(func() {
		dir, err := os.MkdirTemp("", "nerve-run-")
		if err != nil {
			panic(err)
		}
		mnistDir = filepath.Join(dir, "mnist-run")
		mnistStatus, mnistOutput, mnistErr = nerve("train", "mnist", "--limit", "10000", "--epochs", "1", "--out", mnistDir)
	})
	if mnistStatus != 0 {
		t.Fatalf("train mnist: status %d\n%s\n%s", mnistStatus, mnistOutput, mnistErr)
	}
	return mnistDir
}

func TestMain(m *testing.M) {
	code := m.Run()
	if mnistDir != "" {
		os.RemoveAll(filepath.Dir(mnistDir))
	}
	os.Exit(code)
}

// TestTrainMNISTReachesAccuracy is the end-to-end proof: the quickstart MLP
// trained on the first 10,000 real training images for one epoch
// classifies the 10,000 test images with at least 90% accuracy.
func TestTrainMNISTReachesAccuracy(t *testing.T) {
	dir := trainedMNIST(t)
	t.Log(mnistOutput)
	for _, f := range []string{configFile, modelFile, metricsFile, checkpointFile, lossPlot, metricPlot, samplesPlot} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Errorf("run folder lacks %s: %v", f, err)
		}
	}
	if !strings.Contains(mnistOutput, "run folder "+dir) || strings.Contains(mnistOutput, "\r") {
		t.Errorf("output:\n%s", mnistOutput)
	}
	b, err := os.ReadFile(filepath.Join(dir, metricsFile))
	if err != nil {
		t.Fatal(err)
	}
	var m struct {
		Final final `json:"final"`
	}
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	acc := m.Final.Values["accuracy"]
	t.Logf("test accuracy after one epoch on 10000 images: %.4f", acc)
	if acc < 0.90 {
		t.Fatalf("test accuracy %.4f < 0.90", acc)
	}
	sum := 0
	for _, row := range m.Final.Confusion {
		for _, n := range row {
			sum += n
		}
	}
	if sum != 10000 {
		t.Fatalf("confusion matrix counts %d images", sum)
	}
}

func TestEvalSummaryPredict(t *testing.T) {
	dir := trainedMNIST(t)
	status, out, errs := nerve("eval", dir)
	if status != 0 || !strings.Contains(out, "accuracy ") || !strings.Contains(out, "confusion matrix") || !strings.Contains(out, "10000 test examples") {
		t.Fatalf("eval: %d\n%s%s", status, out, errs)
	}
	status, out, errs = nerve("summary", dir)
	if status != 0 || !strings.Contains(out, "MLP 784-512-512-10") || !strings.Contains(out, "(linear_relu_stack): Sequential(") ||
		!strings.Contains(out, "total parameters: 669706") || !strings.Contains(out, "epoch 1  loss ") {
		t.Fatalf("summary: %d\n%s%s", status, out, errs)
	}
	// Test images 0 and 1 of MNIST are a 7 and a 2: save them as PNGs, one
	// black on white and larger, as a user's scan would be.
	_, test, err := mnist.Load(mnist.DefaultDir())
	if err != nil {
		t.Fatal(err)
	}
	tmp := t.TempDir()
	seven := filepath.Join(tmp, "seven.png")
	if err := digit.Save(seven, test.Image(0), 28, 28); err != nil {
		t.Fatal(err)
	}
	two := filepath.Join(tmp, "two.png")
	writeScan(t, two, test.Image(1), 4)
	status, out, errs = nerve("predict", dir, seven, two)
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if status != 0 || len(lines) != 2 || !strings.HasPrefix(lines[0], seven+": 7  (7 ") || !strings.HasPrefix(lines[1], two+": 2  (2 ") {
		t.Fatalf("predict: %d\n%s%s", status, out, errs)
	}
	if strings.Count(lines[0], "%") != 3 {
		t.Fatalf("predict does not print the top 3: %q", lines[0])
	}
}

// writeScan writes a 28×28 image enlarged by k and inverted (black ink on
// white) as an RGB PNG.
func writeScan(t *testing.T, path string, pix []float32, k int) {
	img := image.NewRGBA(image.Rect(0, 0, 28*k, 28*k))
	for y := 0; y < 28*k; y++ {
		for x := 0; x < 28*k; x++ {
			v := uint8(255 - 255*pix[(y/k)*28+x/k])
			img.Set(x, y, color.RGBA{v, v, v, 255})
		}
	}
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := png.Encode(f, img); err != nil {
		t.Fatal(err)
	}
}

func TestErrorsExitWithOneLine(t *testing.T) {
	tmp := t.TempDir()
	notPNG := filepath.Join(tmp, "note.png")
	os.WriteFile(notPNG, []byte("hello, not an image"), 0o644)
	badCSV := filepath.Join(tmp, "bad.csv")
	os.WriteFile(badCSV, []byte("a,b,y\n1,2,3\n4,x,6\n"), 0o644)
	runDir := filepath.Join(tmp, "no-model")
	if !raceEnabled {
		runDir = trainedMNIST(t)
	}
	cases := []struct {
		args   []string
		status int
		want   string
	}{
		{nil, 2, "no command given"},
		{[]string{"fly"}, 2, `unknown command "fly"`},
		{[]string{"train"}, 2, "which data?"},
		{[]string{"train", "imagenet"}, 2, `unknown data "imagenet"`},
		{[]string{"train", "mnist", "--epochs", "0"}, 2, "--epochs 0"},
		{[]string{"train", "mnist", "--epochs", "three"}, 2, "invalid value"},
		{[]string{"train", "mnist", "--bogus"}, 2, "flag provided but not defined: -bogus"},
		{[]string{"train", "mnist", "--optimizer", "lbfgs"}, 2, `--optimizer "lbfgs"`},
		{[]string{"train", "mnist", "--schedule", "warm"}, 2, `--schedule "warm": want one of none, step, cosine, onecycle`},
		{[]string{"train", "mnist", "--model", "transformer"}, 2, `--model "transformer": want one of mlp, cnn, lstm`},
		{[]string{"train", "csv", "x.csv", "--model", "cnn"}, 2, "flag provided but not defined: -model"},
		{[]string{"train", "mnist", "--hidden", "512,x"}, 2, "--hidden"},
		{[]string{"train", "mnist", "--lr", "-1"}, 2, "--lr -1"},
		{[]string{"train", "mnist", "extra"}, 2, `unexpected argument "extra"`},
		{[]string{"train", "mnist", "--data", filepath.Join(tmp, "nowhere"), "--out", filepath.Join(tmp, "r1")}, 1, mnist.DownloadCommand},
		{[]string{"train", "csv"}, 2, "want one CSV file"},
		{[]string{"train", "csv", filepath.Join(tmp, "missing.csv"), "--out", filepath.Join(tmp, "r2")}, 1, "missing.csv"},
		{[]string{"train", "csv", badCSV, "--out", filepath.Join(tmp, "r3")}, 1, `line 3, column "b"`},
		{[]string{"train", "csv", badCSV, "--task", "clustering"}, 2, "--task"},
		{[]string{"train", "mnist", "--resume", filepath.Join(tmp, "none")}, 1, "run folder"},
		{[]string{"train", "mnist", "--resume", tmp, "--lr", "0.1"}, 2, "--lr cannot change"},
		{[]string{"eval"}, 2, "want one run folder"},
		{[]string{"eval", filepath.Join(tmp, "none")}, 1, "run folder"},
		{[]string{"eval", tmp}, 1, "config.json"},
		{[]string{"summary", filepath.Join(tmp, "none")}, 1, "run folder"},
		{[]string{"predict", runDir}, 2, "at least one PNG image"},
		{[]string{"predict", runDir, notPNG}, 1, ifTrained("not a PNG image")},
		{[]string{"predict", runDir, filepath.Join(tmp, "absent.png")}, 1, ifTrained("absent.png")},
		{[]string{"lr-find"}, 2, "nerve lr-find mnist"},
		{[]string{"lr-find", "mnist", "--steps", "2"}, 2, "--steps"},
		{[]string{"lr-find", "mnist", "--epochs", "3"}, 2, "flag provided but not defined: -epochs"},
	}
	for _, c := range cases {
		status, _, errs := nerve(c.args...)
		if status != c.status || !strings.Contains(errs, c.want) {
			t.Errorf("nerve %s: status %d, stderr %q; want %d and %q", strings.Join(c.args, " "), status, errs, c.status, c.want)
		}
		if strings.Count(errs, "\n") != 1 && c.args != nil || strings.Contains(errs, "goroutine") {
			t.Errorf("nerve %s: stderr is not one line:\n%s", strings.Join(c.args, " "), errs)
		}
	}
}

// ifTrained is want when the MNIST run exists, else the error of a
// missing run folder.
func ifTrained(want string) string {
	if raceEnabled {
		return "run folder"
	}
	return want
}

func TestHelpIsComplete(t *testing.T) {
	for _, c := range []struct {
		args  []string
		flags []string
	}{
		{[]string{"--help"}, []string{"train mnist", "train csv", "eval", "predict", "lr-find", "summary"}},
		{[]string{"train", "mnist", "--help"}, []string{"-epochs", "-batch", "-lr", "-optimizer", "-seed", "-hidden", "-data", "-out", "-resume", "-workers", "-limit", "-schedule", "muon"}},
		{[]string{"train", "csv", "--help"}, []string{"-target", "-task", "-val-split", "-epochs"}},
		{[]string{"eval", "--help"}, []string{"RUN_DIR", "-data"}},
		{[]string{"predict", "--help"}, []string{"IMAGE.png"}},
		{[]string{"lr-find", "mnist", "--help"}, []string{"-start", "-end", "-steps", "-plot", "-optimizer"}},
		{[]string{"summary", "--help"}, []string{"RUN_DIR"}},
	} {
		status, out, errs := nerve(c.args...)
		if status != 0 || errs != "" {
			t.Errorf("nerve %s: status %d, stderr %q", strings.Join(c.args, " "), status, errs)
		}
		if n := strings.Count(out, "Usage"); n != 1 {
			t.Errorf("nerve %s: help printed %d times:\n%s", strings.Join(c.args, " "), n, out)
		}
		for _, f := range c.flags {
			if !strings.Contains(out, f) {
				t.Errorf("nerve %s: help lacks %q:\n%s", strings.Join(c.args, " "), f, out)
			}
		}
	}
}

// writeCSV writes a tabular problem: y = 2a − b (+ class by sign).
func writeCSV(t *testing.T, path string, n int, classes bool) {
	var b strings.Builder
	b.WriteString("a,b,noise,y\n")
	for i := 0; i < n; i++ {
		a, c := float64(i%17)/4-2, float64(i%11)/3-1.5
		noise := float64((i*7919)%13)/13 - 0.5
		y := fmt.Sprintf("%.4f", 2*a-c)
		if classes {
			y = "low"
			if 2*a-c > 0 {
				y = "high"
			}
		}
		fmt.Fprintf(&b, "%.4f,%.4f,%.4f,%s\n", a, c, noise, y)
	}
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
}

// regressionCSV skips under the race detector and writes a regression
// problem of n rows into a temporary folder, which it returns with the
// file's path.
func regressionCSV(t *testing.T, n int) (tmp, path string) {
	t.Helper()
	if raceEnabled {
		t.Skip("end-to-end training runs without the race detector")
	}
	tmp = t.TempDir()
	path = filepath.Join(tmp, "reg.csv")
	writeCSV(t, path, n, false)
	return tmp, path
}

func TestTrainCSVAndResume(t *testing.T) {
	tmp, reg := regressionCSV(t, 300)
	out := filepath.Join(tmp, "reg-run")
	status, stdout, errs := nerve("train", "csv", reg, "--target", "y", "--epochs", "2", "--out", out, "--hidden", "16", "--lr", "0.01")
	if status != 0 {
		t.Fatalf("train csv: %d\n%s%s", status, stdout, errs)
	}
	if _, err := os.Stat(filepath.Join(out, predictedPlot)); err != nil {
		t.Fatalf("no predicted-vs-actual plot: %v", err)
	}
	status, stdout, errs = nerve("train", "csv", reg, "--resume", out, "--epochs", "40")
	if status != 0 || !strings.Contains(stdout, "resuming from") || !strings.Contains(stdout, "epoch 40/40") {
		t.Fatalf("resume: %d\n%s%s", status, stdout, errs)
	}
	status, stdout, errs = nerve("eval", out)
	if status != 0 || !strings.Contains(stdout, "rmse ") {
		t.Fatalf("eval regression: %d\n%s%s", status, stdout, errs)
	}
	var rmse float64
	fmt.Sscanf(stdout[strings.Index(stdout, "rmse ")+5:], "%g", &rmse)
	if !(rmse < 0.5) {
		t.Fatalf("regression rmse %v after 40 epochs of y = 2a - b:\n%s", rmse, stdout)
	}

	cls := filepath.Join(tmp, "cls.csv")
	writeCSV(t, cls, 300, true)
	out = filepath.Join(tmp, "cls-run")
	status, stdout, errs = nerve("train", "csv", cls, "--target", "y", "--epochs", "30", "--out", out, "--hidden", "16")
	if status != 0 {
		t.Fatalf("train csv classification: %d\n%s%s", status, stdout, errs)
	}
	b, _ := os.ReadFile(filepath.Join(out, configFile))
	if !strings.Contains(string(b), `"classes": [`) || !strings.Contains(string(b), `"high"`) || !strings.Contains(string(b), `"scaler"`) {
		t.Fatalf("config lacks the class mapping or scaler:\n%s", b)
	}
	status, stdout, _ = nerve("eval", out)
	if status != 0 || !strings.Contains(stdout, "confusion matrix") {
		t.Fatalf("eval classification: %d\n%s", status, stdout)
	}
	var acc float64
	fmt.Sscanf(stdout[strings.Index(stdout, "accuracy ")+9:], "%g", &acc)
	if acc < 90 {
		t.Fatalf("classification accuracy %v%%:\n%s", acc, stdout)
	}
}

// TestTrainSchedule checks that --schedule sets each epoch's rate and that
// a resumed run given more epochs goes on at the schedule's last rate.
func TestTrainSchedule(t *testing.T) {
	tmp, reg := regressionCSV(t, 100)
	out := filepath.Join(tmp, "run")
	status, stdout, errs := nerve("train", "csv", reg, "--epochs", "3", "--schedule", "step", "--lr", "0.01", "--hidden", "8", "--out", out)
	if status != 0 || !strings.Contains(stdout, "lr 0.01 (step schedule)") {
		t.Fatalf("train: %d\n%s%s", status, stdout, errs)
	}
	status, more, errs := nerve("train", "csv", reg, "--resume", out, "--epochs", "5")
	if status != 0 {
		t.Fatalf("resume: %d\n%s%s", status, more, errs)
	}
	want := map[string]string{"1/3": "0.01", "2/3": "0.007", "3/3": "0.0049", "4/5": "0.0049", "5/5": "0.0049"}
	for _, line := range strings.Split(stdout+more, "\n") {
		f := strings.Fields(line)
		if len(f) < 2 || f[0] != "epoch" || want[f[1]] == "" {
			continue
		}
		if i := slices.Index(f, "lr"); i < 0 || f[i+1] != want[f[1]] {
			t.Errorf("epoch %s: want lr %s in %q", f[1], want[f[1]], line)
		}
		delete(want, f[1])
	}
	if len(want) > 0 {
		t.Errorf("epochs missing from the output: %v\n%s%s", want, stdout, more)
	}
}
