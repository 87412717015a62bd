package camera

import (
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/pion/interceptor"
	"github.com/pion/rtcp"
	"github.com/pion/webrtc/v4"
)

// A viewer that only receives has no RTCP sender report to measure the round
// trip with, so it asks for it with RTCP extended reports (RFC 3611): it sends
// a Receiver Reference Time Report block (RRTR, §4.4) with its NTP time, and
// the sender answers with a DLRR block (§4.5) that echoes the middle 32 bits of
// that time and says how long it held it. Chromium sends RRTR when the
// description it got lists "a=rtcp-fb:PT rrtr" (videoFeedback in the camera's
// offers, askForRRTR in its answers); with the round trip its receiver adds
// the RTT to its jitter-buffer target once it has seen NACKed frames, so a
// lost packet's retransmission arrives before the frame is due. Without it
// (pion has no DLRR responder) Chromium's target stays at a few frames for
// this camera and every retransmission is a freeze. DESIGN.md: "The viewer's
// round trip".
//
// Besides the rrtr line, two parts: the dlrrResponder interceptor answers each
// RRTR it reads, and listenRTCP makes pion deliver those RRTRs at all: pion
// routes an RTCP packet to the stream of the SSRCs it is addressed to, and an
// XR with only an RRTR block is addressed to nobody but its sender (the
// viewer's own SSRC, 1 for Chromium), so it would end in pion's "unhandled
// RTCP" stream.

// dlrrFactory makes one dlrrResponder per PeerConnection.
type dlrrFactory struct {
	now func() time.Time
}

func (f dlrrFactory) NewInterceptor(string) (interceptor.Interceptor, error) {
	now := f.now
	if now == nil {
		now = time.Now
	}
	return &dlrrResponder{now: now, listened: map[uint32]bool{}}, nil
}

// dlrrResponder answers RRTR blocks with DLRR blocks through the
// PeerConnection's RTCP writer.
type dlrrResponder struct {
	interceptor.NoOp
	now func() time.Time

	mu       sync.Mutex
	writer   interceptor.RTCPWriter
	local    uint32          // the media SSRC the answers are sent from
	listened map[uint32]bool // SSRCs opened by listenRTCP: no media, no reports
}

// BindRTCPWriter keeps the writer for the answers and leaves out of the
// camera's receiver reports the blocks about the SSRCs listenRTCP opened (pion's
// report interceptor reports every remote stream, and these carry no media).
func (d *dlrrResponder) BindRTCPWriter(w interceptor.RTCPWriter) interceptor.RTCPWriter {
	d.mu.Lock()
	d.writer = w
	d.mu.Unlock()
	return interceptor.RTCPWriterFunc(func(pkts []rtcp.Packet, a interceptor.Attributes) (int, error) {
		pkts = d.withoutListened(pkts)
		if len(pkts) == 0 {
			return 0, nil
		}
		return w.Write(pkts, a)
	})
}

// withoutListened drops report blocks about listened SSRCs, and receiver
// reports left without blocks.
func (d *dlrrResponder) withoutListened(pkts []rtcp.Packet) []rtcp.Packet {
	d.mu.Lock()
	defer d.mu.Unlock()
	if len(d.listened) == 0 {
		return pkts
	}
	out := pkts[:0:0]
	for _, p := range pkts {
		rr, ok := p.(*rtcp.ReceiverReport)
		if !ok {
			out = append(out, p)
			continue
		}
		var keep []rtcp.ReceptionReport
		for _, r := range rr.Reports {
			if !d.listened[r.SSRC] {
				keep = append(keep, r)
			}
		}
		if len(keep) == len(rr.Reports) {
			out = append(out, p)
		} else if len(keep) > 0 {
			c := *rr
			c.Reports = keep
			out = append(out, &c)
		}
	}
	return out
}

// BindLocalStream takes the SSRC the answers come from: the camera's media
// stream (Chromium keeps the round trip per sender SSRC).
func (d *dlrrResponder) BindLocalStream(info *interceptor.StreamInfo, w interceptor.RTPWriter) interceptor.RTPWriter {
	d.mu.Lock()
	d.local = info.SSRC
	d.mu.Unlock()
	return w
}

