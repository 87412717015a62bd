package harness

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"echtzeit/harness/browser"
	"echtzeit/harness/cgroup"
	"echtzeit/harness/probe"
	"echtzeit/harness/results"
	"echtzeit/harness/scenario"
	"echtzeit/internal/contract"
)

// Config is what Run needs.
type Config struct {
	Scenario *scenario.Scenario
	// ScenarioPath is the file the scenario came from (for environment.json).
	ScenarioPath string
	// Dir is the run folder to write; empty means RunsDir/<UTC time>-<name>.
	Dir string
	// RunsDir is the parent of new run folders (default reports/runs).
	RunsDir string
	// BinDir holds the signaling and camera binaries; empty means next to the
	// running executable, then ./bin.
	BinDir string
	// Progress receives the live progress line and the summary (stderr).
	Progress io.Writer
	// Interactive rewrites one progress line in place (a terminal).
	Interactive bool
	// Render writes the report of a run folder (reports.Render); nil skips it.
	Render func(dir string) error
	// OnStage, when set, is called as each trial enters a stage ("starting the
	// camera", "measuring (8s)", ...), from the goroutine running the trial.
	OnStage func(trial int, stage string)
	// BrowserOptions are added to the harness's Chromium options (tests).
	BrowserOptions []browser.Option
	// Forwarder is the command of an emulated network's forwarder process
	// (default: this program with the argument "link-forward", the harness
	// binary); ForwarderEnv is added to its environment (tests).
	Forwarder    []string
	ForwarderEnv []string
	// Loadgen is the command of the signaling-load generator (default: the
	// harness binary found like the others, with the argument "loadgen").
	Loadgen []string
	// Now is the clock (tests); nil means time.Now.
	Now func() time.Time
}

// Outcome is what a run produced.
type Outcome struct {
	Dir         string
	Trials      []results.Trial
	Interrupted bool
	// RenderErr is the report's error, if rendering failed (the data is kept).
	RenderErr error
}

// ReportPath returns the report.html of the run folder.
func (o *Outcome) ReportPath() string { return filepath.Join(o.Dir, "report.html") }

// runner holds the parts that live across trials.
type runner struct {
	cfg     Config
	sc      *scenario.Scenario
	dir     string
	logger  *slog.Logger
	samples *results.SampleWriter
	proc    probe.Proc
	now     func() time.Time

	ep    *endpoint
	br    *browser.Browser
	brFPS int
	// network is the current trial's Params.Network, for its samples.csv rows.
	network string

	signalingBin string
	// bins are the sender binaries found so far, by name (binary).
	bins map[string]string
	// cgroups is where CPU budgets are created; found on first use.
	cgroups   *cgroup.Controller
	cgroupErr error
	// metricsHTTP reads plain-HTTP /metrics endpoints (the camera's).
	metricsHTTP *http.Client
	// cert is the certificate of every signaling server the run starts for
	// its media trials, in a temporary folder; its Chromium trusts its key
	// (browserTrust), so that it caches the page's files as a viewer's
	// browser does (DESIGN.md "Setup phases").
	cert *certificate
}

