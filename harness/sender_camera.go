package harness

import (
	"context"
	"fmt"
	"math"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"time"

	"echtzeit/harness/probe"
	"echtzeit/harness/results"
	"echtzeit/internal/contract"
)

// newCameraSender returns the echtzeit camera: bin/camera started by the
// harness, or the scenario's remote camera (a Pi) that the harness only joins.
func newCameraSender(t *mediaTrial) Sender {
	if t.r.sc.Camera.Remote {
		return &remoteCamera{}
	}
	return &cameraSender{bin: "camera", process: results.ProcessCamera, extraArgs: cameraArgs}
}

// cameraSender is a sender program with the camera's flags (bin/camera, or
// bin/gstsender) as a child process of the harness.
type cameraSender struct {
	bin     string // binary name in the bin folder
	process string // its name in trials.jsonl's processes
	// extraArgs are the flags of this program beyond the camera's common ones.
	extraArgs func(ctx context.Context, t *mediaTrial) ([]string, error)

	proc       *child
	metricsURL string
	http       *http.Client
}

// cameraArgs are bin/camera's flags beyond the common ones: the path's
// relay-only policy, the scenario's camera.args, and a generated clip for the
// pass-through file source.
func cameraArgs(ctx context.Context, t *mediaTrial) ([]string, error) {
	var args []string
	if t.path.RelayOnly {
		args = append(args, contract.Flag(contract.CameraFlagICERelayOnly))
	}
	args = append(args, t.r.sc.Camera.Args...)
	if t.sp.Params.Source == sourceFile && !slices.Contains(args, "--file") {
		t.st.set("encoding the pass-through clip")
		clip, err := t.r.passthroughClip(ctx, t.sp.Params.Width, t.sp.Params.Height, t.sp.Params.FPS)
		if err != nil {
			return nil, err
		}
		args = append(args, "--file", clip)
	}
	return args, nil
}

func (c *cameraSender) Start(ctx context.Context, t *mediaTrial) error {
	r := t.r
	r.waitIdle(ctx, t.ep)
	// Rooms left over from an earlier trial (if waitIdle gave up) must not
	// count as the camera's.
	baseRooms, _ := t.ep.gauge(ctx, contract.MetricSignalingRooms)
	extra, err := c.extraArgs(ctx, t)
	if err != nil {
		return err
	}
	t.st.set("starting the " + c.process)
	if err := c.start(t, extra); err != nil {
		return err
	}
	t.probes.Add(probe.Target{Name: c.process, PID: c.proc.PID()})
	t.st.set("waiting for the " + c.process + " to join its room")
	err = c.proc.waitUntil(ctx, 100*time.Millisecond, func(ctx context.Context) bool {
		n, err := t.ep.gauge(ctx, contract.MetricSignalingRooms)
		return err == nil && n > baseRooms
	})
	if err != nil {
		return c.failure(err)
	}
	return nil
}

// start starts the program with the trial's format and a free /metrics port.
func (c *cameraSender) start(t *mediaTrial, extra []string) error {
	r := t.r
	path, err := r.binary(c.bin)
	if err != nil {
		return err
	}
	port, err := freePort()
	if err != nil {
		return err
	}
	metricsAddr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	p := t.sp.Params
	flag := contract.Flag
	args := []string{
		flag(contract.CameraFlagSignaling), t.ep.wsURL,
		flag(contract.CameraFlagRoom), string(t.room),
		flag(contract.CameraFlagSource), p.Source,
		flag(contract.CameraFlagWidth), strconv.Itoa(p.Width),
		flag(contract.CameraFlagHeight), strconv.Itoa(p.Height),
		flag(contract.CameraFlagFPS), strconv.Itoa(p.FPS),
		flag(contract.CameraFlagCodec), p.Codec.String(),
		flag(contract.CameraFlagMetricsAddr), metricsAddr,
		flag(contract.CameraFlagLogLevel), "info",
	}
	if t.net.Loopback() {
		args = append(args, flag(contract.CameraFlagICELoopback))
	}
	if t.ep.fingerprint != "" {
		args = append(args, flag(contract.CameraFlagTLSFingerprint), t.ep.fingerprint)
	}
	if p.CongestionControl != "" {
		args = append(args, flag(contract.CameraFlagCongestionControl), p.CongestionControl)
	}
	if r.sc.Camera.Bitrate > 0 {
		args = append(args, flag(contract.CameraFlagBitrate), strconv.Itoa(r.sc.Camera.Bitrate))
	}
	args = append(args, extra...)
	proc, err := t.startProcess(senderSide, c.process, path, args)
	if err != nil {
		return &partError{part: c.process, reason: err.Error()}
	}
	c.proc, c.http = proc, t.net.HTTPClient(senderSide)
	c.metricsURL = "http://" + metricsAddr + "/metrics"
	return nil
}

