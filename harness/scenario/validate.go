package scenario

import (
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"time"

	"echtzeit/harness/cgroup"
	"echtzeit/harness/nat"
	"echtzeit/harness/results"
	"echtzeit/internal/contract"
	"echtzeit/signaling/protocol"
)

// Bounds that Validate enforces.
const (
	MinWidth, MinHeight = 16, 12 // the frame code needs blocks of at least 1 px
	MaxWidth, MaxHeight = 3840, 2160
	MaxFPS              = 120
	MaxRepeats          = 100
	MaxParticipants     = 10000
	// MaxSignalRate stays below the signaling server's per-connection limit (50/s).
	MaxSignalRate  = 40.0
	MaxSignalBytes = 60000 // below the server's 64 KiB message limit
	// MaxNodes bounds a local signaling cluster (one process and one
	// embedded NATS server per node).
	MaxNodes  = 5
	MaxTrials = 10000
	// MaxViewers bounds the viewers axis: every page runs in one Chromium,
	// and the camera serves 8 viewers at once unless told otherwise
	// (--max-viewers, camera.DefaultLimits).
	MaxViewers = 8
	// MinSetupTime is what a trial's timeout must leave for setup beyond warm-up
	// and measurement.
	MinSetupTime = 5 * time.Second
	// MaxSettle bounds a scenario's settle.
	MaxSettle = 10 * time.Second
)

