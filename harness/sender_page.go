package harness

import (
	"context"
	"errors"
	"math"
	"net/url"
	"strconv"
	"time"

	"echtzeit/harness/browser"
	"echtzeit/harness/phase"
	"echtzeit/harness/probe"
	"echtzeit/harness/results"
)

// pageSender is a Chromium page that shares Chromium's fake camera (source
// fake: the thesis's browser-to-browser measurement, §5) or the page's
// canvas test pattern with the frame code (source canvas) into the room.
type pageSender struct {
	proc probe.Proc
	br   *browser.Browser
	page *browser.Page
}

func newPageSender(t *mediaTrial) Sender { return &pageSender{proc: t.r.proc} }

func (s *pageSender) Start(ctx context.Context, t *mediaTrial) error {
	p := t.sp.Params
	t.st.set("starting Chromium")
	br, err := t.browser(ctx, senderSide, p.FPS)
	if err != nil {
		return err
	}
	s.br = br
	t.st.set("opening the sender page")
	page, err := br.NewPage(ctx)
	if err != nil {
		return t.r.browserError(br, "open sender page", err)
	}
	s.page = page
	send := "camera"
	if p.Source == results.SourceCanvas {
		send = "canvas"
	}
	q := url.Values{
		"send":   {send},
		"width":  {strconv.Itoa(p.Width)},
		"height": {strconv.Itoa(p.Height)},
		"fps":    {strconv.Itoa(p.FPS)},
		"codec":  {p.Codec.String()},
	}
	// The page asks before it shares its camera; the harness's sender says yes
	// beforehand (DESIGN.md "The page's security").
	if err := page.AllowAutoShare(ctx); err != nil {
		return t.r.browserError(br, "let the sender page share its camera", err)
	}
	if err := page.Navigate(ctx, t.pageURL(q)); err != nil {
		return t.r.browserError(br, "load sender page", err)
	}
	t.st.set("waiting for the sender page to join")
	_, err = t.waitSnapshot(ctx, page, func(s browser.Snapshot) bool { return s.Phases.Get(phase.Joined) != nil })
	return err
}

func (s *pageSender) ViewerQuery() url.Values { return nil }

// Check fails when the sender page's Chromium is gone.
func (s *pageSender) Check() error {
	if s.br != nil && !s.proc.Alive(s.br.PID()) {
		return &partError{part: results.ProcessBrowser, reason: "chromium exited", tail: tailLines(s.br.Output(), 20)}
	}
	return nil
}

func (s *pageSender) Counters(ctx context.Context) (senderReading, error) {
	ctx, cancel := context.WithTimeout(ctx, snapshotTimeout)
	defer cancel()
	snap, err := s.page.Snapshot(ctx)
	if err != nil {
		return senderReading{}, err
	}
	out := snap.Outbound
	if out == nil {
		return senderReading{}, errors.New("sender page has no outbound stats")
	}
	target := out.TargetBitrate
	if target <= 0 {
		target = math.NaN()
	}
	r := senderReading{
		at: time.UnixMilli(int64(out.Timestamp)), source: "page",
		encoded: out.FramesEncoded, sent: out.FramesSent,
		width: int(out.FrameWidth), height: int(out.FrameHeight),
		bytesSent: out.BytesSent, target: target,
		encodeSum: out.TotalEncodeTime, encodeCount: out.FramesEncoded,
		sendSum: out.TotalPacketSendDelay, sendCount: out.PacketsSent,
	}
	if c := snap.Canvas; c != nil {
		r.captured, r.dropped = float64(c.Frames), float64(c.Skipped)
	}
	return r, nil
}

func (s *pageSender) Stop() error {
	if s.page == nil {
		return nil
	}
	return s.page.Close()
}
