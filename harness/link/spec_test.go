package link

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestBuiltinProfilesMatchTheIssueTable checks every built-in profile
// against the table of issue 9 (README "Network profiles").
func TestBuiltinProfilesMatchTheIssueTable(t *testing.T) {
	type row struct {
		down, up      Bitrate
		delay, jitter time.Duration
		loss, burst   float64
	}
	want := map[string]row{
		"lan":   {Unlimited, Unlimited, 0, 0, 0, 0},
		"wifi":  {30e6, 15e6, 5 * ms, 2 * ms, 0.002, 0},
		"cable": {5e6, 1e6, 7 * ms, 1 * ms, 0, 0},
		"4g":    {9e6, 9e6, 42 * ms, 5 * ms, 0.005, 0},
		"3g":    {1.6e6, 768e3, 75 * ms, 10 * ms, 0.01, 0},
		"2g":    {280e3, 256e3, 200 * ms, 20 * ms, 0.02, 0},
		"lossy": {Unlimited, Unlimited, 20 * ms, 0, 0.05, 3},
		"step":  {5e6, 5e6, 20 * ms, 0, 0, 0},
	}
	require.Len(t, BuiltinNames(), len(want))
	for _, name := range BuiltinNames() {
		p, err := Builtin(name)
		require.NoError(t, err, name)
		w := want[name]
		assert.Equal(t, name, p.Name)
		assert.NotEmpty(t, p.Description, name)
		assert.Equal(t, w.down, p.Down.Rate, "%s down", name)
		assert.Equal(t, w.up, p.Up.Rate, "%s up", name)
		for _, d := range []Params{p.Up, p.Down} {
			assert.Equal(t, w.delay, d.Delay, "%s delay", name)
			assert.Equal(t, w.jitter, d.Jitter, "%s jitter", name)
			assert.InDelta(t, w.loss, d.Loss, 1e-12, "%s loss", name)
			assert.Equal(t, w.burst, d.LossBurst, "%s burst", name)
			assert.False(t, d.Reorder)
			assert.Equal(t, DefaultQueue, d.Queue)
		}
		assert.Equal(t, name == "lan", p.Unlimited(), name)
	}
	step, err := Builtin("step")
	require.NoError(t, err)
	require.Len(t, step.Schedule, 2)
	assert.Equal(t, 10*time.Second, step.Schedule[0].At)
	assert.Equal(t, Bitrate(1e6), step.Schedule[0].Up.Rate)
	assert.Equal(t, Bitrate(1e6), step.Schedule[0].Down.Rate)
	assert.Equal(t, 20*time.Second, step.Schedule[1].At)
	assert.Equal(t, Bitrate(5e6), step.Schedule[1].Up.Rate)
	assert.Equal(t, 20*ms, step.Schedule[1].Up.Delay, "a step keeps what it does not name")

	_, err = Builtin("5g")
	assert.ErrorIs(t, err, ErrUnknownProfile)
}