// BindRemoteStream notes the streams listenRTCP opened: they have no codec,
// a stream of media always has one.
func (d *dlrrResponder) BindRemoteStream(info *interceptor.StreamInfo, r interceptor.RTPReader) interceptor.RTPReader {
	if info.MimeType == "" {
		d.mu.Lock()
		d.listened[info.SSRC] = true
		d.mu.Unlock()
	}
	return r
}

// UnbindRemoteStream forgets a listened SSRC.
func (d *dlrrResponder) UnbindRemoteStream(info *interceptor.StreamInfo) {
	d.mu.Lock()
	delete(d.listened, info.SSRC)
	d.mu.Unlock()
}

// BindRTCPReader answers the RRTR blocks of each RTCP packet read.
func (d *dlrrResponder) BindRTCPReader(r interceptor.RTCPReader) interceptor.RTCPReader {
	return interceptor.RTCPReaderFunc(func(b []byte, a interceptor.Attributes) (int, interceptor.Attributes, error) {
		n, a, err := r.Read(b, a)
		if err != nil {
			return n, a, err
		}
		if a == nil {
			a = interceptor.Attributes{}
		}
		pkts, perr := a.GetRTCPPackets(b[:n])
		if perr != nil {
			return n, a, nil // not ours to judge: the next reader sees the error
		}
		arrived := d.now()
		if answer := d.answer(pkts, arrived); answer != nil {
			d.mu.Lock()
			w := d.writer
			d.mu.Unlock()
			if w != nil {
				_, _ = w.Write([]rtcp.Packet{answer}, interceptor.Attributes{})
			}
		}
		return n, a, nil
	})
}

// answer is the XR with one DLRR sub-block per RRTR in pkts (nil if none):
// LastRR is the middle 32 bits of the RRTR's NTP time, DLRR the time since
// arrived, both in units of 1/65536 s (RFC 3611 §4.5).
func (d *dlrrResponder) answer(pkts []rtcp.Packet, arrived time.Time) *rtcp.ExtendedReport {
	var dlrr rtcp.DLRRReportBlock
	for _, p := range pkts {
		xr, ok := p.(*rtcp.ExtendedReport)
		if !ok {
			continue
		}
		for _, block := range xr.Reports {
			if rrtr, ok := block.(*rtcp.ReceiverReferenceTimeReportBlock); ok {
				dlrr.Reports = append(dlrr.Reports, rtcp.DLRRReport{
					SSRC:   xr.SenderSSRC,
					LastRR: uint32(rrtr.NTPTimestamp >> 16),
				})
			}
		}
	}
	if len(dlrr.Reports) == 0 {
		return nil
	}
	delay := compactDuration(d.now().Sub(arrived))
	for i := range dlrr.Reports {
		dlrr.Reports[i].DLRR = delay
	}
	d.mu.Lock()
	local := d.local
	d.mu.Unlock()
	return &rtcp.ExtendedReport{SenderSSRC: local, Reports: []rtcp.ReportBlock{&dlrr}}
}

// compactDuration is d in units of 1/65536 s, the compact NTP format of
// RFC 3550 §6.4.1 and RFC 3611 §4.5.
func compactDuration(d time.Duration) uint32 {
	if d <= 0 {
		return 0
	}
	return uint32(d * 65536 / time.Second)
}

// registerDLRR adds the responder. It goes first, before the default
// interceptors, so that its RTCP writer sees their receiver reports.
func registerDLRR(reg *interceptor.Registry) {
	reg.Add(dlrrFactory{})
}

// listenRTCP opens the RTCP of ssrc, the viewer's own SSRC (the sender SSRC
// of its receiver reports), on pc's transport: a receiver without media whose
// only purpose is that pion passes what arrives for that SSRC (the viewer's
// RRTRs) through pc's interceptors (dlrrResponder). It is made by an API
// without codecs, so the stream it binds has none (that is how dlrrResponder
// tells it from media) and pion's NACK and TWCC interceptors leave it alone.
// The caller reads it (drainRTCP) and stops it: pc.Close does not.
func listenRTCP(pc *webrtc.PeerConnection, ssrc uint32) (*webrtc.RTPReceiver, error) {
	sctp := pc.SCTP()
	if sctp == nil || sctp.Transport() == nil {
		return nil, fmt.Errorf("listen to rtcp of ssrc %d: no transport", ssrc)
	}
	r, err := webrtc.NewAPI().NewRTPReceiver(webrtc.RTPCodecTypeVideo, sctp.Transport())
	if err != nil {
		return nil, fmt.Errorf("listen to rtcp of ssrc %d: %w", ssrc, err)
	}
	params := webrtc.RTPReceiveParameters{Encodings: []webrtc.RTPDecodingParameters{
		{RTPCodingParameters: webrtc.RTPCodingParameters{SSRC: webrtc.SSRC(ssrc)}},
	}}
	if err := r.Receive(params); err != nil {
		return nil, fmt.Errorf("listen to rtcp of ssrc %d: %w", ssrc, err)
	}
	return r, nil
}

