package fit

import (
	"fmt"
	"io"
	"os"
	"time"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"
)

// reporter shows training progress: on a terminal a live bar per epoch
// (github.com/schollz/progressbar) with batches done, ETA, samples/s and
// the running loss; elsewhere (a file, a CI log) one plain line per epoch,
// so a log never fills with carriage returns.
type reporter struct {
	w     io.Writer
	live  bool
	bar   *progressbar.ProgressBar
	label string
	start time.Time
	last  time.Time
}

// forceLive makes tests draw the bar on a non-terminal writer.
var forceLive bool

func newReporter(w io.Writer) *reporter {
	if w == nil {
		w = io.Discard
	}
	return &reporter{w: w, live: forceLive || isTerminal(w)}
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// startEpoch begins epoch (from 1) of epochs with batches batches, done of
// them already finished (a resumed epoch).
func (r *reporter) startEpoch(epoch, epochs, batches, done int) {
	r.label = fmt.Sprintf("epoch %d/%d", epoch, epochs)
	r.start = time.Now()
	if !r.live {
		return
	}
	r.bar = progressbar.NewOptions(batches,
		progressbar.OptionSetWriter(r.w),
		progressbar.OptionSetDescription(r.label),
		progressbar.OptionShowCount(),
		progressbar.OptionSetPredictTime(true),
		progressbar.OptionSetElapsedTime(true),
		progressbar.OptionSetWidth(25),
		progressbar.OptionThrottle(100*time.Millisecond),
		progressbar.OptionClearOnFinish(),
		progressbar.OptionSetRenderBlankState(true),
	)
	if done > 0 {
		r.bar.Set(done)
	}
}

// step records one more batch; samples counts this session's examples of
// the epoch and loss is the running mean.
func (r *reporter) step(samples int, loss float64) {
	if r.bar == nil {
		return
	}
	if now := time.Now(); now.Sub(r.last) > 100*time.Millisecond {
		r.last = now
		rate := float64(samples) / now.Sub(r.start).Seconds()
		r.bar.Describe(fmt.Sprintf("%s  loss %.4f  %.0f samples/s", r.label, loss, rate))
	}
	r.bar.Add(1)
}

// endEpoch clears the bar and prints the epoch's summary line.
func (r *reporter) endEpoch(summary string) {
	if r.bar != nil {
		r.bar.Finish()
		r.bar.Clear()
		r.bar = nil
	}
	fmt.Fprintf(r.w, "%s  %s\n", r.label, summary)
}

// abort clears a bar left by an epoch that did not finish.
func (r *reporter) abort() {
	if r.bar != nil {
		r.bar.Exit()
		fmt.Fprintln(r.w)
		r.bar = nil
	}
}

// printf writes a line of its own (a note between epochs).
func (r *reporter) printf(format string, args ...any) {
	fmt.Fprintf(r.w, format, args...)
}
