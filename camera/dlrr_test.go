package camera

import (
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pion/interceptor"
	"github.com/pion/rtcp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// recordingWriter keeps what the responder writes.
type recordingWriter struct {
	mu      sync.Mutex
	written [][]rtcp.Packet
}

func (w *recordingWriter) Write(pkts []rtcp.Packet, _ interceptor.Attributes) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.written = append(w.written, pkts)
	return len(pkts), nil
}

func (w *recordingWriter) all() [][]rtcp.Packet {
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([][]rtcp.Packet(nil), w.written...)
}

// newResponder binds a responder as pion does (local stream, RTCP writer) and
// returns it with what it writes.
func newResponder(t *testing.T, clock *fakeClock, local uint32) (*dlrrResponder, interceptor.RTCPWriter, *recordingWriter) {
	t.Helper()
	i, err := dlrrFactory{now: clock.now}.NewInterceptor("")
	require.NoError(t, err)
	d := i.(*dlrrResponder)
	rec := &recordingWriter{}
	w := d.BindRTCPWriter(rec)
	d.BindLocalStream(&interceptor.StreamInfo{SSRC: local, MimeType: "video/VP8"}, nil)
	return d, w, rec
}

// readThrough passes raw through the responder's RTCP reader, the clock
// advancing by hold while the packet is being handled (between its arrival and
// the answer).
func readThrough(t *testing.T, d *dlrrResponder, clock *fakeClock, raw []byte, hold time.Duration) {
	t.Helper()
	r := d.BindRTCPReader(interceptor.RTCPReaderFunc(func(b []byte, a interceptor.Attributes) (int, interceptor.Attributes, error) {
		return copy(b, raw), a, nil
	}))
	first := true
	d.now = func() time.Time { // the arrival is read first, the answer's time second
		now := clock.now()
		if first {
			first = false
			clock.t = clock.t.Add(hold)
		}
		return now
	}
	buf := make([]byte, 1500)
	n, _, err := r.Read(buf, nil)
	require.NoError(t, err)
	assert.Equal(t, len(raw), n, "the reader passes the packet on unchanged")
}

func TestDLRRAnswersRRTR(t *testing.T) {
	const camera, viewer = 0x11223344, 1
	ntp := uint64(0xeeb9ccb8_1f931444)
	rrtr := func(sender uint32, ntp uint64) *rtcp.ExtendedReport {
		return &rtcp.ExtendedReport{SenderSSRC: sender, Reports: []rtcp.ReportBlock{&rtcp.ReceiverReferenceTimeReportBlock{NTPTimestamp: ntp}}}
	}
	tests := []struct {
		name string
		in   []rtcp.Packet
		hold time.Duration
		want []rtcp.DLRRReport // nil: no answer
	}{
		{"rrtr alone", []rtcp.Packet{rrtr(viewer, ntp)}, 0,
			[]rtcp.DLRRReport{{SSRC: viewer, LastRR: 0xccb81f93, DLRR: 0}}},
		{"held 250 ms", []rtcp.Packet{rrtr(viewer, ntp)}, 250 * time.Millisecond,
			[]rtcp.DLRRReport{{SSRC: viewer, LastRR: 0xccb81f93, DLRR: 16384}}},
		{"compound with a receiver report (Chromium's)", []rtcp.Packet{
			&rtcp.ReceiverReport{SSRC: viewer, Reports: []rtcp.ReceptionReport{{SSRC: camera}}},
			rrtr(viewer, 0x00010002_00030004),
		}, 10 * time.Millisecond, []rtcp.DLRRReport{{SSRC: viewer, LastRR: 0x00020003, DLRR: 655}}},
		{"other blocks ignored", []rtcp.Packet{&rtcp.ExtendedReport{SenderSSRC: viewer, Reports: []rtcp.ReportBlock{
			&rtcp.DLRRReportBlock{Reports: []rtcp.DLRRReport{{SSRC: camera, LastRR: 5, DLRR: 6}}},
			&rtcp.ReceiverReferenceTimeReportBlock{NTPTimestamp: ntp},
			&rtcp.StatisticsSummaryReportBlock{SSRC: camera},
		}}}, 0, []rtcp.DLRRReport{{SSRC: viewer, LastRR: 0xccb81f93}}},
		{"two viewers' reports", []rtcp.Packet{rrtr(viewer, ntp), rrtr(7, ntp<<16)}, 0,
			[]rtcp.DLRRReport{{SSRC: viewer, LastRR: 0xccb81f93}, {SSRC: 7, LastRR: 0x1f931444}}},
		{"no xr", []rtcp.Packet{&rtcp.ReceiverReport{SSRC: viewer}, &rtcp.PictureLossIndication{MediaSSRC: camera}}, 0, nil},
		{"xr without rrtr", []rtcp.Packet{&rtcp.ExtendedReport{SenderSSRC: viewer, Reports: []rtcp.ReportBlock{
			&rtcp.DLRRReportBlock{Reports: []rtcp.DLRRReport{{SSRC: camera, LastRR: 5, DLRR: 6}}},
		}}}, 0, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clock := &fakeClock{t: time.Date(2026, 12, 1, 22, 0, 0, 0, time.UTC)}
			d, _, rec := newResponder(t, clock, camera)
			raw, err := rtcp.Marshal(tt.in)
			require.NoError(t, err)
			readThrough(t, d, clock, raw, tt.hold)
			written := rec.all()
			if tt.want == nil {
				assert.Empty(t, written)
				return
			}
			require.Len(t, written, 1)
			xr, dlrr := onWire(t, written[0])
			assert.Equal(t, uint32(camera), xr.SenderSSRC, "sent from the camera's media SSRC")
			assert.Equal(t, tt.want, dlrr.Reports)
		})
	}
}

