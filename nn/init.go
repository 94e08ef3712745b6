package nn

import (
	"fmt"
	"math"

	"github.com/nervelab/nerve/tensor"
)

// Initialisation, as torch.nn.init. Each function overwrites a tensor in
// place, recording no graph (like PyTorch's, which run under no_grad), and
// draws from the generator given as its optional last argument, or from
// tensor's global generator when none (or nil) is given, so
// tensor.ManualSeed makes it reproducible. The bounds and standard
// deviations are PyTorch's; the random streams are nerve's own.

// FanMode selects which fan Kaiming initialisation preserves.
type FanMode int

// FanIn (PyTorch's default mode='fan_in') preserves the forward pass's
// variance; FanOut the backward pass's.
const (
	FanIn FanMode = iota
	FanOut
)

// CalculateGain returns PyTorch's recommended gain for a nonlinearity, as
// torch.nn.init.calculate_gain: 1 for linear, the conv and conv_transpose
// names and sigmoid; 5/3 for tanh; √2 for relu; √(2/(1+s²)) for
// leaky_relu with negative slope s, the optional param (0.01 without
// one); 3/4 for selu. It panics (a *tensor.IndexError) on another name.
func CalculateGain(nonlinearity string, param ...float64) float64 {
	switch nonlinearity {
	case "linear", "conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d", "conv_transpose3d", "sigmoid":
		return 1
	case "tanh":
		return 5.0 / 3
	case "relu":
		return math.Sqrt2
	case "leaky_relu":
		s := 0.01
		if len(param) > 0 {
			s = param[0]
		}
		return math.Sqrt(2 / (1 + s*s))
	case "selu":
		return 3.0 / 4
	}
	panic(&tensor.IndexError{Op: "CalculateGain", Why: fmt.Sprintf("unsupported nonlinearity %q", nonlinearity)})
}

// Fans returns a weight's fan in and fan out as PyTorch's
// _calculate_fan_in_and_fan_out computes them: for a [out, in, k…] tensor
// (Linear's [out, in], a convolution's [out, in, kh, kw]) fan_in = in·Πk
// and fan_out = out·Πk. It panics (a *tensor.ShapeError) for fewer than 2
// dims.
func Fans(t *tensor.Tensor) (fanIn, fanOut int) {
	s := t.Shape()
	if len(s) < 2 {
		panic(&tensor.ShapeError{Op: "Fans", A: s, Why: "fan in and fan out can not be computed for tensor with fewer than 2 dimensions"})
	}
	receptive := 1
	for _, k := range s[2:] {
		receptive *= k
	}
	return s[1] * receptive, s[0] * receptive
}

// genOr returns g, or tensor's global generator if g is nil.
func genOr(g *tensor.Generator) *tensor.Generator {
	if g == nil {
		return tensor.DefaultGenerator()
	}
	return g
}

// optGen returns the optional generator argument of an initialiser.
func optGen(gen []*tensor.Generator) *tensor.Generator {
	if len(gen) > 0 {
		return genOr(gen[0])
	}
	return tensor.DefaultGenerator()
}

// Uniform fills t with values uniform in [a, b), as
// torch.nn.init.uniform_.
func Uniform(t *tensor.Tensor, a, b float64, gen ...*tensor.Generator) {
	t.CopyFrom(optGen(gen).Uniform(float32(a), float32(b), t.Shape()...))
}

// Normal fills t with values from N(mean, std²), as torch.nn.init.normal_.
func Normal(t *tensor.Tensor, mean, std float64, gen ...*tensor.Generator) {
	t.CopyFrom(optGen(gen).Randn(t.Shape()...).MulScalar(float32(std)).AddScalar(float32(mean)))
}

// Constant fills t with v.
func Constant(t *tensor.Tensor, v float64) { t.FillInPlace(float32(v)) }

// Zeros fills t with 0.
func Zeros(t *tensor.Tensor) { t.FillInPlace(0) }

// Ones fills t with 1.
func Ones(t *tensor.Tensor) { t.FillInPlace(1) }

// XavierUniform (Glorot) fills t uniform in ±gain·√(6/(fan_in+fan_out)),
// as torch.nn.init.xavier_uniform_. It panics for fewer than 2 dims.
func XavierUniform(t *tensor.Tensor, gain float64, gen ...*tensor.Generator) {
	in, out := Fans(t)
	a := gain * math.Sqrt(6/float64(in+out))
	Uniform(t, -a, a, gen...)
}

