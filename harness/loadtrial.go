package harness

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"echtzeit/harness/loadgen"
	"echtzeit/harness/probe"
	"echtzeit/harness/results"
	"echtzeit/harness/scenario"
	"echtzeit/internal/contract"
)

// loadSources are the source addresses the load generator dials a local
// server from: 16 × ~28,000 ephemeral ports, so neither a 10,000-connection
// trial nor the TIME_WAIT sockets of the trials before it run out of ports.
const loadSources = "127.0.0.2-127.0.0.17"

// loadgenGrace is how long a cancelled load generator gets to close its
// connections and print its report before it is killed.
const loadgenGrace = 20 * time.Second

// loadgenLine is one JSON line of `harness loadgen --json`: a phase or
// progress event, or the final report.
type loadgenLine struct {
	Event     string          `json:"event"`
	Phase     string          `json:"phase"`
	Connected int             `json:"connected"`
	Sent      int64           `json:"sent"`
	Delivered int64           `json:"delivered"`
	Report    *loadgen.Report `json:"report"`
}

// measuredPhase is the load generator's phase that a mode's figures come
// from (results.MeasuredLoadPhase).
func measuredPhase(mode string) string { return results.MeasuredLoadPhase(mode) }

// runLoad runs a signaling-load trial: fresh signaling processes (one, or a
// local cluster of Params.Nodes), and the load generator as a child process
// of its own (`harness loadgen`), so its CPU is never counted as the
// server's. The generator reads the servers' /proc CPU ticks and RSS at its
// phase boundaries; the harness samples every process at 1 Hz besides.
func (r *runner) runLoad(ctx context.Context, sp scenario.Spec, st *stage, start time.Time) (results.Measured, error) {
	var m results.Measured
	err := r.load(ctx, sp, st, start, &m)
	return m, err
}

func (r *runner) load(ctx context.Context, sp scenario.Spec, st *stage, start time.Time, tr *results.Measured) error {
	nodes := max(1, sp.Params.Nodes)
	var eps []*endpoint
	var pids []string
	if r.sc.Signaling.URL != "" {
		ep, err := r.ensureSignaling(ctx)
		if err != nil {
			return err
		}
		eps = []*endpoint{ep}
	} else {
		st.set(fmt.Sprintf("starting %d signaling process(es)", nodes))
		ls, err := r.startLoadServers(ctx, nodes, r.sc.Signaling.RoomCapacity)
		if err != nil {
			return err
		}
		defer func() {
			if err := ls.stop(); err != nil {
				r.logger.Warn("stop the load's signaling servers", "err", err)
			}
		}()
		eps, pids = ls.nodes, ls.pids()
	}
	lg, err := r.startLoadgen(sp, eps, pids)
	if err != nil {
		return err
	}
	// Cancelled (Ctrl-C, the trial's timeout): SIGTERM ends the generator's
	// run early, and it still prints its report and closes its connections.
	stopped := make(chan struct{})
	go func() {
		defer close(stopped)
		select {
		case <-ctx.Done():
			if err := lg.Process.Stop(loadgenGrace); err != nil {
				r.logger.Warn("stop the load generator", "err", err)
			}
		case <-lg.Done():
		}
	}()
	defer func() {
		_ = lg.Stop()
		<-stopped
	}()

	tracker := probe.NewTracker(r.proc, eps[0].http)
	tracker.Add(probe.Target{Name: results.ProcessHarness, PID: os.Getpid()})
	for i, ep := range eps {
		if ep.local() {
			tracker.Add(probe.Target{Name: nodeName(i), PID: ep.proc.PID()})
		} else if ep.metricsURL != "" {
			tracker.Add(probe.Target{Name: results.ProcessSignaling, MetricsURL: ep.metricsURL})
		}
	}
	tracker.Add(probe.Target{Name: results.ProcessLoadgen, PID: lg.PID()})
	relayStart := r.relayHistograms(ctx, eps)

	lines := make(chan loadgenLine, 64)
	go readLoadgen(lg.Stdout(), lines)
	rep, stats, follow := r.followLoadgen(ctx, sp, st, start, tracker, eps, lines)
	tr.Processes = stats

	waitCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 15*time.Second)
	exitErr := lg.Wait(waitCtx)
	cancel()
	if rep != nil {
		tr.Signaling = loadFigures(sp, rep, follow)
		if d := relayDelta(relayStart, r.relayHistograms(ctx, eps)); d != nil {
			setRelayQuantiles(tr.Signaling, d)
		}
	}
	switch {
	case follow.err != nil:
		return follow.err
	case ctx.Err() != nil:
		return ctx.Err()
	case exitErr != nil || rep == nil:
		return &partError{part: results.ProcessLoadgen, reason: "load generator: " + lg.ExitReason(), tail: tailLines(lg.Tail(), 20)}
	case rep.Failures > 0:
		return fmt.Errorf("%d of %d clients failed to connect or join: %s", rep.Failures, rep.Participants, rep.FirstError)
	}
	return nil
}

