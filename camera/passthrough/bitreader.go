package passthrough

import "errors"

var errBitsExhausted = errors.New("read past the end of the data")

// bitReader reads an RBSP most significant bit first (ITU-T H.264 §7.2).
type bitReader struct {
	data []byte
	pos  int // in bits
}

func newBitReader(b []byte) *bitReader { return &bitReader{data: b} }

func (r *bitReader) bit() (uint32, error) {
	if r.pos >= 8*len(r.data) {
		return 0, errBitsExhausted
	}
	b := r.data[r.pos/8] >> (7 - uint(r.pos%8)) & 1
	r.pos++
	return uint32(b), nil
}

// u reads an n-bit unsigned integer, n ≤ 32.
func (r *bitReader) u(n int) (uint32, error) {
	var v uint32
	for range n {
		b, err := r.bit()
		if err != nil {
			return 0, err
		}
		v = v<<1 | b
	}
	return v, nil
}

func (r *bitReader) flag() (bool, error) {
	b, err := r.bit()
	return b == 1, err
}

// ue reads an Exp-Golomb coded unsigned integer (§9.1).
func (r *bitReader) ue() (uint32, error) {
	zeros := 0
	for {
		b, err := r.bit()
		if err != nil {
			return 0, err
		}
		if b == 1 {
			break
		}
		zeros++
		if zeros > 31 {
			return 0, errors.New("exp-Golomb code longer than 32 bits")
		}
	}
	rest, err := r.u(zeros)
	if err != nil {
		return 0, err
	}
	return uint32((uint64(1)<<zeros - 1) + uint64(rest)), nil
}

// se reads a signed Exp-Golomb integer (§9.1.1).
func (r *bitReader) se() (int32, error) {
	k, err := r.ue()
	if err != nil {
		return 0, err
	}
	if k%2 == 1 {
		return int32((int64(k) + 1) / 2), nil
	}
	return -int32(k / 2), nil
}

// unescapeRBSP removes emulation_prevention_three_byte (00 00 03 → 00 00,
// §7.4.1).
func unescapeRBSP(b []byte) []byte {
	out := make([]byte, 0, len(b))
	zeros := 0
	for _, c := range b {
		if zeros >= 2 && c == 3 {
			zeros = 0
			continue
		}
		out = append(out, c)
		if c == 0 {
			zeros++
		} else {
			zeros = 0
		}
	}
	return out
}