// drainRTCP reads r's RTCP until r is stopped.
func drainRTCP(r *webrtc.RTPReceiver) {
	buf := make([]byte, 1500)
	for {
		if _, _, err := r.Read(buf); err != nil {
			return
		}
	}
}

// viewerRTCP reads the RTCP the viewer addresses to its own SSRC, so that
// dlrrResponder sees the viewer's RRTRs. readRTCP owns it: listen at the first
// receiver report (its sender SSRC is the viewer's), stop when the sender's
// RTCP ends (PeerConnection.Close does not stop a receiver it does not know).
type viewerRTCP struct {
	once sync.Once
	r    *webrtc.RTPReceiver
	done chan struct{}
}

// listen starts reading ssrc's RTCP on pc's transport, the first time only.
func (v *viewerRTCP) listen(pc *webrtc.PeerConnection, ssrc uint32, log func(msg string, args ...any)) {
	v.once.Do(func() {
		r, err := listenRTCP(pc, ssrc)
		if err != nil {
			log("no round trip for the viewer", "err", err)
			return
		}
		v.r, v.done = r, make(chan struct{})
		go func() {
			defer close(v.done)
			drainRTCP(r)
		}()
	})
}

// stop ends the reading and waits for it; called by the goroutine that
// called listen.
func (v *viewerRTCP) stop() {
	if v.r == nil {
		return
	}
	_ = v.r.Stop()
	<-v.done
}

// askForRRTR adds "a=rtcp-fb:PT rrtr" after each "a=rtcp-fb:PT nack" line of
// a media payload type (not RTX) that has none. The camera's answers need it:
// pion answers with the feedback both sides listed, Chromium's offers do not
// list rrtr, and Chromium's receiver takes its feedback from the description
// the other side sent. SDP lines end in CRLF (RFC 8866 §5); a bare LF is kept
// as it is.
func askForRRTR(sdp string) string {
	lines := strings.SplitAfter(sdp, "\n")
	rtx, has := map[string]bool{}, map[string]bool{}
	for _, l := range lines {
		if pt, rest, ok := attribute(l, "a=rtpmap:"); ok && strings.HasPrefix(strings.ToLower(rest), "rtx/") {
			rtx[pt] = true
		}
		if pt, rest, ok := attribute(l, "a=rtcp-fb:"); ok && rest == "rrtr" {
			has[pt] = true
		}
	}
	var b strings.Builder
	b.Grow(len(sdp) + 64)
	for _, l := range lines {
		b.WriteString(l)
		pt, rest, ok := attribute(l, "a=rtcp-fb:")
		if !ok || rest != "nack" || rtx[pt] || has[pt] {
			continue
		}
		has[pt] = true
		eol := l[len(strings.TrimRight(l, "\r\n")):]
		if !strings.HasSuffix(l, "\n") { // the last line, unended: end it
			b.WriteString(strings.TrimPrefix("\r\n", eol))
			eol = "\r\n"
		}
		b.WriteString("a=rtcp-fb:" + pt + " rrtr" + eol)
	}
	return b.String()
}

// attribute splits an SDP line "PREFIX PT REST" into PT and REST (without the
// line end); false if the line does not start with prefix or has no value.
func attribute(line, prefix string) (pt, rest string, ok bool) {
	v, ok := strings.CutPrefix(strings.TrimRight(line, "\r\n"), prefix)
	if !ok {
		return "", "", false
	}
	pt, rest, ok = strings.Cut(v, " ")
	return pt, strings.TrimSpace(rest), ok && pt != ""
}
