package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"time"
)

// metricsServer is the plain-HTTP listener of --metrics-addr.
type metricsServer struct {
	hs   *http.Server
	done chan struct{}
}

// serveMetrics serves /metrics (and with withPprof Go's /debug/pprof/) on addr
// until ctx ends or close is called.
func serveMetrics(ctx context.Context, addr string, metrics http.Handler, withPprof bool, logger *slog.Logger) (*metricsServer, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("metrics listener: %w", err)
	}
	mux := http.NewServeMux()
	mux.Handle("/metrics", metrics)
	if withPprof {
		mux.HandleFunc("/debug/pprof/", pprof.Index)
		mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
		mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
		mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
		mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	}
	ms := &metricsServer{
		hs:   &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second},
		done: make(chan struct{}),
	}
	logger.Info("metrics listening", "addr", ln.Addr().String(), "metrics", "http://"+ln.Addr().String()+"/metrics", "pprof", withPprof)
	go func() {
		defer close(ms.done)
		if err := ms.hs.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			logger.Error("metrics listener failed", "err", err)
		}
	}()
	context.AfterFunc(ctx, ms.close)
	return ms, nil
}

func (ms *metricsServer) close() {
	_ = ms.hs.Close()
	<-ms.done
}
