package results

import (
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"echtzeit/harness/phase"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func ptr(f float64) *float64 { return &f }

func TestTrialsRoundTrip(t *testing.T) {
	path := filepath.Join(t.TempDir(), FileTrials)
	start := time.Date(2026, 11, 25, 22, 0, 0, 0, time.UTC)
	want := []Trial{
		{
			Index: 0, Name: "a", Kind: KindCameraToBrowser,
			Params: Params{Width: 640, Height: 360, Resolution: "640x360", Codec: "vp8", Source: "synthetic", FPS: 30, Participants: 2, Repeat: 1},
			OK:     true,
			Measured: Measured{
				Phases: phases(map[phase.Phase]float64{phase.WSOpen: 10, phase.FirstFrame: 300}), SetupMs: ptr(300),
				FPSMean: 29.9, FPSP5: 28, ReceivedWidth: 640, ReceivedHeight: 360, LatencyP50Ms: ptr(40),
				Processes: map[string]ProcessStats{ProcessCamera: {CPUPct: 50, PeakRSSBytes: 1 << 20, Samples: 8, Source: "proc"}},
			},
			Start: start, End: start.Add(10 * time.Second),
		},
		{
			Index: 1, Kind: KindSignalingLoad, Params: Params{Participants: 50, Repeat: 1},
			FailReason: "signaling exited: exit status 1", StderrTail: "panic: x\n",
			Measured: Measured{Signaling: &SignalingLoad{Connections: 50, MessagesSent: 10, MessagesDelivered: 9, MessagesLost: 1}},
		},
	}
	for _, tr := range want {
		require.NoError(t, AppendTrial(path, tr))
	}
	got, err := ReadTrials(path)
	require.NoError(t, err)
	require.Len(t, got, 2)
	assert.Equal(t, want[0].Params, got[0].Params)
	assert.Equal(t, 300.0, *got[0].Phases.Get(phase.FirstFrame))
	assert.Nil(t, got[0].Phases.Get(phase.Hello))
	assert.Equal(t, want[0].Processes, got[0].Processes)
	assert.True(t, want[0].Start.Equal(got[0].Start))
	assert.Equal(t, want[1].Signaling, got[1].Signaling)
	assert.Equal(t, want[1].StderrTail, got[1].StderrTail)
}

func TestReadTrialsTornAndBad(t *testing.T) {
	tests := []struct {
		name    string
		data    string
		n       int
		wantErr string
	}{
		{name: "torn last line ignored", data: `{"index":0,"kind":"signaling-load"}` + "\n" + `{"index":1,"ki`, n: 1},
		{name: "bad middle line", data: `{"index":0}` + "\nnot json\n" + `{"index":2}` + "\n", n: 1, wantErr: "trials line 2"},
		{name: "empty", data: "", n: 0},
		{name: "unknown fields ignored", data: `{"index":3,"future":1}` + "\n", n: 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := DecodeTrials(strings.NewReader(tc.data))
			if tc.wantErr != "" {
				require.ErrorContains(t, err, tc.wantErr)
			} else {
				require.NoError(t, err)
			}
			assert.Len(t, got, tc.n)
		})
	}
}

func TestSamplesRoundTrip(t *testing.T) {
	path := filepath.Join(t.TempDir(), FileSamples)
	sw, err := OpenSampleWriter(path)
	require.NoError(t, err)
	v := NewSample(3, ProcessViewer)
	v.T, v.Time, v.Measuring = 1.5, time.UnixMilli(1764109200123).UTC(), true
	v.FPS, v.Width, v.Height, v.LatencyMs = 29.5, 640, 360, 41
	p := NewSample(3, ProcessBrowser)
	p.T, p.Time, p.CPUPct, p.RSSBytes = 1.5, time.UnixMilli(1764109200123).UTC(), 37.5, 1.5e8
	require.NoError(t, sw.Write(v))
	require.NoError(t, sw.Write(p))
	require.NoError(t, sw.Close())

	// Appending to an existing file does not repeat the header.
	sw, err = OpenSampleWriter(path)
	require.NoError(t, err)
	require.NoError(t, sw.Write(p))
	require.NoError(t, sw.Close())

	data, err := os.ReadFile(path)
	require.NoError(t, err)
	assert.Equal(t, 1, strings.Count(string(data), "trial,t_s"))

	got, err := ReadSamples(path)
	require.NoError(t, err)
	require.Len(t, got, 3)
	assert.Equal(t, 29.5, got[0].FPS)
	assert.Equal(t, 640, got[0].Width)
	assert.True(t, got[0].Measuring)
	assert.True(t, math.IsNaN(got[0].CPUPct))
	assert.Equal(t, 37.5, got[1].CPUPct)
	assert.True(t, math.IsNaN(got[1].FPS))
	assert.Equal(t, ProcessBrowser, got[2].Process)
	assert.Equal(t, v.Time, got[0].Time)
}

func TestEnvironmentRoundTrip(t *testing.T) {
	path := filepath.Join(t.TempDir(), FileEnvironment)
	env := Environment{Scenario: "quick", StartTime: time.Now().UTC(), Cores: 2, CPUModel: "x", GitCommit: "abc"}
	require.NoError(t, WriteEnvironment(path, env))
	got, err := ReadEnvironment(path)
	require.NoError(t, err)
	assert.Equal(t, env.Scenario, got.Scenario)
	assert.True(t, env.StartTime.Equal(got.StartTime))
	assert.True(t, got.EndTime.IsZero())
}

func TestParseKind(t *testing.T) {
	for _, k := range Kinds {
		got, err := ParseKind(k.String())
		require.NoError(t, err)
		assert.Equal(t, k, got)
	}
	_, err := ParseKind("camera")
	assert.Error(t, err)
}

func phases(m map[phase.Phase]float64) phase.Times {
	var t phase.Times
	for p, v := range m {
		t.Set(p, &v)
	}
	return t
}
