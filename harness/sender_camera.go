package harness

import (
	"context"
	"fmt"
	"math"
	"net"
	"net/http"
	"net/url"
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
	return &cameraSender{}
}

// cameraSender is bin/camera as a child process of the harness.
type cameraSender struct {
	proc       *child
	metricsURL string
	http       *http.Client
}

func (c *cameraSender) Start(ctx context.Context, t *mediaTrial) error {
	r := t.r
	r.waitIdle(ctx, t.ep)
	// Rooms left over from an earlier trial (if waitIdle gave up) must not
	// count as the camera's.
	baseRooms, _ := t.ep.gauge(ctx, contract.MetricSignalingRooms)
	t.st.set("starting the camera")
	if err := c.start(t); err != nil {
		return err
	}
	t.probes.Add(probe.Target{Name: results.ProcessCamera, PID: c.proc.PID()})
	t.st.set("waiting for the camera to join its room")
	err := c.proc.waitUntil(ctx, 100*time.Millisecond, func(ctx context.Context) bool {
		n, err := t.ep.gauge(ctx, contract.MetricSignalingRooms)
		return err == nil && n > baseRooms
	})
	if err != nil {
		return c.failure(err)
	}
	return nil
}

// start starts bin/camera with the trial's format and a free /metrics port.
func (c *cameraSender) start(t *mediaTrial) error {
	r := t.r
	if r.cameraBin == "" {
		path, err := findBinary(r.cfg.BinDir, "camera")
		if err != nil {
			return err
		}
		r.cameraBin = path
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
	if r.sc.Camera.Bitrate > 0 {
		args = append(args, flag(contract.CameraFlagBitrate), strconv.Itoa(r.sc.Camera.Bitrate))
	}
	args = append(args, r.sc.Camera.Args...)
	proc, err := t.startProcess(senderSide, results.ProcessCamera, r.cameraBin, args)
	if err != nil {
		return &partError{part: results.ProcessCamera, reason: err.Error()}
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
		return fmt.Errorf("stop camera: %w", err)
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
		return &partError{part: results.ProcessCamera, reason: c.proc.ExitReason(), tail: tailLines(c.proc.Tail(), 20)}
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
		bytesSent: m[contract.MetricCameraBytesSent], target: target,
	}, nil
}
