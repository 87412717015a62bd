package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"

	"echtzeit/harness/loadgen"
	"echtzeit/signaling/client"
)

func loadgenCmd(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("loadgen", `loadgen [flags] URL[,URL...]

Runs signaling load against a server (or the nodes of a cluster) from this
process: --participants WebSocket clients in rooms of two, --mode idle
(connect, join, only answer pings), steady (--rate signals per second each) or
session (a real offer, answer and candidates per room, then idle, all within
--duration). With --server-pid (a local server; the PIDs of a local cluster's
nodes are summed) or --metrics-url (a remote one's /metrics) it prints the
server's CPU and RSS per phase beside its own. The open-files limit (ulimit -n) bounds the participants of one process; on
loopback --sources 127.0.0.2-127.0.0.9 spreads them over several source
addresses so the client side's ephemeral ports do not run out.

Flags:`, stderr)
	participants := fs.Int("participants", 50, "connections, in participants/2 rooms (even)")
	modeName := fs.String("mode", "steady", "idle, steady or session")
	rate := fs.Float64("rate", 1, "steady: signals per second per participant")
	signalBytes := fs.Int("signal-bytes", 1000, "steady: size of a signal")
	aligned := fs.Bool("aligned", false, "steady: all participants send at the same instants (one burst per interval) instead of each at its own random phase")
	sources := fs.String("sources", "", "local source addresses: list and ranges, e.g. 127.0.0.2-127.0.0.9")
	concurrency := fs.Int("dial-concurrency", 32, "rooms connected at once")
	ramp := fs.Duration("ramp", 0, "session: spread the rooms' arrival over this time")
	settle := fs.Duration("settle", 5*time.Second, "idle/steady: pause after connecting, before the measured phase")
	duration := fs.Duration("duration", 60*time.Second, "idle/steady: the measured phase; session: the whole window from the first dial")
	pid := fs.String("server-pid", "", "observe the local server process PID (/proc); a comma-separated list is summed")
	metricsURL := fs.String("metrics-url", "", "observe the server through its /metrics (remote server)")
	fingerprint := fs.String("tls-fingerprint", "", "trust the server certificate with this SHA-256")
	caFile := fs.String("tls-ca", "", "trust the certificates in this PEM file")
	insecure := fs.Bool("tls-insecure", false, "accept any server certificate")
	asJSON := fs.Bool("json", false, "print phase events and the report as JSON lines on stdout")
	progress := fs.Duration("progress", 0, "with --json: also print the signals sent and delivered so far at this interval (0: never)")
	pos, err := parseInterleaved(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		fs.Usage()
		return errors.New("loadgen needs the server URL(s), comma-separated")
	}
	mode, err := loadgen.ParseMode(*modeName)
	if err != nil {
		return fmt.Errorf("--mode: %w", err)
	}
	src, err := loadgen.ParseSources(*sources)
	if err != nil {
		return fmt.Errorf("--sources: %w", err)
	}
	pids, err := parsePIDs(*pid)
	if err != nil {
		return fmt.Errorf("--server-pid: %w", err)
	}
	if len(pids) > 0 && *metricsURL != "" {
		return errors.New("--server-pid and --metrics-url exclude each other")
	}
	opts := trustOptions(*fingerprint, *caFile, *insecure)
	cfg := loadgen.Config{
		URLs: splitList(pos[0]), ClientOptions: opts, Participants: *participants, Mode: mode,
		Rate: *rate, SignalBytes: *signalBytes, Aligned: *aligned, Sources: src, DialConcurrency: *concurrency,
		Ramp: *ramp, Settle: *settle, Duration: *duration,
		Logger: slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn})),
	}
	switch {
	case len(pids) > 0:
		cfg.Server = loadgen.NewProcObserver(pids...)
	case *metricsURL != "":
		cfg.Server = &loadgen.MetricsObserver{URL: *metricsURL, Client: &http.Client{Timeout: 10 * time.Second}}
	}
	if *asJSON {
		cfg.ProgressEvery = *progress
	}
	enc := json.NewEncoder(stdout)
	cfg.OnEvent = func(e loadgen.Event) {
		if *asJSON {
			_ = enc.Encode(e)
			return
		}
		fmt.Fprintf(stderr, "%s %s %s (%d connected)\n", e.At.Format("15:04:05.000"), e.Event, e.Phase, e.Connected)
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	rep, runErr := loadgen.Run(ctx, cfg)
	if rep != nil {
		if *asJSON {
			_ = enc.Encode(struct {
				Event  string          `json:"event"`
				Report *loadgen.Report `json:"report"`
			}{"report", rep})
		} else {
			printLoadReport(stdout, rep)
		}
	}
	return runErr
}

