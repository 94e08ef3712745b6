package device

// RNNCells is an optional capability of a Device: the element-wise part of
// a recurrent step in one pass over its gates. The tensor package asks for
// it by type assertion and composes the step from element-wise ops on a
// device without it.
type RNNCells interface {
	// LSTMCell computes one LSTM step for N rows of H units from the gate
	// pre-activations p.Gates (rows of 4H: i, f, g, o) and the cell state
	// p.C (c_{t−1}):
	//
	//	Act  ← σ(i), σ(f), tanh(g), σ(o), tanh(c_t)   (rows of 5H)
	//	COut ← c_t = σ(f)·c_{t−1} + σ(i)·tanh(g)
	//	HOut ← h_t = σ(o)·tanh(c_t)
	LSTMCell(p LSTMCellParams)
	// LSTMCellBackward is LSTMCell's gradient: from ∂h_t = DH + DHNext
	// (DHNext nil: DH alone) and ∂c_t in DC, the forward step's Act and
	// c_{t−1} in C, it writes the gates' gradient to Gates and ∂c_{t−1}
	// over DC.
	LSTMCellBackward(p LSTMCellParams)

	// GRUCell computes one GRU step for N rows of H units from the input
	// side's pre-activations p.X (rows of 3H: r, z, n, with b_ih), the
	// hidden side's p.GH (W_hh·h_{t−1} + b_hh, the same layout) and h_{t−1}
	// in p.HPrev:
	//
	//	r = σ(x_r + gh_r),  z = σ(x_z + gh_z),  n = tanh(x_n + r·gh_n)
	//	Act  ← r, z, n, gh_n                    (rows of 4H)
	//	HOut ← h_t = n + z·(h_{t−1} − n)
	GRUCell(p GRUCellParams)
	// GRUCellBackward is GRUCell's gradient: from ∂h_t = DH + DHNext
	// (DHNext nil: DH alone), the forward step's Act and HPrev, it writes
	// the gradient of the input side's pre-activations to X, of the hidden
	// side's to GH, and the direct part of ∂h_{t−1}, z·∂h_t, to DHPrev.
	GRUCellBackward(p GRUCellParams)

	// RNNCell writes h_t = tanh(Pre) (ReLU(Pre) if p.ReLU) to Out, from
	// the N·H pre-activations W_ih·x_t + b + W_hh·h_{t−1} at p.Pre.
	// RNNCellBackward sets Pre ← (DH + DHNext)·act′, reading h_t from Out
	// (DHNext nil: DH alone).
	RNNCell(p RNNCellParams)
	RNNCellBackward(p RNNCellParams)
}

// GRUCellParams are the operands of a GRU step (see RNNCells), each a
// contiguous array from its offset.
type GRUCellParams struct {
	N, H int

	X, GH, HPrev, Act, HOut, DH, DHNext, DHPrev                         Buffer
	OffX, OffGH, OffHPrev, OffAct, OffHOut, OffDH, OffDHNext, OffDHPrev int
}

// RNNCellParams are the operands of an Elman RNN step (see RNNCells).
type RNNCellParams struct {
	N, H int
	ReLU bool

	Pre, Out, DH, DHNext             Buffer
	OffPre, OffOut, OffDH, OffDHNext int
}

// LSTMCellParams are the operands of an LSTM step (see RNNCells). Each
// buffer is read or written as a contiguous array from its offset.
type LSTMCellParams struct {
	N, H int

	Gates, C, Act, HOut, COut, DH, DHNext, DC                         Buffer
	OffGates, OffC, OffAct, OffHOut, OffCOut, OffDH, OffDHNext, OffDC int
}
