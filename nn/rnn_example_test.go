package nn_test

import (
	"fmt"

	"github.com/nervelab/nerve/nn"
	"github.com/nervelab/nerve/tensor"
)

// An LSTM over a batch of sequences, batch first, with the final states:
// PyTorch's lstm(x) returning output, (h_n, c_n).
func ExampleLSTM() {
	lstm := nn.NewLSTM(28, 128, nn.Layers(2), nn.BatchFirst())
	x := tensor.Randn(64, 28, 28) // [N, T, features]
	out, final := lstm.Run(x, nil)
	fmt.Println(out.Shape(), final.H.Shape(), final.C.Shape())
	fmt.Println(nn.Summary(lstm))
	fmt.Println(nn.NamedParameters(lstm)[0].Name, nn.NamedParameters(lstm)[0].Tensor.Shape())
	// Output:
	// [64 28 128] [2 64 128] [2 64 128]
	// LSTM(28, 128, num_layers=2, batch_first=True)
	// weight_ih_l0 [512 28]
}

// Word vectors for int64 token ids; row 0 is padding.
func ExampleEmbedding() {
	emb := nn.NewEmbedding(100, 8, nn.PaddingIdx(0))
	ids := tensor.FromInt64([]int64{5, 0, 42, 7, 0, 0}, 2, 3)
	fmt.Println(emb.Forward(ids).Shape())
	fmt.Println(nn.Summary(emb))
	// Output:
	// [2 3 8]
	// Embedding(100, 8, padding_idx=0)
}