func TestResolveSpec(t *testing.T) {
	traceDir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(traceDir, "t.trace"), []byte("1\n2\n"), 0o644))
	spec, err := ParseSpec([]byte(`
description: mine
up: 2Mbit
up-trace: ../nope.trace
`))
	require.NoError(t, err)
	_, err = Resolve("x", spec, DirTraceReader(traceDir))
	assert.ErrorContains(t, err, "'up' and 'up-trace' exclude each other")

	spec, err = ParseSpec([]byte(`
down-trace: t.trace
up: 2Mbit
delay: 30ms
jitter: 3ms
reorder: true
gilbert-elliott: {p: 1%, r: 25%, loss-good: 0%, loss-bad: 50%}
queue: 200ms
seed: 9
schedule:
  - at: 5s
    loss: 1%
  - at: 6s
    trace: t.trace
    queue: 30
`))
	require.NoError(t, err)
	p, err := Resolve("mine", spec, DirTraceReader(traceDir))
	require.NoError(t, err)
	assert.Equal(t, uint64(9), p.Seed)
	require.NotNil(t, p.Down.Trace)
	assert.Equal(t, []int64{1, 2}, p.Down.Trace.Ms)
	assert.Equal(t, Bitrate(2e6), p.Up.Rate)
	assert.Nil(t, p.Up.Trace)
	assert.True(t, p.Up.Reorder)
	require.NotNil(t, p.Up.GE)
	assert.Equal(t, Percent(0.5), p.Up.GE.LossBad)
	assert.Equal(t, Queue{Delay: 200 * ms}, p.Up.Queue)
	require.Len(t, p.Schedule, 2)
	assert.Nil(t, p.Schedule[0].Up.GE, "loss replaces the Gilbert–Elliott model")
	assert.InDelta(t, 0.01, p.Schedule[0].Up.Loss, 1e-12)
	assert.Same(t, p.Down.Trace, p.Schedule[1].Up.Trace, "a trace is read once")
	assert.Equal(t, Queue{Packets: 30}, p.Schedule[1].Down.Queue)
	assert.Contains(t, p.Up.String(), "Gilbert–Elliott")
}

func TestResolveRejects(t *testing.T) {
	tests := []struct {
		name, yaml, want string
	}{
		{"unknown key", "bandwidth: 1Mbit", "field bandwidth not found"},
		{"duplicate key", "up: 1Mbit\nup: 2Mbit", "already defined"},
		{"bad rate", "up: fast", `rate "fast"`},
		{"zero rate", "up: 0", "at least 1 bit/s"},
		{"loss without %", "loss: 1", `percentage "1"`},
		{"loss over 100", "loss: 101%", "from 0 to 100"},
		{"loss 100", "loss: 100%", "'loss' must be less than 100%"},
		{"negative delay", "delay: -5ms", `duration "-5ms"`},
		{"huge delay", "delay: 11s", "'delay' must be at most 10s"},
		{"jitter over delay", "delay: 5ms\njitter: 6ms", "'jitter' (6ms) must not exceed 'delay' (5ms)"},
		{"burst without loss", "loss-burst: 3", "'loss-burst' needs 'loss'"},
		{"burst below 1", "loss: 1%\nloss-burst: 0.5", "'loss-burst' must be a mean burst length"},
		{"bad GE", "gilbert-elliott: {p: 0%, r: 0%}", "'gilbert-elliott' 'p' and 'r'"},
		{"bad queue", "queue: lots", `queue "lots"`},
		{"zero queue", "queue: 0", "want 1 to"},
		{"trace twice", "trace: a\nup-trace: b", "'trace' and 'up-trace'/'down-trace'"},
		{"trace without reader", "trace: a.trace", "traces cannot be read here"},
		{"step without at", "schedule:\n  - up: 1Mbit", "'schedule[0].at' is missing"},
		{"steps out of order", "schedule:\n  - {at: 5s, up: 1Mbit}\n  - {at: 5s, up: 2Mbit}", "'schedule[1].at' must be after 5s"},
		{"step at 0", "schedule:\n  - {at: 0s, up: 1Mbit}", "'schedule[0].at' must be after 0s"},
		{"step error names its key", "schedule:\n  - {at: 1s, loss: 100%}", "'schedule[0].loss'"},
		{"step cannot seed", "schedule:\n  - {at: 1s, seed: 3}", "field seed not found"},
		{"rate as a map", "up: {rate: 1Mbit}", "a rate must be a scalar"},
		{"two documents", "up: 1Mbit\n---\nup: 2Mbit", "more than one YAML document"},
		{"empty", "", "empty"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			spec, err := ParseSpec([]byte(tc.yaml))
			if err == nil {
				_, err = Resolve("x", spec, nil)
			}
			require.Error(t, err)
			assert.ErrorIs(t, err, ErrProfile)
			assert.Contains(t, err.Error(), tc.want)
		})
	}
}