// startLoadgen starts `harness loadgen --json` against the trial's servers.
func (r *runner) startLoadgen(sp scenario.Spec, eps []*endpoint, pids []string) (*child, error) {
	cmd := r.cfg.Loadgen
	if len(cmd) == 0 {
		bin, err := findBinary(r.cfg.BinDir, "harness")
		if err != nil {
			return nil, err
		}
		cmd = []string{bin, "loadgen"}
	}
	p := sp.Params
	args := append(cmd[1:len(cmd):len(cmd)], "--json", "--progress", r.sc.SampleInterval.D().String(),
		"--participants", strconv.Itoa(p.Participants), "--mode", p.LoadMode,
		"--settle", sp.Warmup.String(), "--duration", sp.Measure.String())
	if p.LoadMode == "steady" {
		args = append(args, "--rate", strconv.FormatFloat(p.SignalRate, 'g', -1, 64), "--signal-bytes", strconv.Itoa(sp.SignalBytes))
		if sp.Aligned {
			args = append(args, "--aligned")
		}
	}
	sg := r.sc.Signaling
	switch {
	case len(pids) > 0:
		args = append(args, "--server-pid", strings.Join(pids, ","), "--sources", loadSources,
			"--tls-fingerprint", eps[0].fingerprint)
	case sg.Fingerprint != "":
		args = append(args, "--tls-fingerprint", strings.ToLower(sg.Fingerprint))
	case sg.CAFile != "":
		args = append(args, "--tls-ca", sg.CAFile)
	case sg.Insecure:
		args = append(args, "--tls-insecure")
	}
	if len(pids) == 0 && eps[0].metricsURL != "" {
		args = append(args, "--metrics-url", eps[0].metricsURL)
	}
	var urls []string
	for _, ep := range eps {
		urls = append(urls, ep.wsURL)
	}
	args = append(args, strings.Join(urls, ","))
	c, err := startChildPiped(results.ProcessLoadgen, cmd[0], args, r.logger)
	if err != nil {
		return nil, &partError{part: results.ProcessLoadgen, reason: err.Error()}
	}
	return c, nil
}

// readLoadgen decodes the load generator's stdout into lines until it ends.
func readLoadgen(out io.ReadCloser, lines chan<- loadgenLine) {
	defer close(lines)
	defer func() { _ = out.Close() }()
	sc := bufio.NewScanner(out)
	sc.Buffer(make([]byte, 64<<10), 4<<20)
	for sc.Scan() {
		var l loadgenLine
		if json.Unmarshal(sc.Bytes(), &l) == nil && l.Event != "" {
			lines <- l
		}
	}
}

// followed is what the harness saw of a load generator's run.
type followed struct {
	// sent and delivered at the measured phase's start and end.
	sent0, deliv0, sent1, deliv1 int64
	// err is why the harness gave up (a server died), nil otherwise.
	err error
}

// followLoadgen samples the processes every interval and follows the load
// generator's events until its output ends; the process statistics are
// those of the measured phase.
func (r *runner) followLoadgen(ctx context.Context, sp scenario.Spec, st *stage, start time.Time, tracker *probe.Tracker,
	eps []*endpoint, lines <-chan loadgenLine) (*loadgen.Report, map[string]results.ProcessStats, followed) {
	var f followed
	var rep *loadgen.Report
	var stats map[string]results.ProcessStats
	measured := measuredPhase(sp.Params.LoadMode)
	measuring := false
	done := ctx.Done()
	var prevDeliv int64
	var prevAt time.Time
	tick := time.NewTicker(r.sc.SampleInterval.D())
	defer tick.Stop()
	st.set("connecting the load")
	for {
		select {
		case <-done:
			// load stops the generator, which still prints its report:
			// read on until its output ends.
			if f.err == nil {
				f.err = ctx.Err()
			}
			done, ctx = nil, context.WithoutCancel(ctx)
		case now := <-tick.C:
			r.writeProbePoints(sp.Index, start, now, measuring, tracker.Sample(ctx, now))
			for _, ep := range eps {
				if ep.local() && !ep.alive() && f.err == nil {
					f.err = &partError{part: ep.proc.Name(), reason: ep.proc.ExitReason(), tail: tailLines(ep.proc.Tail(), 20)}
				}
			}
		case l, ok := <-lines:
			if !ok {
				if stats == nil {
					stats = tracker.Stats()
				}
				return rep, stats, f
			}
			now := r.now()
			switch l.Event {
			case loadgen.EventPhaseStart:
				if done != nil { // not after a cancel: the stage says what was cut short
					st.set(fmt.Sprintf("load phase %s (%d connected)", l.Phase, l.Connected))
				}
				if l.Phase == measured {
					if done != nil {
						st.set(fmt.Sprintf("measuring (%s, %s phase)", sp.Measure, l.Phase))
					}
					measuring = true
					tracker.StartWindow()
					f.sent0, f.deliv0 = l.Sent, l.Delivered
				}
			case loadgen.EventPhaseEnd:
				if l.Phase == measured {
					measuring = false
					r.writeProbePoints(sp.Index, start, now, true, tracker.Sample(ctx, now))
					stats = tracker.Stats()
					f.sent1, f.deliv1 = l.Sent, l.Delivered
				}
			case loadgen.EventProgress:
				row := results.NewSample(sp.Index, results.ProcessLoad)
				row.T, row.Time, row.Measuring = now.Sub(start).Seconds(), now, measuring
				if !prevAt.IsZero() {
					if dt := now.Sub(prevAt).Seconds(); dt > 0 {
						row.MessagesPerSecond = float64(l.Delivered-prevDeliv) / dt
					}
				}
				prevDeliv, prevAt = l.Delivered, now
				r.writeRow(row)
			case "report":
				rep = l.Report
			}
		}
	}
}

