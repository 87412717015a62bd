package phase

// Segment is a part of the setup: the time from one phase to a later one.
// The segments cover the setup from navigation to the first frame without
// gap or overlap, so their durations add up to the setup time.
type Segment struct {
	// Name is the segment's name in reports ("page load").
	Name string
	// From and To bound it.
	From, To Phase
}

// Segments returns the setup's parts in order (the split): page
// load (navigation → the page's script runs: HTML, CSS, the script bundle),
// signaling (→ answer: WebSocket, Hello, Joined, the format request, offer
// and answer), ICE + DTLS (→ connected: connectivity checks and the DTLS
// handshake), first frame (→ the first decoded frame shown: the sender's
// first key frame, its encoding, transport, decoding and rendering).
func Segments() []Segment {
	return []Segment{
		{"page load", Navigation, PageLoaded},
		{"signaling", PageLoaded, Answer},
		{"ICE + DTLS", Answer, DTLSConnected},
		{"first frame", DTLSConnected, FirstFrame},
	}
}

// Duration returns the segment's duration in t's unit, ok = false when
// either bound was not reached. Times relative to navigation (a trial
// record) have no Navigation: it is 0 there.
func (s Segment) Duration(t Times) (float64, bool) {
	from := t.Get(s.From)
	if from == nil && s.From == Navigation {
		zero := 0.0
		from = &zero
	}
	to := t.Get(s.To)
	if from == nil || to == nil {
		return 0, false
	}
	return *to - *from, true
}
