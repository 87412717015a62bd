package camera

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"
)

// Serve serves the metrics at /metrics on addr ("" or "off": not at all)
// until the returned stop is called. When the server fails, onFail is called:
// a sender whose metrics are gone is stopped, not left half-working.
func (m *Metrics) Serve(addr string, logger *slog.Logger, onFail func()) (stop func() error, err error) {
	if addr == "" || addr == "off" {
		return func() error { return nil }, nil
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("--metrics-addr: %w", err)
	}
	mux := http.NewServeMux()
	mux.Handle("/metrics", m.Handler())
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	logger.Info("metrics listening", "addr", ln.Addr().String())
	served := make(chan error, 1)
	go func() {
		err := srv.Serve(ln)
		if errors.Is(err, http.ErrServerClosed) {
			err = nil
		} else {
			onFail()
		}
		served <- err
	}()
	return func() error {
		sctx, scancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer scancel()
		_ = srv.Shutdown(sctx)
		if err := <-served; err != nil {
			return fmt.Errorf("metrics server: %w", err)
		}
		return nil
	}, nil
}