// onWire marshals what the responder wrote and reads it back with pion's
// parser: one XR with one DLRR block, as it goes on the wire.
func onWire(t *testing.T, written []rtcp.Packet) (*rtcp.ExtendedReport, *rtcp.DLRRReportBlock) {
	t.Helper()
	wire, err := rtcp.Marshal(written)
	require.NoError(t, err)
	pkts, err := rtcp.Unmarshal(wire)
	require.NoError(t, err)
	require.Len(t, pkts, 1)
	xr, ok := pkts[0].(*rtcp.ExtendedReport)
	require.True(t, ok, "%T", pkts[0])
	require.Len(t, xr.Reports, 1)
	dlrr, ok := xr.Reports[0].(*rtcp.DLRRReportBlock)
	require.True(t, ok, "%T", xr.Reports[0])
	return xr, dlrr
}

// The round trip the viewer computes from the answer (RFC 3611 §4.5:
// arrival − LRR − DLRR) is the time on the wire, not the camera's hold.
func TestDLRRGivesTheViewerItsRoundTrip(t *testing.T) {
	clock := &fakeClock{t: time.Date(2026, 12, 1, 22, 0, 0, 0, time.UTC)}
	d, _, rec := newResponder(t, clock, 42)
	sent := clock.now()
	clock.t = clock.t.Add(75 * time.Millisecond) // the way to the camera
	raw, err := rtcp.Marshal([]rtcp.Packet{&rtcp.ExtendedReport{SenderSSRC: 1, Reports: []rtcp.ReportBlock{
		&rtcp.ReceiverReferenceTimeReportBlock{NTPTimestamp: ntpTime(sent)},
	}}})
	require.NoError(t, err)
	readThrough(t, d, clock, raw, 20*time.Millisecond)
	clock.t = clock.t.Add(80 * time.Millisecond) // the way back
	written := rec.all()
	require.Len(t, written, 1)
	_, dlrr := onWire(t, written[0])
	require.Len(t, dlrr.Reports, 1)
	r := dlrr.Reports[0]
	rtt := ntpMiddle(clock.now()) - r.LastRR - r.DLRR
	assert.InDelta(t, 155, float64(rtt)*1000/65536, 0.1, "ms")
}