// loadFigures turns the load generator's report into the trial's figures.
func loadFigures(sp scenario.Spec, rep *loadgen.Report, f followed) *results.SignalingLoad {
	s := &results.SignalingLoad{
		Connections: rep.Connected, ConnectFailures: rep.Failures, Rooms: rep.Connected / 2,
		MessagesSent: rep.MessagesSent, MessagesDelivered: rep.MessagesDelivered, MessagesLost: rep.MessagesLost,
		ConnectMs: rep.ConnectMs, Aligned: rep.Aligned, ServerBaselineRSSBytes: rep.ServerBaselineRSSBytes,
		SessionsDone: rep.SessionsDone, SetupP50Ms: rep.SetupP50Ms, SetupP95Ms: rep.SetupP95Ms,
		LoadgenHost: rep.Host, LoadgenCPUPct: rep.LoadgenCPUPct, LoadgenPeakRSSBytes: rep.LoadgenPeakRSSBytes,
	}
	if sp.Params.LoadMode == "steady" {
		s.SignalBytes = rep.SignalBytes
	}
	if rep.LatencyP50Ms != nil {
		s.RelayLatencyP50Ms, s.RelayLatencyP95Ms = *rep.LatencyP50Ms, *rep.LatencyP95Ms
	}
	for _, p := range rep.Phases {
		s.Phases = append(s.Phases, p.LoadPhase)
	}
	m, ok := rep.Phase(measuredPhase(sp.Params.LoadMode))
	if !ok || m.Seconds <= 0 {
		return s
	}
	s.MessagesPerSecond = float64(f.deliv1-f.deliv0) / m.Seconds
	s.SentPerSecond = float64(f.sent1-f.sent0) / m.Seconds
	if rep.Connected > 0 {
		if m.ServerCPUPct != nil {
			v := *m.ServerCPUPct / float64(rep.Connected)
			s.CPUPerConnPct = &v
		}
		if m.ServerRSSBytes != nil && rep.ServerBaselineRSSBytes != nil {
			v := float64(*m.ServerRSSBytes-*rep.ServerBaselineRSSBytes) / float64(rep.Connected)
			s.RSSPerConnBytes = &v
		}
	}
	return s
}

// metricRelayLatency is the signaling server's relay histogram.
const metricRelayLatency = contract.MetricSignalingRelay

// relayHistograms reads every node's relay latency histogram (nil for a
// node without one: a node that has relayed nothing may export none).
func (r *runner) relayHistograms(ctx context.Context, eps []*endpoint) [][]probe.Bucket {
	out := make([][]probe.Bucket, len(eps))
	for i, ep := range eps {
		out[i] = r.relayBuckets(ctx, ep)
	}
	return out
}

// relayDelta is the nodes' histograms' growth between two readings, summed
// bucket by bucket (a node without a first reading counts from zero); nil
// when no node has a histogram or the nodes' buckets differ.
func relayDelta(start, end [][]probe.Bucket) []probe.Bucket {
	var sum []probe.Bucket
	for i := range end {
		if end[i] == nil {
			continue
		}
		d := end[i]
		if i < len(start) && start[i] != nil {
			d = probe.BucketDelta(start[i], end[i])
		}
		if sum == nil {
			sum = append([]probe.Bucket(nil), d...)
			continue
		}
		if len(d) != len(sum) {
			return nil
		}
		for j := range d {
			sum[j].Count += d[j].Count
		}
	}
	return sum
}

func setRelayQuantiles(s *results.SignalingLoad, d []probe.Bucket) {
	for q, dst := range map[float64]**float64{0.5: &s.ServerRelayP50Ms, 0.95: &s.ServerRelayP95Ms} {
		if v, ok := probe.HistogramQuantile(q, d); ok {
			ms := v * 1000
			*dst = &ms
		}
	}
}

// relayBuckets reads the server's relay latency histogram, nil when it cannot.
func (r *runner) relayBuckets(ctx context.Context, ep *endpoint) []probe.Bucket {
	if ep.metricsURL == "" {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	m, err := probe.Scrape(ctx, ep.http, ep.metricsURL)
	if err != nil {
		r.logger.Warn("read the server's relay latency", "err", err)
		return nil
	}
	b := probe.Buckets(m, metricRelayLatency)
	if len(b) == 0 {
		return nil
	}
	return b
}