// XavierNormal fills t from N(0, gain²·2/(fan_in+fan_out)), as
// torch.nn.init.xavier_normal_. It panics for fewer than 2 dims.
func XavierNormal(t *tensor.Tensor, gain float64, gen ...*tensor.Generator) {
	in, out := Fans(t)
	Normal(t, 0, gain*math.Sqrt(2/float64(in+out)), gen...)
}

// kaimingStd returns the standard deviation Kaiming initialisation gives
// t: CalculateGain(nonlinearity, a)/√fan, fan being fan_in or fan_out by
// mode. The empty nonlinearity means "leaky_relu", PyTorch's default.
func kaimingStd(t *tensor.Tensor, a float64, mode FanMode, nonlinearity string) float64 {
	in, out := Fans(t)
	fan := in
	if mode == FanOut {
		fan = out
	}
	if nonlinearity == "" {
		nonlinearity = "leaky_relu"
	}
	return CalculateGain(nonlinearity, a) / math.Sqrt(float64(fan))
}

// KaimingUniform (He) fills t uniform in ±gain·√(3/fan), as
// torch.nn.init.kaiming_uniform_: gain is CalculateGain(nonlinearity, a),
// a the negative slope of a leaky_relu, fan the fan in or fan out (mode)
// of Fans. PyTorch's defaults are a 0, FanIn and "leaky_relu", which the
// empty nonlinearity also means.
// Linear's own initialisation is KaimingUniform(w, √5, FanIn,
// "leaky_relu"): uniform in ±1/√fan_in. It panics for fewer than 2 dims.
func KaimingUniform(t *tensor.Tensor, a float64, mode FanMode, nonlinearity string, gen ...*tensor.Generator) {
	b := math.Sqrt(3) * kaimingStd(t, a, mode, nonlinearity)
	Uniform(t, -b, b, gen...)
}

// KaimingNormal fills t from N(0, (gain/√fan)²), gain and fan as for
// KaimingUniform, as torch.nn.init.kaiming_normal_. It panics for fewer
// than 2 dims.
func KaimingNormal(t *tensor.Tensor, a float64, mode FanMode, nonlinearity string, gen ...*tensor.Generator) {
	Normal(t, 0, kaimingStd(t, a, mode, nonlinearity), gen...)
}

// Orthogonal fills t, viewed as a rows × (the rest) matrix W, with a
// (semi-)orthogonal matrix times gain, as torch.nn.init.orthogonal_: W·Wᵀ
// = gain²·I (orthonormal rows) if rows ≤ cols, else Wᵀ·W = gain²·I
// (orthonormal columns). W is the Q of the QR decomposition of a Gaussian
// matrix, with R's diagonal made positive as PyTorch does. It panics for
// fewer than 2 dims; an empty tensor is left alone.
func Orthogonal(t *tensor.Tensor, gain float64, gen ...*tensor.Generator) {
	s := t.Shape()
	if len(s) < 2 {
		panic(&tensor.ShapeError{Op: "Orthogonal", A: s, Why: "only tensors with 2 or more dimensions are supported"})
	}
	if t.Numel() == 0 {
		return
	}
	rows := s[0]
	cols := t.Numel() / rows
	// Work on a tall matrix (n×k with n ≥ k) and transpose back if needed.
	n, k := rows, cols
	if rows < cols {
		n, k = cols, rows
	}
	g := optGen(gen).Randn(n, k).Data()
	q := gramSchmidt(g, n, k)
	out := make([]float32, rows*cols)
	for i := 0; i < n; i++ {
		for j := 0; j < k; j++ {
			v := float32(gain * q[i*k+j])
			if rows < cols {
				out[j*cols+i] = v
			} else {
				out[i*cols+j] = v
			}
		}
	}
	t.CopyFrom(tensor.New(out, s...))
}

// gramSchmidt orthonormalises the k columns of the row-major n×k matrix a
// (modified Gram–Schmidt in float64), giving Q of a QR with R's diagonal
// positive.
func gramSchmidt(a []float32, n, k int) []float64 {
	q := make([]float64, n*k)
	for i, v := range a {
		q[i] = float64(v)
	}
	for j := 0; j < k; j++ {
		for p := 0; p < j; p++ {
			dot := 0.0
			for i := 0; i < n; i++ {
				dot += q[i*k+p] * q[i*k+j]
			}
			for i := 0; i < n; i++ {
				q[i*k+j] -= dot * q[i*k+p]
			}
		}
		norm := 0.0
		for i := 0; i < n; i++ {
			norm += q[i*k+j] * q[i*k+j]
		}
		norm = math.Sqrt(norm)
		for i := 0; i < n; i++ {
			q[i*k+j] /= norm
		}
	}
	return q
}