var (
	nameRE        = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$`)
	fingerprintRE = regexp.MustCompile(`^[0-9a-fA-F]{64}$`)
	cameraSources = []string{"synthetic", "v4l2", "rpicam", "file"}
	// gstreamerSources are the GStreamer sender's sources (cmd/gstsender).
	gstreamerSources = []string{"synthetic", "videotestsrc"}
	mediaSenders     = []string{results.SenderEchtzeit, results.SenderGStreamer}
)

// problems collects Validate's messages with the line of their key.
type problems struct {
	s    *Scenario
	msgs []string
}

func (p *problems) add(path, format string, args ...any) {
	msg := fmt.Sprintf("'%s' "+format, append([]any{path}, args...)...)
	if l := p.s.Line(path); l > 0 {
		msg = fmt.Sprintf("line %d: %s", l, msg)
	}
	p.msgs = append(p.msgs, msg)
}

func (p *problems) err() error {
	switch len(p.msgs) {
	case 0:
		return nil
	case 1:
		return fmt.Errorf("%w: %s", ErrInvalid, p.msgs[0])
	}
	return fmt.Errorf("%w: %d problems:\n  %s", ErrInvalid, len(p.msgs), strings.Join(p.msgs, "\n  "))
}

// Validate checks every value and returns all problems joined, each naming the
// key and its line in the file.
func (s *Scenario) Validate() error {
	p := &problems{s: s}
	if !nameRE.MatchString(s.Name) {
		p.add("name", "must be 1 to 64 letters, digits, '.', '_' or '-' (it names the run folder), got %q", s.Name)
	}
	if s.SampleInterval.D() < 100*time.Millisecond || s.SampleInterval.D() > 10*time.Second {
		p.add("sample-interval", "must be between 100ms and 10s, got %s", s.SampleInterval)
	}
	if s.Settle < 0 || s.Settle.D() > MaxSettle {
		p.add("settle", "must be between 0s and %s, got %s", MaxSettle, s.Settle)
	}
	s.validateSignaling(p)
	s.validateCamera(p)
	s.validateCPUFactors(p)
	s.resolveNetworks(p)
	if len(s.Trials) == 0 {
		p.add("trials", "must list at least one trial block")
	}
	for i := range s.Trials {
		s.validateBlock(p, i)
	}
	if len(p.msgs) == 0 {
		if n := len(s.Expand()); n > MaxTrials {
			p.add("trials", "expand to %d trials, more than %d", n, MaxTrials)
		}
	}
	return p.err()
}

func (s *Scenario) validateSignaling(p *problems) {
	sg := s.Signaling
	if sg.URL != "" {
		u, err := url.Parse(sg.URL)
		if err != nil || (u.Scheme != "wss" && u.Scheme != "ws") || u.Host == "" {
			p.add("signaling.url", "must be a wss:// or ws:// URL like wss://pi.local:8443/ws, got %q", sg.URL)
		}
	}
	trust := 0
	if sg.CAFile != "" {
		trust++
	}
	if sg.Fingerprint != "" {
		trust++
		if !fingerprintRE.MatchString(sg.Fingerprint) {
			p.add("signaling.fingerprint", "must be the certificate's SHA-256 as 64 hex characters")
		}
	}
	if sg.Insecure {
		trust++
	}
	if trust > 1 {
		p.add("signaling", "may set only one of ca-file, fingerprint and insecure")
	}
	if trust > 0 && sg.URL == "" {
		p.add("signaling.url", "must be set when ca-file, fingerprint or insecure is (they apply to a remote server)")
	}
	if sg.MetricsURL != "" && !isHTTPURL(sg.MetricsURL) {
		p.add("signaling.metrics-url", "must be an http:// or https:// URL, got %q", sg.MetricsURL)
	}
	if sg.RoomCapacity < 2 {
		p.add("signaling.room-capacity", "must be at least 2, got %d", sg.RoomCapacity)
	}
}

func (s *Scenario) validateCamera(p *problems) {
	c := s.Camera
	if c.Remote {
		if s.Signaling.URL == "" {
			p.add("signaling.url", "must be set for a remote camera (the harness joins the camera's room on its server)")
		}
		if err := protocol.RoomID(c.Room).Validate(); err != nil {
			p.add("camera.room", "must be the remote camera's room ID, 64 lowercase hex characters")
		}
		if c.MetricsURL != "" && !isHTTPURL(c.MetricsURL) {
			p.add("camera.metrics-url", "must be an http:// or https:// URL, got %q", c.MetricsURL)
		}
		if len(c.Args) > 0 {
			p.add("camera.args", "only applies to a camera the harness starts (remote: false)")
		}
	} else {
		if c.Room != "" {
			p.add("camera.room", "only applies with 'camera.remote: true' (the harness picks a fresh room per trial)")
		}
		if c.MetricsURL != "" {
			p.add("camera.metrics-url", "only applies with 'camera.remote: true' (a local camera is measured from /proc)")
		}
	}
	if c.Bitrate < 0 {
		p.add("camera.bitrate", "must not be negative, got %d", c.Bitrate)
	}
}

func (s *Scenario) validateBlock(p *problems, i int) {
	b := s.Trials[i]
	at := func(key string) string { return fmt.Sprintf("trials[%d].%s", i, key) }
	kind, err := results.ParseKind(b.Kind)
	if err != nil {
		if b.Kind == "" {
			p.add(at("kind"), "must be set to camera-to-browser, browser-to-browser or signaling-load")
		} else {
			p.add(at("kind"), "must be camera-to-browser, browser-to-browser or signaling-load, got %q", b.Kind)
		}
		return
	}
	// A duration inherited from the top level is reported at its own key.
	from := func(key string) string {
		if _, set := s.lines[at(key)]; !set {
			if _, set := s.lines[key]; set {
				return key
			}
		}
		return at(key)
	}
	if b.Warmup < 0 {
		p.add(from("warmup"), "must not be negative, got %s", b.Warmup)
	}
	if b.Measure.D() < s.SampleInterval.D()*2 {
		p.add(from("measure"), "must be at least two sample intervals (%s), got %s", 2*s.SampleInterval.D(), b.Measure)
	}
	if need := b.Warmup.D() + b.Measure.D() + MinSetupTime; b.Timeout.D() < need {
		p.add(from("timeout"), "(%s) must be at least warmup + measure + %s for setup = %s", b.Timeout, MinSetupTime, need)
	}
	if b.Repeats < 1 || b.Repeats > MaxRepeats {
		p.add(from("repeats"), "must be between 1 and %d, got %d", MaxRepeats, b.Repeats)
	}
	if kind == results.KindSignalingLoad {
		s.validateLoad(p, i, b)
		return
	}
	s.validateNetworks(p, i, b)
	if len(b.Participants) > 0 {
		p.add(at("participants"), "only applies to signaling-load trials")
	}
	if _, set := s.lines[at("rate")]; set {
		p.add(at("rate"), "only applies to signaling-load trials")
	}
	for _, key := range []string{"signal-bytes", "modes", "nodes", "aligned"} {
		if _, set := s.lines[at(key)]; set {
			p.add(at(key), "only applies to signaling-load trials")
		}
	}
	if len(b.Resolutions) == 0 {
		p.add(at("resolutions"), "must list at least one resolution like 640x360")
	}
	for j, r := range b.Resolutions {
		key := fmt.Sprintf("%s[%d]", at("resolutions"), j)
		switch {
		case r.Width < MinWidth || r.Height < MinHeight || r.Width > MaxWidth || r.Height > MaxHeight:
			p.add(key, "%s must be between %dx%d and %dx%d", r, MinWidth, MinHeight, MaxWidth, MaxHeight)
		case r.Width%2 != 0 || r.Height%2 != 0:
			p.add(key, "%s must have even width and height (4:2:0 video)", r)
		}
	}
	for j, c := range b.Codecs {
		if _, err := contract.ParseCodec(string(c)); err != nil || string(c) != strings.ToLower(string(c)) {
			p.add(fmt.Sprintf("%s[%d]", at("codecs"), j), "must be vp8 or h264, got %q", c)
		}
	}
	for j, src := range b.Sources {
		key := fmt.Sprintf("%s[%d]", at("sources"), j)
		if kind == results.KindBrowserToBrowser && src != results.SourceFake && src != results.SourceCanvas {
			p.add(key, "must be fake (Chromium's fake camera) or canvas (the page's test pattern) for browser-to-browser, got %q", src)
		}
		if kind == results.KindCameraToBrowser {
			s.validateSource(p, key, src, b.Senders)
		}
	}
	s.validateSenders(p, i, kind, b)
	for j, f := range b.FPS {
		if f < 1 || f > MaxFPS {
			p.add(fmt.Sprintf("%s[%d]", at("fps"), j), "must be between 1 and %d, got %d", MaxFPS, f)
		}
	}
	s.validateFanOut(p, i, b)
}

// validateFanOut checks the viewers and paths axes.
func (s *Scenario) validateFanOut(p *problems, i int, b Block) {
	at := func(key string) string { return fmt.Sprintf("trials[%d].%s", i, key) }
	for j, n := range b.Viewers {
		key := fmt.Sprintf("%s[%d]", at("viewers"), j)
		if n < 1 || n > MaxViewers {
			p.add(key, "must be between 1 and %d (pages in one Chromium, viewers the camera serves), got %d", MaxViewers, n)
		} else if n > 1 && (results.Kind(b.Kind) != results.KindCameraToBrowser || slices.ContainsFunc(senders(b), func(s string) bool { return s != results.SenderEchtzeit })) {
			p.add(key, "more than one viewer needs the echtzeit camera as the sender: the sender page and the GStreamer sender serve one peer")
		} else if s.Signaling.URL != "" && n+1 > s.Signaling.RoomCapacity {
			p.add(key, "%d viewers and the sender need a room capacity of %d, but 'signaling.room-capacity' of the remote server is %d", n, n+1, s.Signaling.RoomCapacity)
		}
	}
	for j, name := range b.Paths {
		key := fmt.Sprintf("%s[%d]", at("paths"), j)
		if _, err := nat.ParsePath(name); err != nil {
			p.add(key, "must be one of %s, got %q", strings.Join(nat.PathNames(), ", "), name)
			continue
		}
		if s.Signaling.URL != "" || s.Camera.Remote {
			p.add(key, "needs a signaling server and camera the harness starts (it runs the TURN relay and the NATs)")
		}
		if slices.Contains(senders(b), results.SenderGStreamer) {
			p.add(key, "needs the echtzeit camera or the Chromium sender: the GStreamer sender takes no ICE servers")
		}
	}
}

func (s *Scenario) validateLoad(p *problems, i int, b Block) {
	at := func(key string) string { return fmt.Sprintf("trials[%d].%s", i, key) }
	for _, key := range []string{"resolutions", "codecs", "sources", "fps", "charts", "senders", "cpu", "networks", "viewer-networks", "viewers", "paths", "congestion-control"} {
		if _, set := s.lines[at(key)]; set {
			p.add(at(key), "does not apply to signaling-load trials")
		}
	}
	if len(b.Participants) == 0 {
		p.add(at("participants"), "must list at least one number of participants like [2, 50]")
	}
	for j, n := range b.Participants {
		key := fmt.Sprintf("%s[%d]", at("participants"), j)
		if n < 2 || n > MaxParticipants || n%2 != 0 {
			p.add(key, "must be an even number between 2 and %d (clients pair up in rooms of 2), got %d", MaxParticipants, n)
		}
	}
	if b.Rate <= 0 || b.Rate > MaxSignalRate {
		p.add(at("rate"), "must be greater than 0 and at most %g signals per second per client (the server limits 50/s), got %g", MaxSignalRate, b.Rate)
	}
	if b.SignalBytes < 64 || b.SignalBytes > MaxSignalBytes {
		p.add(at("signal-bytes"), "must be between 64 and %d, got %d", MaxSignalBytes, b.SignalBytes)
	}
	if b.Aligned && !contains(b.Modes, "steady") {
		p.add(at("aligned"), "only applies to the steady mode")
	}
	for j, m := range b.Modes {
		if !contains(LoadModes, m) {
			p.add(fmt.Sprintf("%s[%d]", at("modes"), j), "must be idle, steady or session, got %q", m)
		}
	}
	for j, n := range b.Nodes {
		if n < 1 || n > MaxNodes {
			p.add(fmt.Sprintf("%s[%d]", at("nodes"), j), "must be between 1 and %d signaling processes, got %d", MaxNodes, n)
		}
		if n > 1 && s.Signaling.URL != "" {
			p.add(fmt.Sprintf("%s[%d]", at("nodes"), j), "a local cluster cannot be measured with a remote server (signaling.url); give its nodes' URLs to harness loadgen instead")
		}
	}
}

// LoadModes are the signaling-load models (harness/loadgen).
var LoadModes = []string{"idle", "steady", "session"}

// validateSource checks a camera-to-browser source against every sender of
// the block.
func (s *Scenario) validateSource(p *problems, key, src string, senders []string) {
	for _, snd := range senders {
		switch {
		case snd == results.SenderGStreamer && !contains(gstreamerSources, src):
			p.add(key, "must be synthetic or videotestsrc for the gstreamer sender, got %q", src)
			return
		case snd == results.SenderEchtzeit && !contains(cameraSources, src):
			p.add(key, "must be one of synthetic, v4l2, rpicam, file for the echtzeit camera, got %q", src)
			return
		}
	}
}

// validateSenders checks the senders and cpu axes of a media block.
func (s *Scenario) validateSenders(p *problems, i int, kind results.Kind, b Block) {
	at := func(key string) string { return fmt.Sprintf("trials[%d].%s", i, key) }
	if kind != results.KindCameraToBrowser {
		for _, key := range []string{"senders", "cpu", "congestion-control"} {
			if _, set := s.lines[at(key)]; set {
				p.add(at(key), "only applies to camera-to-browser trials")
			}
		}
		return
	}
	for j, snd := range b.Senders {
		key := fmt.Sprintf("%s[%d]", at("senders"), j)
		switch {
		case !contains(mediaSenders, snd):
			p.add(key, "must be echtzeit or gstreamer, got %q", snd)
		case snd == results.SenderGStreamer && s.Camera.Remote:
			p.add(key, "gstreamer is started by the harness; it does not apply with 'camera.remote: true'")
		}
	}
	if len(b.CPU) > 0 && s.Camera.Remote {
		p.add(at("cpu"), "applies to a sender the harness starts, not with 'camera.remote: true'")
	}
	for j, name := range b.CPU {
		if _, err := cgroup.ParseBudget(name, s.CPUFactors); err != nil {
			p.add(fmt.Sprintf("%s[%d]", at("cpu"), j), "must be host, a number of cores like 0.5, or a board (%s, optionally :CORES), got %q", boardList(), name)
		}
	}
	s.validateCongestionControls(p, i, b)
}

// validateCongestionControls checks the congestion-control axis of a
// camera-to-browser block: gcc or off, each once, for the echtzeit camera
// the harness starts.
func (s *Scenario) validateCongestionControls(p *problems, i int, b Block) {
	at := func(key string) string { return fmt.Sprintf("trials[%d].%s", i, key) }
	if len(b.CongestionControls) == 0 {
		return
	}
	switch {
	case s.Camera.Remote:
		p.add(at("congestion-control"), "applies to a camera the harness starts, not with 'camera.remote: true'")
	case slices.Contains(b.Senders, results.SenderGStreamer):
		p.add(at("congestion-control"), "applies to the echtzeit camera only, not with the gstreamer sender")
	}
	for j, cc := range b.CongestionControls {
		key := fmt.Sprintf("%s[%d]", at("congestion-control"), j)
		switch {
		case cc != "gcc" && cc != "off":
			p.add(key, "must be gcc or off, got %q", cc)
		case slices.Index(b.CongestionControls, cc) < j:
			p.add(key, "%q is listed twice", cc)
		}
	}
}

func (s *Scenario) validateCPUFactors(p *problems) {
	for name, f := range s.CPUFactors {
		key := "cpu-factors." + name
		known := false
		for _, b := range cgroup.Boards() {
			known = known || b.Name == name
		}
		switch {
		case !known:
			p.add(key, "names no board (want one of %s)", boardList())
		case !(f > 0 && f <= 64):
			p.add(key, "must be a speed factor greater than 0 (one board core relative to one core here), got %g", f)
		}
	}
}

func boardList() string {
	var names []string
	for _, b := range cgroup.Boards() {
		names = append(names, b.Name)
	}
	return strings.Join(names, ", ")
}

func isHTTPURL(s string) bool {
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != ""
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}