// ntpTime is t as a 64-bit NTP timestamp.
func ntpTime(t time.Time) uint64 {
	ns := uint64(t.UnixNano()) + 2_208_988_800*uint64(time.Second)
	sec, frac := ns/uint64(time.Second), ns%uint64(time.Second)
	return sec<<32 | frac<<32/uint64(time.Second)
}

func TestDLRRLeavesListenedStreamsOutOfReports(t *testing.T) {
	clock := &fakeClock{t: time.Now()}
	d, w, rec := newResponder(t, clock, 42)
	report := func(ssrcs ...uint32) *rtcp.ReceiverReport {
		rr := &rtcp.ReceiverReport{SSRC: 9}
		for _, s := range ssrcs {
			rr.Reports = append(rr.Reports, rtcp.ReceptionReport{SSRC: s})
		}
		return rr
	}
	pli := &rtcp.PictureLossIndication{MediaSSRC: 3}
	media := &interceptor.StreamInfo{SSRC: 5, MimeType: "video/VP8"}
	listened := &interceptor.StreamInfo{SSRC: 1} // listenRTCP's: no codec
	d.BindRemoteStream(media, nil)
	d.BindRemoteStream(listened, nil)

	_, err := w.Write([]rtcp.Packet{report(1)}, nil)
	require.NoError(t, err)
	_, err = w.Write([]rtcp.Packet{report(1, 5), pli}, nil)
	require.NoError(t, err)
	d.UnbindRemoteStream(listened)
	_, err = w.Write([]rtcp.Packet{report(1)}, nil)
	require.NoError(t, err)

	written := rec.all()
	require.Len(t, written, 2, "the report about the listened SSRC alone is not sent")
	assert.Equal(t, []rtcp.Packet{report(5), pli}, written[0])
	assert.Equal(t, []rtcp.Packet{report(1)}, written[1], "unbound: reported again")
}

func TestCompactDuration(t *testing.T) {
	for _, tt := range []struct {
		d    time.Duration
		want uint32
	}{{0, 0}, {-time.Second, 0}, {time.Second, 65536}, {500 * time.Millisecond, 32768}, {time.Millisecond, 65}} {
		assert.Equal(t, tt.want, compactDuration(tt.d), tt.d)
	}
}

// FuzzDLRRResponder: whatever a viewer sends as RTCP, the responder passes it
// on and answers only with well-formed DLRR blocks, one per RRTR.
func FuzzDLRRResponder(f *testing.F) {
	for _, pkts := range [][]rtcp.Packet{
		{&rtcp.ReceiverReport{SSRC: 1, Reports: []rtcp.ReceptionReport{{SSRC: 2}}}, &rtcp.ExtendedReport{SenderSSRC: 1, Reports: []rtcp.ReportBlock{&rtcp.ReceiverReferenceTimeReportBlock{NTPTimestamp: 0xeeb9ccb81f931444}}}},
		{&rtcp.ExtendedReport{SenderSSRC: 1, Reports: []rtcp.ReportBlock{&rtcp.DLRRReportBlock{Reports: []rtcp.DLRRReport{{SSRC: 2, LastRR: 3, DLRR: 4}}}}}},
		{&rtcp.TransportLayerNack{MediaSSRC: 2, Nacks: []rtcp.NackPair{{PacketID: 7}}}},
	} {
		raw, err := rtcp.Marshal(pkts)
		require.NoError(f, err)
		f.Add(raw)
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		if len(raw) > 1500 {
			return
		}
		clock := &fakeClock{t: time.Date(2026, 12, 1, 22, 0, 0, 0, time.UTC)}
		d, _, rec := newResponder(t, clock, 42)
		readThrough(t, d, clock, raw, time.Millisecond)
		want := 0
		if pkts, err := rtcp.Unmarshal(raw); err == nil {
			for _, p := range pkts {
				if xr, ok := p.(*rtcp.ExtendedReport); ok {
					for _, b := range xr.Reports {
						if _, ok := b.(*rtcp.ReceiverReferenceTimeReportBlock); ok {
							want++
						}
					}
				}
			}
		}
		written := rec.all()
		if want == 0 {
			assert.Empty(t, written)
			return
		}
		require.Len(t, written, 1)
		_, dlrr := onWire(t, written[0])
		assert.Len(t, dlrr.Reports, want)
	})
}

