// Command lstm classifies MNIST digits with a recurrent network, as the
// PyTorch RNN tutorials do: each 28×28 image is a sequence of 28 rows of
// 28 pixels, read by an LSTM with 128 hidden units; the output after the
// last row goes through a linear layer to the 10 classes. Adam at 1e-3,
// batches of 64; about 97–98% test accuracy in 3 epochs.
package main

import (
	"flag"
	"fmt"
	"log"
	"os"

	"github.com/nervelab/nerve/data"
	"github.com/nervelab/nerve/data/mnist"
	"github.com/nervelab/nerve/fit"
	"github.com/nervelab/nerve/nn"
	"github.com/nervelab/nerve/optim"
	"github.com/nervelab/nerve/tensor"
)

// RowLSTM is
//
//	class RowLSTM(nn.Module):
//	    def __init__(self):
//	        super().__init__()
//	        self.lstm = nn.LSTM(28, 128, batch_first=True)
//	        self.fc = nn.Linear(128, 10)
//
//	    def forward(self, x):
//	        out, _ = self.lstm(x)
//	        return self.fc(out[:, -1, :])
type RowLSTM struct {
	LSTM *nn.LSTM
	FC   *nn.Linear
}

func NewRowLSTM() *RowLSTM {
	return &RowLSTM{LSTM: nn.NewLSTM(28, 128, nn.BatchFirst()), FC: nn.NewLinear(128, 10)}
}

// Forward maps images [N, 1, 28, 28] (or sequences [N, 28, 28]) to class
// scores [N, 10].
func (m *RowLSTM) Forward(x *tensor.Tensor) *tensor.Tensor {
	out := m.LSTM.Forward(x.Reshape(-1, 28, 28)) // [N, 28 steps, 128]
	last := out.Narrow(1, out.Size(1)-1, 1).Squeeze(1)
	return m.FC.Forward(last)
}

func main() {
	epochs := flag.Int("epochs", 3, "passes over the training data")
	limit := flag.Int("limit", 0, "train on the first N images only (0: all)")
	flag.Parse()
	acc, err := run(*epochs, *limit)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("test accuracy: %.2f%%\n", 100*acc)
}

// run trains and returns the final test accuracy.
func run(epochs, limit int) (float64, error) {
	train, test, err := mnist.Load(mnist.DefaultDir())
	if err != nil {
		return 0, err
	}
	var ds data.Dataset = train
	if limit > 0 {
		ds = data.Head(train, limit)
	}
	tensor.ManualSeed(1)
	model := NewRowLSTM()
	history, err := fit.Fit(model, data.NewLoader(ds, data.Batch(64), data.Shuffle(1), data.Workers(1)), fit.Options{
		Epochs: epochs, Loss: nn.CrossEntropyLoss,
		Optimizer: optim.NewAdam(nn.Parameters(model), optim.AdamConfig{LR: 1e-3}),
		Validate:  data.NewLoader(test, data.Batch(1000)),
		Metrics:   []fit.Metric{fit.Accuracy()},
		Progress:  os.Stdout,
	})
	if err != nil {
		return 0, err
	}
	if err := nn.Save(model, "lstm.safetensors"); err != nil {
		return 0, err
	}
	return history.Last()["val_accuracy"], nil
}