// trustOptions are the clients' TLS trust from the --tls-* flags.
func trustOptions(fingerprint, caFile string, insecure bool) []client.Option {
	switch {
	case fingerprint != "":
		return []client.Option{client.WithFingerprint(fingerprint)}
	case caFile != "":
		return []client.Option{client.WithCAFile(caFile)}
	case insecure:
		return []client.Option{client.WithInsecureSkipVerify()}
	}
	return nil
}

// parsePIDs parses a comma-separated list of process IDs.
func parsePIDs(s string) ([]int, error) {
	var out []int
	for _, v := range splitList(s) {
		n, err := strconv.Atoi(v)
		if err != nil || n <= 0 {
			return nil, fmt.Errorf("%q is not a process ID", v)
		}
		out = append(out, n)
	}
	return out, nil
}

func splitList(s string) []string {
	var out []string
	for _, v := range strings.Split(s, ",") {
		if v = strings.TrimSpace(v); v != "" {
			out = append(out, v)
		}
	}
	return out
}

func printLoadReport(w io.Writer, r *loadgen.Report) {
	fmt.Fprintf(w, "%s load: %d of %d participants connected (%d failed) in %.0f ms from %s, %d source addresses, %d URL(s)\n",
		r.Mode, r.Connected, r.Participants, r.Failures, r.ConnectMs, r.Host, max(1, r.Sources), len(r.URLs))
	if r.FirstError != "" {
		fmt.Fprintf(w, "first error: %s\n", r.FirstError)
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "phase\tseconds\tserver CPU %\tserver RSS MiB\tRSS/conn KB\tloadgen CPU %\t")
	for _, p := range r.Phases {
		cpu, rss, per := "-", "-", "-"
		if p.ServerCPUPct != nil {
			cpu = fmt.Sprintf("%.2f", *p.ServerCPUPct)
		}
		if p.ServerRSSBytes != nil {
			rss = fmt.Sprintf("%.1f", float64(*p.ServerRSSBytes)/(1<<20))
			if r.ServerBaselineRSSBytes != nil && r.Connected > 0 {
				per = fmt.Sprintf("%.1f", float64(*p.ServerRSSBytes-*r.ServerBaselineRSSBytes)/float64(r.Connected)/1000)
			}
		}
		fmt.Fprintf(tw, "%s\t%.1f\t%s\t%s\t%s\t%.2f\t\n", p.Name, p.Seconds, cpu, rss, per, p.LoadgenCPUPct)
	}
	_ = tw.Flush()
	fmt.Fprintf(w, "messages: %d sent, %d delivered, %d lost", r.MessagesSent, r.MessagesDelivered, r.MessagesLost)
	if r.LatencyP50Ms != nil {
		fmt.Fprintf(w, "; relay latency p50 %.2f ms, p95 %.2f ms", *r.LatencyP50Ms, *r.LatencyP95Ms)
	}
	if r.SetupP50Ms != nil {
		fmt.Fprintf(w, "; %d sessions, setup p50 %.1f ms, p95 %.1f ms", r.SessionsDone, *r.SetupP50Ms, *r.SetupP95Ms)
	}
	fmt.Fprintf(w, "\nloadgen: %.2f %% CPU over the run, peak RSS %.0f MiB\n", r.LoadgenCPUPct, float64(r.LoadgenPeakRSSBytes)/(1<<20))
}
