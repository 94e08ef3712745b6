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
}

// LSTMCellParams are the operands of an LSTM step (see RNNCells). Each
// buffer is read or written as a contiguous array from its offset.
type LSTMCellParams struct {
	N, H int

	Gates, C, Act, HOut, COut, DH, DHNext, DC                         Buffer
	OffGates, OffC, OffAct, OffHOut, OffCOut, OffDH, OffDHNext, OffDC int
}
