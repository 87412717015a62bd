package loadgen_test

import (
	"context"
	"net/netip"
	"os"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"echtzeit/harness/loadgen"
	"echtzeit/signaling/client"
	"echtzeit/signaling/signalingtest"
)

func TestModes(t *testing.T) {
	srv := signalingtest.Start(t)
	tests := []struct {
		name   string
		cfg    loadgen.Config
		phases []string
	}{
		{name: "idle", cfg: loadgen.Config{Mode: loadgen.ModeIdle, Participants: 6, Duration: 300 * time.Millisecond},
			phases: []string{loadgen.PhaseConnect, loadgen.PhaseIdle}},
		{name: "steady", cfg: loadgen.Config{Mode: loadgen.ModeSteady, Participants: 4, Rate: 20, SignalBytes: 500,
			Settle: 100 * time.Millisecond, Duration: 600 * time.Millisecond},
			phases: []string{loadgen.PhaseConnect, loadgen.PhaseSettle, loadgen.PhaseSteady, loadgen.PhaseDrain}},
		{name: "session", cfg: loadgen.Config{Mode: loadgen.ModeSession, Participants: 6, Ramp: 200 * time.Millisecond, Duration: 3 * time.Second},
			phases: []string{loadgen.PhaseSetup, loadgen.PhaseIdle, loadgen.PhaseWindow}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			cfg := tt.cfg
			cfg.URLs = []string{srv.WSURL}
			cfg.ClientOptions = []client.Option{client.WithTLSConfig(srv.TLSConfig)}
			cfg.Sources = []netip.Addr{netip.MustParseAddr("127.0.0.2"), netip.MustParseAddr("127.0.0.3")}
			cfg.Server = loadgen.NewProcObserver(os.Getpid()) // the test process holds the server
			var events []loadgen.Event
			cfg.OnEvent = func(e loadgen.Event) { events = append(events, e) }
			cfg.ProgressEvery = 100 * time.Millisecond
			rep, err := loadgen.Run(ctx, cfg)
			require.NoError(t, err)
			assert.Equal(t, cfg.Participants, rep.Connected)
			assert.Zero(t, rep.Failures)
			var names []string
			for _, p := range rep.Phases {
				names = append(names, p.Name)
				require.NotNil(t, p.ServerCPUPct, p.Name)
				require.NotNil(t, p.ServerRSSBytes, p.Name)
				assert.Positive(t, p.Seconds, p.Name)
			}
			assert.ElementsMatch(t, tt.phases, names)
			assert.NotEmpty(t, events)
			progress := 0
			for _, e := range events {
				if e.Event == loadgen.EventProgress {
					progress++
				}
			}
			assert.Positive(t, progress, "progress events every 100 ms")
			switch cfg.Mode {
			case loadgen.ModeSteady:
				assert.Positive(t, rep.MessagesSent)
				assert.Equal(t, rep.MessagesSent, rep.MessagesDelivered, "every signal arrives")
				require.NotNil(t, rep.LatencyP50Ms)
			case loadgen.ModeSession:
				assert.Equal(t, cfg.Participants/2, rep.SessionsDone)
				// Each side: description, ten candidates, end of candidates.
				assert.Equal(t, int64(cfg.Participants*12), rep.MessagesDelivered)
				require.NotNil(t, rep.SetupP50Ms)
				w, ok := rep.Phase(loadgen.PhaseWindow)
				require.True(t, ok)
				assert.InDelta(t, 3.0, w.Seconds, 0.5)
			}
		})
	}
}

func TestNoServer(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	rep, err := loadgen.Run(ctx, loadgen.Config{URLs: []string{"ws://127.0.0.1:1/ws"}, Mode: loadgen.ModeIdle, Participants: 2, Duration: time.Second})
	require.Error(t, err)
	assert.Equal(t, 2, rep.Failures)
	assert.NotEmpty(t, rep.FirstError)
}

func TestValidate(t *testing.T) {
	tests := []struct {
		name string
		cfg  loadgen.Config
		want string
	}{
		{"odd participants", loadgen.Config{URLs: []string{"ws://x/ws"}, Mode: loadgen.ModeIdle, Participants: 3, Duration: time.Second}, "'participants'"},
		{"no url", loadgen.Config{Mode: loadgen.ModeIdle, Participants: 2, Duration: time.Second}, "'urls'"},
		{"http url", loadgen.Config{URLs: []string{"http://x"}, Mode: loadgen.ModeIdle, Participants: 2, Duration: time.Second}, "not a ws://"},
		{"no rate", loadgen.Config{URLs: []string{"ws://x/ws"}, Mode: loadgen.ModeSteady, Participants: 2, SignalBytes: 100, Duration: time.Second}, "'rate'"},
		{"no mode", loadgen.Config{URLs: []string{"ws://x/ws"}, Participants: 2, Duration: time.Second}, "'mode'"},
		{"ramp too long", loadgen.Config{URLs: []string{"ws://x/ws"}, Mode: loadgen.ModeSession, Participants: 2, Ramp: time.Minute, Duration: time.Second}, "'ramp'"},
		{"no duration", loadgen.Config{URLs: []string{"ws://x/ws"}, Mode: loadgen.ModeIdle, Participants: 2}, "'duration'"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := loadgen.Run(context.Background(), tt.cfg)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.want)
		})
	}
}

func TestParseSources(t *testing.T) {
	got, err := loadgen.ParseSources("127.0.0.2-127.0.0.4, 127.0.1.1")
	require.NoError(t, err)
	assert.Equal(t, []netip.Addr{
		netip.MustParseAddr("127.0.0.2"), netip.MustParseAddr("127.0.0.3"),
		netip.MustParseAddr("127.0.0.4"), netip.MustParseAddr("127.0.1.1"),
	}, got)
	none, err := loadgen.ParseSources("")
	require.NoError(t, err)
	assert.Empty(t, none)
	for _, bad := range []string{"127.0.0.9-127.0.0.2", "x", "127.0.0.1-::1", "10.0.0.0-10.1.0.0"} {
		_, err := loadgen.ParseSources(bad)
		assert.Error(t, err, bad)
	}
}

func TestParseMode(t *testing.T) {
	for _, m := range []loadgen.Mode{loadgen.ModeIdle, loadgen.ModeSteady, loadgen.ModeSession} {
		got, err := loadgen.ParseMode(m.String())
		require.NoError(t, err)
		assert.Equal(t, m, got)
	}
	_, err := loadgen.ParseMode("busy")
	assert.Error(t, err)
	assert.Equal(t, "unknown", loadgen.ModeUnknown.String())
}