func TestLoad(t *testing.T) {
	p, err := Load("3g")
	require.NoError(t, err)
	assert.Equal(t, Bitrate(768e3), p.Up.Rate)

	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "mine.yaml"), []byte("up: 1Mbit\ndown-trace: t.trace\n"), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "t.trace"), []byte("0\n5\n"), 0o644))
	p, err = Load(filepath.Join(dir, "mine.yaml"))
	require.NoError(t, err)
	assert.Equal(t, "mine", p.Name)
	assert.InDelta(t, 2*1500*8/0.005, p.Down.MeanRate(), 1)

	_, err = Load("nowhere")
	assert.ErrorIs(t, err, ErrUnknownProfile)
}

func TestUnits(t *testing.T) {
	rates := []struct {
		in   string
		want Bitrate
		text string
	}{
		{"768kbit", 768e3, "768kbit"},
		{"1.6Mbit", 1.6e6, "1.6Mbit"},
		{"30Mbit/s", 30e6, "30Mbit"},
		{"5 Mbps", 5e6, "5Mbit"},
		{"1Gbit", 1e9, "1Gbit"},
		{"2500", 2500, "2.5kbit"},
		{"999bit", 999, "999bit"},
		{"unlimited", Unlimited, "unlimited"},
		{" 256KBIT ", 256e3, "256kbit"},
	}
	for _, r := range rates {
		got, err := ParseBitrate(r.in)
		require.NoError(t, err, r.in)
		assert.Equal(t, r.want, got, r.in)
		assert.Equal(t, r.text, got.String(), r.in)
		back, err := ParseBitrate(got.String())
		require.NoError(t, err)
		assert.Equal(t, got, back, "round trip of %s", r.in)
	}
	for _, bad := range []string{"", "fast", "-1Mbit", "0", "NaN", "1e12", "Mbit", "1 Tbit"} {
		_, err := ParseBitrate(bad)
		assert.Error(t, err, bad)
	}
	for in, want := range map[string]Percent{"0%": 0, "0.2%": 0.002, "100%": 1, " 5 %": 0.05} {
		got, err := ParsePercent(in)
		require.NoError(t, err, in)
		assert.InDelta(t, float64(want), float64(got), 1e-15, in)
	}
	for _, bad := range []string{"5", "-1%", "101%", "x%", "NaN%"} {
		_, err := ParsePercent(bad)
		assert.Error(t, err, bad)
	}
	assert.Equal(t, "0.5%", Percent(0.005).String())
	q, err := ParseQueue("50")
	require.NoError(t, err)
	assert.Equal(t, Queue{Packets: 50}, q)
	q, err = ParseQueue("200ms")
	require.NoError(t, err)
	assert.Equal(t, Queue{Delay: 200 * ms}, q)
	assert.Equal(t, "200ms", q.String())
	for _, bad := range []string{"0", "-3", "2m", "0s", "many"} {
		_, err := ParseQueue(bad)
		assert.Error(t, err, bad)
	}
}

func TestParseTrace(t *testing.T) {
	tr, err := ParseTrace("ok", strings.NewReader("0\n1\n1\n\n5 \n"))
	require.NoError(t, err)
	assert.Equal(t, []int64{0, 1, 1, 5}, tr.Ms)
	assert.Equal(t, 5*ms, tr.Period())
	assert.InDelta(t, 4*1500*8/0.005, tr.MeanRate(), 1e-6)
	var buf bytes.Buffer
	require.NoError(t, tr.Format(&buf))
	assert.Equal(t, "0\n1\n1\n5\n", buf.String())

	bad := []struct{ in, want string }{
		{"", "has no timestamps"},
		{"\n\n", "has no timestamps"},
		{"0\n0\n", "lasts 0 ms"},
		{"1\n2\nx\n", `line 3: "x" is not a millisecond timestamp`},
		{"-1\n", "not a millisecond timestamp"},
		{"+1\n", "not a millisecond timestamp"},
		{"1.5\n", "not a millisecond timestamp"},
		{"5\n3\n", "line 2: 3 ms comes after 5 ms"},
		{"99999999999999999999\n", "not a millisecond timestamp"},
		{strings.Repeat("1", 5000) + "\n", "token too long"},
	}
	for _, b := range bad {
		_, err := ParseTrace("t", strings.NewReader(b.in))
		require.Error(t, err, b.in)
		assert.ErrorIs(t, err, ErrTrace)
		assert.Contains(t, err.Error(), b.want)
	}
}