func (c *cameraSender) ViewerQuery() url.Values { return nil }

func (c *cameraSender) Check() error {
	if c.proc != nil && c.proc.Exited() {
		return c.failure(nil)
	}
	return nil
}

func (c *cameraSender) Counters(ctx context.Context) (senderReading, error) {
	return readCameraMetrics(ctx, c.http, c.metricsURL)
}

func (c *cameraSender) Stop() error {
	if c.proc == nil {
		return nil
	}
	if err := c.proc.Stop(); err != nil {
		return fmt.Errorf("stop %s: %w", c.process, err)
	}
	return nil
}

// failure describes a camera failure; when the camera has exited, that is the
// reason (waiting briefly for it to flush its output).
func (c *cameraSender) failure(cause error) error {
	if !c.proc.Exited() {
		select {
		case <-c.proc.Done():
		case <-time.After(200 * time.Millisecond):
		}
	}
	if c.proc.Exited() {
		return &partError{part: c.process, reason: c.proc.ExitReason(), tail: tailLines(c.proc.Tail(), 20)}
	}
	return cause
}

// remoteCamera is a camera the harness does not start (a Pi, scenario
// camera.remote): it is already in its room; the viewer page asks it for the
// trial's format with a request signal, and its /metrics are read if named.
type remoteCamera struct {
	params     results.Params
	metricsURL string
	http       *http.Client
}

func (c *remoteCamera) Start(_ context.Context, t *mediaTrial) error {
	c.params, c.http = t.sp.Params, t.r.metricsHTTP
	if u := t.r.sc.Camera.MetricsURL; u != "" {
		c.metricsURL = u
		t.probes.Add(probe.Target{Name: results.ProcessCamera, MetricsURL: u})
	}
	return nil
}

func (c *remoteCamera) ViewerQuery() url.Values {
	p := c.params
	return url.Values{
		"request": {fmt.Sprintf("%dx%d@%d", p.Width, p.Height, p.FPS)},
		"codec":   {p.Codec.String()},
	}
}

func (c *remoteCamera) Check() error { return nil }

func (c *remoteCamera) Counters(ctx context.Context) (senderReading, error) {
	if c.metricsURL == "" {
		return senderReading{}, errNoCounters
	}
	return readCameraMetrics(ctx, c.http, c.metricsURL)
}

func (c *remoteCamera) Stop() error { return nil }

// readCameraMetrics reads a camera's counters from its /metrics.
func readCameraMetrics(ctx context.Context, client *http.Client, url string) (senderReading, error) {
	ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	m, err := probe.Scrape(ctx, client, url)
	if err != nil {
		return senderReading{}, err
	}
	if _, ok := m[contract.MetricCameraEncoded]; !ok {
		return senderReading{}, fmt.Errorf("%s has no %s", url, contract.MetricCameraEncoded)
	}
	target, ok := m[contract.MetricCameraTargetBitrate]
	if !ok {
		target = math.NaN()
	}
	return senderReading{
		at: time.Now(), source: "camera-metrics",
		captured: m[contract.MetricCameraCaptured], encoded: m[contract.MetricCameraEncoded],
		sent: m[contract.MetricCameraSent], dropped: m[contract.MetricCameraDropped],
		encode:    probe.Buckets(m, contract.MetricCameraEncode),
		encodeSum: m[contract.MetricCameraEncode+"_sum"], encodeCount: m[contract.MetricCameraEncode+"_count"],
		sendSum: m[contract.MetricCameraSend+"_sum"], sendCount: m[contract.MetricCameraSend+"_count"],
		bytesSent: m[contract.MetricCameraBytesSent], target: target,
	}, nil
}
