// Command nerve trains, evaluates and uses neural networks from the shell.
//
//	nerve train mnist                       the PyTorch quickstart MLP on real MNIST
//	nerve train csv FILE --target COL        a tabular model from a CSV file
//	nerve eval RUN_DIR                       test accuracy and confusion matrix
//	nerve predict RUN_DIR IMAGE.png...       classify handwritten digits
//	nerve lr-find mnist                      learning-rate range test
//	nerve summary RUN_DIR                    the model and its training history
//
// Exit status: 0 on success, 2 for a usage error (bad flag, unknown
// command, missing argument), 1 for a failure while running (missing data,
// unreadable file, training error).
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/nervelab/nerve/tensor"
)

const usage = `nerve: train, evaluate and use neural networks

Usage:
  nerve train mnist [flags]                   train the quickstart MLP on MNIST
  nerve train csv FILE --target COL [flags]   train on a CSV file
  nerve eval RUN_DIR                          accuracy and confusion matrix on test data
  nerve predict RUN_DIR IMAGE.png...          classify images of handwritten digits
  nerve lr-find mnist [flags]                 learning-rate range test, with a plot
  nerve summary RUN_DIR                       the model, its settings and history

Run "nerve COMMAND --help" for a command's flags.
`

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// usageError is a mistake in the command line: exit status 2.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error {
	return &usageError{fmt.Sprintf(format, args...)}
}

// run executes one command line and returns the exit status. Errors are
// one line on stderr; a panic is reported the same way, never as a stack
// trace.
func run(args []string, stdout, stderr io.Writer) (status int) {
	defer func() {
		if p := recover(); p != nil {
			fmt.Fprintf(stderr, "nerve: internal error: %v\n", p)
			status = 1
		}
	}()
	var err error
	if caught := tensor.Catch(func() { err = dispatch(args, stdout, stderr) }); caught != nil {
		err = caught
	}
	var ue *usageError
	switch {
	case err == nil:
		return 0
	case errors.Is(err, flag.ErrHelp):
		return 0
	case errors.As(err, &ue):
		fmt.Fprintf(stderr, "nerve: %s\n", oneLine(err.Error()))
		return 2
	default:
		fmt.Fprintf(stderr, "nerve: %s\n", oneLine(err.Error()))
		return 1
	}
}

func oneLine(s string) string { return strings.ReplaceAll(strings.TrimSpace(s), "\n", "; ") }

func dispatch(args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return usagef("no command given")
	}
	switch args[0] {
	case "help", "-h", "-help", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	case "train":
		return cmdTrain(args[1:], stdout)
	case "eval":
		return cmdEval(args[1:], stdout)
	case "predict":
		return cmdPredict(args[1:], stdout)
	case "lr-find":
		return cmdLRFind(args[1:], stdout)
	case "summary":
		return cmdSummary(args[1:], stdout)
	}
	return usagef("unknown command %q (want train, eval, predict, lr-find or summary; see nerve --help)", args[0])
}

// newFlags returns a FlagSet that reports errors instead of exiting and
// prints its help to stdout.
func newFlags(name, synopsis string, stdout io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {
		fmt.Fprintf(stdout, "Usage: %s\n\nFlags:\n", synopsis)
		fs.SetOutput(stdout)
		fs.PrintDefaults()
		fs.SetOutput(io.Discard)
	}
	return fs
}

// parse parses flags anywhere among the arguments (Go's flag package stops
// at the first positional one) and returns the positional ones. --help
// prints the usage and returns flag.ErrHelp.
func parse(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, err // Parse has printed the usage
			}
			return nil, usagef("%s: %v", fs.Name(), err)
		}
		if fs.NArg() == 0 {
			return pos, nil
		}
		pos = append(pos, fs.Arg(0))
		args = fs.Args()[1:]
	}
}