// FuzzParseTrace: any input either fails with ErrTrace or gives a trace
// that formats back to the same timestamps, and whose opportunity index
// functions agree.
func FuzzParseTrace(f *testing.F) {
	for _, s := range []string{"1\n2\n3\n", "0\n0\n50\n100\n", "5\n3\n", "", "x", "0\n", "1099511627776\n", " 7 \n\n9\n"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		tr, err := ParseTrace("fuzz", bytes.NewReader(data))
		if err != nil {
			if !errors.Is(err, ErrTrace) {
				t.Fatalf("error without ErrTrace: %v", err)
			}
			return
		}
		var buf bytes.Buffer
		if err := tr.Format(&buf); err != nil {
			t.Fatal(err)
		}
		back, err := ParseTrace("again", &buf)
		if err != nil {
			t.Fatalf("formatted trace does not parse: %v", err)
		}
		if len(back.Ms) != len(tr.Ms) {
			t.Fatalf("round trip changed the trace")
		}
		if tr.Period() <= 0 || tr.MeanRate() <= 0 {
			t.Fatalf("period %s, mean rate %g", tr.Period(), tr.MeanRate())
		}
		for g := int64(0); g < 3*int64(len(tr.Ms)) && g < 50; g++ {
			if f := tr.first(tr.at(g)); f > g || tr.at(f) != tr.at(g) {
				t.Fatalf("first(at(%d)) = %d", g, f)
			}
		}
	})
}

// FuzzParseSpec: any input either fails with ErrProfile or resolves to a
// profile whose pipes run without trouble.
func FuzzParseSpec(f *testing.F) {
	for _, s := range []string{
		string(builtinYAML[bytes.Index(builtinYAML, []byte("step:"))+6:]),
		"up: 1Mbit\ndown: 2Mbit\ndelay: 10ms\njitter: 1ms\nloss: 1%\nloss-burst: 2\nqueue: 20",
		"gilbert-elliott: {p: 1%, r: 20%, loss-bad: 80%}\nreorder: true\ndelay: 5ms\njitter: 5ms",
		"schedule:\n  - {at: 1s, up: 300kbit}\n  - {at: 2s, up: unlimited, queue: 10ms}",
		"up: [1]", "seed: -1", "{", "loss: 5", "at: 1s",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		spec, err := ParseSpec(data)
		if err == nil {
			var p *Profile
			p, err = Resolve("fuzz", spec, func(string) (io.ReadCloser, error) {
				return io.NopCloser(strings.NewReader("1\n3\n3\n10\n")), nil
			})
			if err == nil {
				exercise(t, p)
				return
			}
		}
		if !errors.Is(err, ErrProfile) {
			t.Fatalf("error without ErrProfile: %v", err)
		}
	})
}

// exercise sends a few packets through both directions of p and checks that
// every accepted packet is delivered, in order unless p reorders.
func exercise(t *testing.T, p *Profile) {
	for _, d := range []Direction{Up, Down} {
		pipe := p.NewPipe(d)
		accepted := 0
		for i := range 200 {
			now := time.Duration(i) * 2 * time.Millisecond
			if pipe.Send(now, make([]byte, 100+i*7%1400)) == Accepted {
				accepted++
			}
			pipe.Receive(now, nil)
		}
		for range 10 * accepted {
			next, busy := pipe.Next()
			if !busy {
				break
			}
			pipe.Receive(next, nil)
		}
		if int(pipe.Stats().Delivered) != accepted || pipe.Stats().Queued != 0 {
			t.Fatalf("%s: accepted %d, delivered %d, %+v", d, accepted, pipe.Stats().Delivered, pipe.Stats())
		}
	}
}
