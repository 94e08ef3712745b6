// Command dose is the tutorial's hand-built "dose → effectiveness" network,
// written with tensor ops only: two ReLU hidden units with fixed weights, a
// final bias b, and a final ReLU. It first prints the outputs with the
// known bias b = −16, then trains b from 0 by plain gradient descent on the
// summed squared error over the three training points.
package main

import (
	"fmt"

	"github.com/nervelab/nerve/tensor"
)

// forward computes relu(relu(1.7·d − 0.85)·(−40.8) + relu(12.6·d + 0)·2.7 + b).
func forward(dose, b *tensor.Tensor) *tensor.Tensor {
	top := dose.MulScalar(1.7).AddScalar(-0.85).ReLU().MulScalar(-40.8)
	bottom := dose.MulScalar(12.6).AddScalar(0).ReLU().MulScalar(2.7)
	return top.Add(bottom).Add(b).ReLU()
}

func main() {
	doses := tensor.New([]float32{0, 0.5, 1})
	target := tensor.New([]float32{0, 1, 0})

	fmt.Println("outputs with b = -16:", forward(doses, tensor.Scalar(-16)))

	b := tensor.Scalar(0).SetRequiresGrad(true)
	const lr = 0.1
	for epoch := 0; epoch < 100; epoch++ {
		d := forward(doses, b).Sub(target)
		loss := d.Mul(d).Sum()
		loss.Backward()
		b.SubInPlace(b.Grad().MulScalar(lr)) // plain gradient descent
		b.ZeroGrad()
		if loss.Item() < 1e-4 {
			fmt.Printf("Num steps: %d\nFinal b: %.4f (loss %.6f)\n", epoch+1, b.Item(), loss.Item())
			break
		}
		if epoch%10 == 0 {
			fmt.Printf("Step %d: b = %.4f, loss = %.4f\n", epoch, b.Item(), loss.Item())
		}
	}
	fmt.Println("outputs with trained b:", forward(doses, b.Detach()))
}