// Run runs every trial of cfg.Scenario and writes the run folder. It returns an
// error only when the folder cannot be written; failing trials are data. When
// ctx is cancelled (Ctrl-C) the current trial is recorded as interrupted, the
// parts are stopped and the report is still rendered.
func Run(ctx context.Context, cfg Config) (*Outcome, error) {
	if cfg.Scenario == nil {
		return nil, errors.New("run: no scenario")
	}
	if cfg.Progress == nil {
		cfg.Progress = io.Discard
	}
	now := cfg.Now
	if now == nil {
		now = time.Now
	}
	start := now().UTC()
	dir := cfg.Dir
	if dir == "" {
		runs := cfg.RunsDir
		if runs == "" {
			runs = filepath.Join("reports", "runs")
		}
		dir = filepath.Join(runs, start.Format("20060102T150405Z")+"-"+cfg.Scenario.Name)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("create run folder: %w", err)
	}
	if err := os.WriteFile(filepath.Join(dir, results.FileScenario), cfg.Scenario.Source, 0o644); err != nil {
		return nil, fmt.Errorf("write scenario: %w", err)
	}
	logFile, err := os.OpenFile(filepath.Join(dir, results.FileLog), os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644)
	if err != nil {
		return nil, fmt.Errorf("open harness log: %w", err)
	}
	defer func() { _ = logFile.Close() }()
	logger := slog.New(slog.NewTextHandler(&syncWriter{w: logFile}, &slog.HandlerOptions{Level: slog.LevelInfo}))

	r := &runner{
		cfg: cfg, sc: cfg.Scenario, dir: dir, logger: logger, proc: probe.NewProc(), now: now,
		metricsHTTP: &http.Client{Timeout: 3 * time.Second},
	}
	env := r.environment(ctx, start)
	if err := results.WriteEnvironment(filepath.Join(dir, results.FileEnvironment), env); err != nil {
		return nil, err
	}
	for _, w := range env.Warnings {
		logger.Warn(w)
	}
	r.sweepCgroups()
	certDir, err := os.MkdirTemp("", "echtzeit-tls-")
	if err != nil {
		return nil, fmt.Errorf("certificate folder: %w", err)
	}
	defer func() { _ = os.RemoveAll(certDir) }()
	cert, err := writeCertificate(certDir)
	if err != nil {
		return nil, fmt.Errorf("run certificate: %w", err)
	}
	r.cert = &cert
	r.samples, err = results.OpenSampleWriter(filepath.Join(dir, results.FileSamples))
	if err != nil {
		return nil, err
	}
	specs := r.sc.Expand()
	if err := prepareNetworks(ctx, specs, logger); err != nil {
		return nil, err
	}
	logger.Info("run started", "scenario", r.sc.Name, "trials", len(specs), "dir", dir, "estimate", scenario.Estimate(specs).Round(time.Second).String())

	out := &Outcome{Dir: dir}
	prog := newProgress(cfg.Progress, cfg.Interactive, specs, now)
	for _, sp := range specs {
		if ctx.Err() != nil {
			out.Interrupted = true
			break
		}
		prog.begin(sp)
		tr := r.runTrial(ctx, sp, prog)
		prog.end(tr)
		out.Trials = append(out.Trials, tr)
		if err := results.AppendTrial(filepath.Join(dir, results.FileTrials), tr); err != nil {
			r.teardown()
			return out, err
		}
		if err := r.samples.Flush(); err != nil {
			r.teardown()
			return out, err
		}
		if errors.Is(ctx.Err(), context.Canceled) {
			out.Interrupted = true
			break
		}
	}
	prog.finish()
	teardownErr := r.teardown()
	if err := r.samples.Close(); err != nil {
		return out, err
	}
	env.EndTime = now().UTC()
	if err := results.WriteEnvironment(filepath.Join(dir, results.FileEnvironment), env); err != nil {
		return out, err
	}
	if teardownErr != nil {
		logger.Warn("teardown", "err", teardownErr)
	}
	writeSummary(cfg.Progress, out.Trials)
	if cfg.Render != nil {
		if err := cfg.Render(dir); err != nil {
			out.RenderErr = err
			logger.Error("render report", "err", err)
		}
	}
	logger.Info("run finished", "trials", len(out.Trials), "interrupted", out.Interrupted)
	return out, nil
}

// runTrial runs one trial within its timeout and turns any failure into data.
func (r *runner) runTrial(ctx context.Context, sp scenario.Spec, prog *progress) results.Trial {
	tr := results.Trial{
		Index: sp.Index, Name: sp.Name(), Kind: sp.Kind, Params: sp.Params,
		Remote:  sp.Kind == results.KindCameraToBrowser && r.sc.Camera.Remote,
		WarmupS: sp.Warmup.Seconds(), MeasureS: sp.Measure.Seconds(),
		Start: r.now().UTC(),
	}
	tctx, cancel := context.WithTimeout(ctx, sp.Timeout)
	defer cancel()
	r.network = sp.Params.Network
	st := &stage{prog: prog, name: "starting", trial: sp.Index, hook: r.cfg.OnStage}
	run := r.runMedia
	if sp.Kind == results.KindSignalingLoad {
		run = r.runLoad
	}
	var err error
	tr.Measured, err = run(tctx, sp, st, tr.Start)
	tr.End = r.now().UTC()
	switch {
	case err == nil:
		tr.OK = true
	case ctx.Err() != nil:
		tr.FailReason = fmt.Sprintf("%s while %s", ErrInterrupted, st.get())
	case errors.Is(tctx.Err(), context.DeadlineExceeded):
		tr.FailReason = fmt.Sprintf("timeout after %s while %s", sp.Timeout, st.get())
		if msg := err.Error(); msg != context.DeadlineExceeded.Error() {
			tr.FailReason += " (" + strings.TrimPrefix(msg, context.DeadlineExceeded.Error()+"; ") + ")"
		}
	default:
		tr.FailReason = err.Error()
	}
	var pe *partError
	if err != nil && errors.As(err, &pe) {
		tr.FailedComponent = pe.part
		tr.StderrTail = pe.tail
		if tr.FailReason == "" || ctx.Err() == nil && tctx.Err() == nil {
			tr.FailReason = pe.reason
		}
	}
	if !tr.OK {
		r.logger.Warn("trial failed", "trial", tr.Index, "name", tr.Name, "reason", tr.FailReason, "component", tr.FailedComponent)
	} else {
		r.logger.Info("trial done", "trial", tr.Index, "name", tr.Name, "fps", tr.FPSMean)
	}
	return tr
}

// stage is what a trial is doing, for timeouts and the progress line.
type stage struct {
	mu    sync.Mutex
	name  string
	prog  *progress
	trial int
	hook  func(trial int, stage string)
}

