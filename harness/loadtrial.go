package harness

import (
	"context"
	"fmt"
	"time"

	"echtzeit/harness/probe"
	"echtzeit/harness/results"
	"echtzeit/harness/scenario"
	"echtzeit/internal/contract"
)

// maxDrain bounds how long receivers keep reading after the senders stop, so
// signals in flight (seconds of them on an overloaded machine) are not counted
// as lost; the drain ends early once every sent signal has arrived.
const maxDrain = 15 * time.Second

// runLoad runs a signaling-load trial: N clients in N/2 rooms exchange signals
// through the signaling server while its CPU and memory are sampled.
func (r *runner) runLoad(ctx context.Context, sp scenario.Spec, st *stage, start time.Time) (results.Measured, error) {
	var m results.Measured
	err := r.load(ctx, sp, st, start, &m)
	return m, err
}

func (r *runner) load(ctx context.Context, sp scenario.Spec, st *stage, start time.Time, tr *results.Measured) error {
	st.set("starting the signaling server")
	ep, err := r.ensureSignaling(ctx)
	if err != nil {
		return err
	}
	tracker := r.newTracker(ep)
	r.waitIdle(ctx, ep)
	tracker.Sample(ctx, r.now()) // idle baseline

	lr := &loadRun{ep: ep, n: sp.Params.Participants, rate: sp.Params.SignalRate, signalBytes: sp.SignalBytes, logger: r.logger}
	st.set(fmt.Sprintf("connecting %d clients", lr.n))
	connectErr := lr.connect(ctx)
	defer lr.close()
	if connectErr != nil {
		tr.Signaling = lr.figures(0)
		return r.signalingError(ep, connectErr)
	}

	// The server's relay histogram is read before the first and after the
	// last signal, not at the window's edges: a /metrics scrape of a loaded
	// server can take seconds and must not stall the sampling.
	relayStart := r.relayBuckets(ctx, ep)
	sendCtx, stopSend := context.WithCancel(ctx)
	recvCtx, stopRecv := context.WithCancel(context.WithoutCancel(ctx))
	sendDone, recvDone := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(sendDone)
		lr.runSenders(sendCtx)
	}()
	go func() {
		defer close(recvDone)
		lr.runReceivers(recvCtx)
	}()
	stopAll := func() {
		stopSend()
		<-sendDone
		if ctx.Err() == nil {
			st.set("draining signals in flight")
		}
		deadline := time.Now().Add(maxDrain)
		for lr.delivered.Load() < lr.sent.Load() && time.Now().Before(deadline) && ctx.Err() == nil {
			time.Sleep(50 * time.Millisecond)
		}
		stopRecv()
		<-recvDone
	}

	var prevDeliv int64
	var prevAt time.Time
	var windowStart time.Time
	err = r.measure(ctx, sp, st, tracker, start, func(now time.Time) error {
		if ep.local() && !ep.alive() {
			return &partError{part: results.ProcessSignaling, reason: ep.proc.ExitReason(), tail: tailLines(ep.proc.Tail(), 20)}
		}
		d := lr.delivered.Load()
		row := results.NewSample(sp.Index, results.ProcessLoad)
		row.T, row.Time, row.Measuring = now.Sub(start).Seconds(), now, lr.measuring.Load()
		if !prevAt.IsZero() {
			if dt := now.Sub(prevAt).Seconds(); dt > 0 {
				row.MessagesPerSecond = float64(d-prevDeliv) / dt
			}
		}
		prevDeliv, prevAt = d, now
		r.writeRow(row)
		return nil
	}, func() {
		windowStart = r.now()
		lr.measuring.Store(true)
	})
	window := r.now().Sub(windowStart)
	lr.measuring.Store(false)
	stopAll()
	var relayEnd []probe.Bucket
	if relayStart != nil {
		relayEnd = r.relayBuckets(ctx, ep)
	}
	if windowStart.IsZero() {
		window = 0
	}
	tr.Signaling = lr.figures(window)
	if relayStart != nil && relayEnd != nil {
		d := probe.BucketDelta(relayStart, relayEnd)
		for q, dst := range map[float64]**float64{0.5: &tr.Signaling.ServerRelayP50Ms, 0.95: &tr.Signaling.ServerRelayP95Ms} {
			if v, ok := probe.HistogramQuantile(q, d); ok {
				ms := v * 1000
				*dst = &ms
			}
		}
	}
	tr.Processes = tracker.Stats()
	if err != nil {
		return err
	}
	if lr.failures > 0 {
		return fmt.Errorf("%d of %d clients failed to connect or join", lr.failures, lr.n)
	}
	return nil
}

func (r *runner) signalingError(ep *endpoint, err error) error {
	if ep.local() && !ep.alive() {
		return &partError{part: results.ProcessSignaling, reason: ep.proc.ExitReason(), tail: tailLines(ep.proc.Tail(), 20)}
	}
	return err
}

// metricRelayLatency is the signaling server's relay histogram.
const metricRelayLatency = contract.MetricSignalingRelay

// relayBuckets reads the server's relay latency histogram, nil when it cannot.
func (r *runner) relayBuckets(ctx context.Context, ep *endpoint) []probe.Bucket {
	if ep.metricsURL == "" {
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
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
