package nn_test

import (
	"testing"

	"github.com/nervelab/nerve/nn"
	"github.com/nervelab/nerve/optim"
	"github.com/nervelab/nerve/tensor"
)

// rowClassifier reads an MNIST image as 28 rows of 28 pixels and
// classifies it from a recurrent layer's last output.
type rowClassifier struct {
	RNN nn.Module
	FC  *nn.Linear
}

func (m *rowClassifier) Forward(x *tensor.Tensor) *tensor.Tensor {
	out := m.RNN.Forward(x) // [N, T, H]
	last := out.Narrow(1, out.Size(1)-1, 1).Reshape(out.Size(0), -1)
	return m.FC.Forward(last)
}

// BenchmarkLSTMStep times one training step of LSTM(28, 128) → Linear(128,
// 10) on a batch of 64 images of 28 rows of 28 (forward over 28 steps,
// cross-entropy on the last output, backward, Adam), and likewise with a
// GRU and an Elman RNN in its place. An MNIST epoch is 938 such steps.
func BenchmarkLSTMStep(b *testing.B) {
	for _, kind := range []string{"lstm", "gru", "rnn"} {
		b.Run(kind, func(b *testing.B) {
			g := tensor.NewGenerator(1)
			m := &rowClassifier{FC: nn.NewLinear(128, 10, nn.WithGenerator(g))}
			switch kind {
			case "lstm":
				m.RNN = nn.NewLSTM(28, 128, nn.BatchFirst(), nn.RNNGenerator(g))
			case "gru":
				m.RNN = nn.NewGRU(28, 128, nn.BatchFirst(), nn.RNNGenerator(g))
			default:
				m.RNN = nn.NewRNN(28, 128, nn.BatchFirst(), nn.RNNGenerator(g))
			}
			opt := optim.NewAdam(nn.Parameters(m), optim.AdamConfig{LR: 1e-3})
			x := g.Rand(64, 28, 28)
			y := g.RandInt(0, 10, 64)
			step := func() {
				loss := nn.CrossEntropyLoss(m.Forward(x), y)
				opt.ZeroGrad()
				loss.Backward(tensor.FreeActivations()) // as fit does
				opt.Step()
			}
			step()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				step()
			}
			b.ReportMetric(b.Elapsed().Seconds()/float64(b.N)*938, "s/epoch")
		})
	}
}