func (s *stage) set(name string) {
	s.mu.Lock()
	s.name = name
	s.mu.Unlock()
	s.prog.stage(name)
	if s.hook != nil {
		s.hook(s.trial, name)
	}
}

func (s *stage) get() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.name
}

// ensureSignaling returns the signaling endpoint, starting (or restarting) the
// local server when needed.
func (r *runner) ensureSignaling(ctx context.Context) (*endpoint, error) {
	if r.sc.Signaling.URL != "" {
		if r.ep == nil {
			ep, err := remoteEndpoint(r.sc.Signaling, r.logger)
			if err != nil {
				return nil, err
			}
			r.ep = ep
		}
		return r.ep, nil
	}
	if r.ep != nil && r.ep.alive() {
		return r.ep, nil
	}
	if r.ep != nil {
		r.logger.Warn("signaling server gone; restarting", "reason", r.ep.proc.ExitReason())
		r.ep.http.CloseIdleConnections()
	}
	bin, err := r.signalingBinary()
	if err != nil {
		return nil, err
	}
	ep, err := startSignaling(ctx, bin, r.signalingConfig(), signalingPlace{}, r.logger)
	if err != nil {
		return nil, &partError{part: results.ProcessSignaling, reason: err.Error()}
	}
	r.ep = ep
	return ep, nil
}

// signalingConfig is the configuration of a server the harness starts: a
// room for the sender and the most viewers of any trial, the TURN server
// when a trial has a path.
func (r *runner) signalingConfig() signalingConfig {
	c := signalingConfig{capacity: r.sc.Signaling.RoomCapacity, cert: r.cert}
	for _, b := range r.sc.Trials {
		for _, n := range b.Viewers {
			c.capacity = max(c.capacity, n+1)
		}
		c.turn = c.turn || len(b.Paths) > 0
	}
	return c
}

// signalingBinary finds bin/signaling once.
func (r *runner) signalingBinary() (string, error) {
	if r.signalingBin == "" {
		p, err := findBinary(r.cfg.BinDir, "signaling")
		if err != nil {
			return "", err
		}
		r.signalingBin = p
	}
	return r.signalingBin, nil
}

// waitIdle waits (briefly) until the previous trial's connections are gone, so
// the "camera joined" check and the load figures start clean.
func (r *runner) waitIdle(ctx context.Context, ep *endpoint) {
	if !ep.local() {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	for {
		n, err := ep.gauge(ctx, contract.MetricSignalingConnections)
		if err == nil && n == 0 {
			return
		}
		select {
		case <-ctx.Done():
			r.logger.Warn("signaling server still has connections from an earlier trial", "connections", n, "err", err)
			return
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// browserTrust is the option that makes the run's Chromium trust the
// certificate of the servers it starts (none when it starts none).
func (r *runner) browserTrust() []browser.Option {
	if r.cert == nil {
		return nil
	}
	return []browser.Option{browser.WithTrustedKeys(r.cert.spki)}
}

// teardown stops the browser and the signaling server.
func (r *runner) teardown() error {
	var errs []error
	if r.br != nil {
		errs = append(errs, r.br.Close())
		r.br = nil
	}
	if r.ep != nil {
		errs = append(errs, r.ep.stop())
		if r.ep.http != nil {
			r.ep.http.CloseIdleConnections()
		}
		r.ep = nil
	}
	r.metricsHTTP.CloseIdleConnections()
	return errors.Join(errs...)
}

// syncWriter serialises writes to the log file.
type syncWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (s *syncWriter) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.w.Write(p)
}

// writeSample writes the probe points of one tick.
func (r *runner) writeProbePoints(trial int, start, now time.Time, measuring bool, pts []probe.Point) {
	for _, p := range pts {
		if p.Err != nil {
			continue
		}
		row := results.NewSample(trial, p.Name)
		row.T, row.Time, row.Measuring = now.Sub(start).Seconds(), now, measuring
		row.CPUPct, row.RSSBytes = p.CPUPct, float64(p.RSSBytes)
		r.writeRow(row)
	}
}

func (r *runner) writeRow(s results.Sample) {
	s.Network = r.network
	if err := r.samples.Write(s); err != nil {
		r.logger.Error("write sample", "err", err)
	}
}

// newTracker returns a probe tracker that follows the harness itself and the
// signaling server: its process tree when the harness started it, else its
// /metrics when the scenario names one.
func (r *runner) newTracker(ep *endpoint) *probe.Tracker {
	tracker := probe.NewTracker(r.proc, ep.http)
	tracker.Add(probe.Target{Name: results.ProcessHarness, PID: os.Getpid()})
	if ep.local() {
		tracker.Add(probe.Target{Name: results.ProcessSignaling, PID: ep.proc.PID()})
	} else if ep.metricsURL != "" {
		tracker.Add(probe.Target{Name: results.ProcessSignaling, MetricsURL: ep.metricsURL})
	}
	return tracker
}
