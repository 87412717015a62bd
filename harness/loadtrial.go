package harness

import (
	"context"
	"fmt"
	"os"
	"time"

	"echtzeit/harness/probe"
	"echtzeit/harness/results"
	"echtzeit/harness/scenario"
)

// drainTime is how long receivers keep reading after the senders stop, so
// signals in flight are not counted as lost.
const drainTime = time.Second

// runLoad runs a signaling-load trial: N clients in N/2 rooms exchange signals
// through the signaling server while its CPU and memory are sampled.
func (r *runner) runLoad(ctx context.Context, sp scenario.Spec, tr *results.Trial, st *stage) error {
	st.set("starting the signaling server")
	ep, err := r.ensureSignaling(ctx)
	if err != nil {
		return err
	}
	tracker := probe.NewTracker(r.proc, ep.http)
	tracker.Add(probe.Target{Name: results.ProcessHarness, PID: os.Getpid()})
	if ep.local() {
		tracker.Add(probe.Target{Name: results.ProcessSignaling, PID: ep.proc.PID()})
	} else if ep.metricsURL != "" {
		tracker.Add(probe.Target{Name: results.ProcessSignaling, MetricsURL: ep.metricsURL})
	}
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
		select {
		case <-time.After(drainTime):
		case <-ctx.Done():
		}
		stopRecv()
		<-recvDone
	}

	var prevDeliv int64
	var prevAt time.Time
	var windowStart time.Time
	err = r.measure(ctx, sp, st, tracker, tr.Start, func(now time.Time) error {
		if ep.local() && !ep.alive() {
			return &partError{part: results.ProcessSignaling, reason: ep.proc.ExitReason(), tail: tailLines(ep.proc.Tail(), 20)}
		}
		d := lr.delivered.Load()
		row := results.NewSample(tr.Index, results.ProcessLoad)
		row.T, row.Time, row.Measuring = now.Sub(tr.Start).Seconds(), now, lr.measuring.Load()
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
	if windowStart.IsZero() {
		window = 0
	}
	tr.Signaling = lr.figures(window)
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