func TestAskForRRTR(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"vp8 and its rtx",
			"m=video 9 UDP/TLS/RTP/SAVPF 96 97\r\na=rtpmap:96 VP8/90000\r\na=rtcp-fb:96 nack\r\na=rtcp-fb:96 nack pli\r\na=rtpmap:97 rtx/90000\r\na=rtcp-fb:97 nack\r\na=fmtp:97 apt=96\r\n",
			"m=video 9 UDP/TLS/RTP/SAVPF 96 97\r\na=rtpmap:96 VP8/90000\r\na=rtcp-fb:96 nack\r\na=rtcp-fb:96 rrtr\r\na=rtcp-fb:96 nack pli\r\na=rtpmap:97 rtx/90000\r\na=rtcp-fb:97 nack\r\na=fmtp:97 apt=96\r\n"},
		{"two codecs",
			"a=rtpmap:96 VP8/90000\r\na=rtcp-fb:96 nack\r\na=rtpmap:102 H264/90000\r\na=rtcp-fb:102 nack\r\n",
			"a=rtpmap:96 VP8/90000\r\na=rtcp-fb:96 nack\r\na=rtcp-fb:96 rrtr\r\na=rtpmap:102 H264/90000\r\na=rtcp-fb:102 nack\r\na=rtcp-fb:102 rrtr\r\n"},
		{"already there",
			"a=rtcp-fb:96 rrtr\r\na=rtcp-fb:96 nack\r\n",
			"a=rtcp-fb:96 rrtr\r\na=rtcp-fb:96 nack\r\n"},
		{"no nack, no rrtr", "a=rtpmap:96 VP8/90000\r\na=rtcp-fb:96 nack pli\r\n", "a=rtpmap:96 VP8/90000\r\na=rtcp-fb:96 nack pli\r\n"},
		{"bare LF kept", "a=rtcp-fb:96 nack\n", "a=rtcp-fb:96 nack\na=rtcp-fb:96 rrtr\n"},
		{"last line without end", "a=rtcp-fb:96 nack", "a=rtcp-fb:96 nack\r\na=rtcp-fb:96 rrtr\r\n"},
		{"empty", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := askForRRTR(tt.in)
			assert.Equal(t, tt.want, got)
			assert.Equal(t, got, askForRRTR(got), "a second pass changes nothing")
		})
	}
}

// FuzzAskForRRTR: the answer keeps every line it had, in order, and only gains
// rrtr lines; a second pass changes nothing.
func FuzzAskForRRTR(f *testing.F) {
	f.Add("v=0\r\nm=video 9 UDP/TLS/RTP/SAVPF 96 97\r\na=rtpmap:96 VP8/90000\r\na=rtcp-fb:96 nack\r\na=rtpmap:97 rtx/90000\r\na=rtcp-fb:97 nack\r\n")
	f.Add("a=rtcp-fb: nack\r\na=rtcp-fb:96  nack \r\n")
	f.Fuzz(func(t *testing.T, sdp string) {
		got := askForRRTR(sdp)
		require.Equal(t, got, askForRRTR(got))
		var kept []string
		for l := range strings.Lines(got) {
			if _, rest, ok := attribute(l, "a=rtcp-fb:"); ok && rest == "rrtr" && !strings.Contains(sdp, strings.TrimRight(l, "\r\n")) {
				continue // added
			}
			kept = append(kept, strings.TrimRight(l, "\r\n"))
		}
		var orig []string
		for l := range strings.Lines(sdp) {
			orig = append(orig, strings.TrimRight(l, "\r\n"))
		}
		require.Equal(t, orig, kept)
	})
}
