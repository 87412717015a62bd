package scenario

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"echtzeit/harness/results"
	"echtzeit/internal/contract"
)

const good = `name: t
warmup: 1s
measure: 3s
trials:
  - kind: camera-to-browser
    resolutions: [160x90, 320x180]
    codecs: [vp8, h264]
  - kind: browser-to-browser
    resolutions: [320x180]
    fps: [15]
  - kind: signaling-load
    participants: [2, 10]
    repeats: 2
`

func TestDecodeGood(t *testing.T) {
	chartOn := true
	s, err := Decode([]byte(good))
	require.NoError(t, err)
	require.NoError(t, s.Validate())
	specs := s.Expand()
	require.Len(t, specs, 4+1+4)
	assert.Equal(t, results.KindCameraToBrowser, specs[0].Kind)
	assert.Equal(t, results.Params{Width: 160, Height: 90, Resolution: "160x90", Codec: "vp8", Sender: results.SenderEchtzeit, Source: "synthetic", FPS: 30, Participants: 2, Viewers: 1, Chart: &chartOn, Repeat: 1}, specs[0].Params)
	assert.Equal(t, contract.H264, specs[2].Params.Codec)
	assert.Equal(t, time.Second, specs[0].Warmup)
	assert.Equal(t, DefaultTimeout.D(), specs[0].Timeout)
	assert.Equal(t, "fake", specs[4].Params.Source)
	assert.Equal(t, results.SenderChromium, specs[4].Params.Sender)
	assert.Equal(t, 15, specs[4].Params.FPS)
	assert.Equal(t, 10, specs[6].Params.Participants)
	assert.Equal(t, 2, specs[8].Params.Repeat)
	assert.Equal(t, DefaultSignalBytes, specs[8].SignalBytes)
	for i, sp := range specs {
		assert.Equal(t, i, sp.Index)
	}
	assert.Equal(t, 4, s.Line("trials[0].kind")+0-1)
	assert.Equal(t, DefaultSettle.D(), specs[0].Settle, "media trials settle")
	assert.Equal(t, DefaultSettle.D(), specs[4].Settle)
	assert.Zero(t, specs[6].Settle, "a signaling load has no viewer page")
}

// TestSettle: the settle before a media trial's first viewer (default 1s,
// 0 for none) goes into every media spec and its estimate.
func TestSettle(t *testing.T) {
	tests := []struct {
		name, settle string
		want         time.Duration
		problem      string
	}{
		{"default", "", time.Second, ""},
		{"none", "settle: 0s\n", 0, ""},
		{"longer", "settle: 2500ms\n", 2500 * time.Millisecond, ""},
		{"negative", "settle: -1s\n", 0, "line 1: 'settle' must be between 0s and 10s"},
		{"too long", "settle: 11s\n", 0, "line 1: 'settle' must be between 0s and 10s"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := Decode([]byte(tt.settle + "trials:\n  - kind: camera-to-browser\n    resolutions: [320x180]\n"))
			require.NoError(t, err)
			err = s.Validate()
			if tt.problem != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tt.problem)
				return
			}
			require.NoError(t, err)
			specs := s.Expand()
			require.Len(t, specs, 1)
			assert.Equal(t, tt.want, specs[0].Settle)
			none := specs[0]
			none.Settle = 0
			assert.Equal(t, tt.want, specs[0].Estimate()-none.Estimate(), "the estimate counts the settle")
		})
	}
}

// TestExpandLoadModes: participants × modes × nodes, a rate only in the
// steady mode, nodes only when more than one.
func TestExpandLoadModes(t *testing.T) {
	s, err := Decode([]byte("trials:\n  - kind: signaling-load\n    participants: [50, 500]\n    modes: [idle, steady, session]\n    nodes: [1, 3]\n    rate: 2\n"))
	require.NoError(t, err)
	require.NoError(t, s.Validate())
	specs := s.Expand()
	require.Len(t, specs, 2*3*2)
	assert.Equal(t, results.Params{Participants: 50, LoadMode: "idle", Repeat: 1}, specs[0].Params)
	assert.Equal(t, results.Params{Participants: 50, LoadMode: "idle", Nodes: 3, Repeat: 1}, specs[1].Params)
	assert.Equal(t, results.Params{Participants: 50, LoadMode: "steady", SignalRate: 2, Repeat: 1}, specs[2].Params)
	assert.Equal(t, "signaling-load steady 50 participants 2/s #1", specs[2].Name())
	assert.Equal(t, "signaling-load session 500 participants on 3 nodes #1", specs[11].Name())
	assert.Greater(t, specs[1].Estimate(), specs[0].Estimate(), "a cluster takes longer to start")
}

func TestValidateProblems(t *testing.T) {
	tests := []struct {
		name string
		yaml string
		want []string // substrings of the error, each must appear
	}{
		{
			name: "unknown key",
			yaml: "trials:\n  - kind: signaling-load\n    participants: [2]\n    partcipants: [4]\n",
			want: []string{"line 4: 'trials[0].partcipants'", "not found"},
		},
		{
			name: "unknown top-level key",
			yaml: "name: x\nwarm-up: 2s\ntrials: []\n",
			want: []string{"line 2", "warm-up"},
		},
		{
			name: "bad resolution",
			yaml: "trials:\n  - kind: camera-to-browser\n    resolutions:\n      - 640x480\n      - 640*480\n",
			want: []string{"line 5: 'trials[0].resolutions[1]'", "640*480", "WIDTHxHEIGHT"},
		},
		{
			name: "odd resolution",
			yaml: "trials:\n  - kind: camera-to-browser\n    resolutions: [641x480]\n",
			want: []string{"line 3", "'trials[0].resolutions[0]'", "even"},
		},
		{
			name: "impossible duration",
			yaml: "warmup: 10s\nmeasure: 20s\ntimeout: 15s\ntrials:\n  - kind: browser-to-browser\n    resolutions: [320x180]\n",
			want: []string{"line 3: 'timeout' (15s)", "warmup + measure"},
		},
		{
			name: "block timeout too short",
			yaml: "trials:\n  - kind: browser-to-browser\n    resolutions: [320x180]\n    timeout: 3s\n",
			want: []string{"line 4", "'trials[0].timeout'"},
		},
		{
			name: "bad duration text",
			yaml: "measure: 8 seconds\ntrials:\n  - kind: signaling-load\n    participants: [2]\n",
			want: []string{"line 1: 'measure'", "8 seconds", "2s"},
		},
		{
			name: "duplicate key",
			yaml: "name: a\ntrials:\n  - kind: signaling-load\n    participants: [2]\n    rate: 1\n    rate: 2\n",
			want: []string{"line 6: 'trials[0].rate'", "already defined at line 5"},
		},
		{
			name: "unknown kind",
			yaml: "trials:\n  - kind: camera\n",
			want: []string{"line 2", "'trials[0].kind'", `"camera"`},
		},
		{
			name: "odd participants and rate too high",
			yaml: "trials:\n  - kind: signaling-load\n    participants: [2, 51]\n    rate: 100\n",
			want: []string{"line 3: 'trials[0].participants[1]'", "line 4: 'trials[0].rate'"},
		},
		{
			name: "axis of the wrong kind",
			yaml: "trials:\n  - kind: signaling-load\n    participants: [2]\n    codecs: [vp8]\n",
			want: []string{"line 4", "'trials[0].codecs'", "does not apply"},
		},
		{
			name: "bad load modes and nodes",
			yaml: "trials:\n  - kind: signaling-load\n    participants: [2]\n    modes: [idle, busy]\n    nodes: [1, 0, 9]\n",
			want: []string{"line 4: 'trials[0].modes[1]'", `"busy"`, "line 5: 'trials[0].nodes[1]'", "'trials[0].nodes[2]'"},
		},
		{
			name: "aligned without steady",
			yaml: "trials:\n  - kind: signaling-load\n    participants: [2]\n    modes: [idle]\n    aligned: true\n",
			want: []string{"line 5: 'trials[0].aligned'", "steady"},
		},
		{
			name: "load keys on a media block",
			yaml: "trials:\n  - kind: browser-to-browser\n    resolutions: [320x180]\n    modes: [idle]\n    nodes: [3]\n",
			want: []string{"line 4: 'trials[0].modes' only applies to signaling-load", "line 5: 'trials[0].nodes'"},
		},
		{
			name: "charts on signaling-load",
			yaml: "trials:\n  - kind: signaling-load\n    participants: [2]\n    charts: [false]\n",
			want: []string{"line 4", "'trials[0].charts'", "does not apply"},
		},
		{
			name: "bad codec and fake source for camera",
			yaml: "trials:\n  - kind: camera-to-browser\n    resolutions: [320x180]\n    codecs: [vp9]\n    sources: [fake]\n",
			want: []string{"line 4: 'trials[0].codecs[0]'", "line 5: 'trials[0].sources[0]'"},
		},
		{
			name: "remote camera without room and url",
			yaml: "camera:\n  remote: true\ntrials:\n  - kind: camera-to-browser\n    resolutions: [320x180]\n",
			want: []string{"'signaling.url'", "line 1: 'camera.room'"},
		},
		{
			name: "no trials",
			yaml: "name: x\n",
			want: []string{"'trials' must list"},
		},
		{
			name: "empty file",
			yaml: "",
			want: []string{"empty"},
		},
		{
			name: "two documents",
			yaml: "name: a\n---\nname: b\n",
			want: []string{"more than one"},
		},
		{
			name: "wrong type",
			yaml: "repeats: many\ntrials: []\n",
			want: []string{"line 1: 'repeats'", "many"},
		},
		{
			name: "bad viewers and paths",
			yaml: "trials:\n  - kind: camera-to-browser\n    resolutions: [640x480]\n    viewers: [0, 9]\n    paths: [direct, carrier-grade]\n",
			want: []string{"'trials[0].viewers[0]' must be between 1 and 8", "'trials[0].viewers[1]'", "'trials[0].paths[1]' must be one of direct, cone", "carrier-grade"},
		},
		{
			name: "viewers beyond a remote server's room",
			yaml: "signaling:\n  url: wss://pi.local:8443/ws\n  room-capacity: 3\ncamera:\n  remote: true\n  room: \"0000000000000000000000000000000000000000000000000000000000000000\"\ntrials:\n  - kind: camera-to-browser\n    resolutions: [640x480]\n    viewers: [2, 4]\n    paths: [cone]\n",
			want: []string{"'trials[0].viewers[1]' 4 viewers and the sender need a room capacity of 5", "'trials[0].paths[0]' needs a signaling server and camera the harness starts"},
		},
		{
			name: "viewers on signaling load",
			yaml: "trials:\n  - kind: signaling-load\n    participants: [2]\n    viewers: [2]\n",
			want: []string{"'trials[0].viewers' does not apply to signaling-load"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s, err := Decode([]byte(tc.yaml))
			if err == nil {
				err = s.Validate()
			}
			require.Error(t, err)
			for _, w := range tc.want {
				assert.Contains(t, err.Error(), w)
			}
		})
	}
}

func TestUnits(t *testing.T) {
	tests := []struct {
		in      string
		want    Resolution
		wantErr bool
	}{
		{in: "640x480", want: Resolution{640, 480}},
		{in: " 1920x1080 ", want: Resolution{1920, 1080}},
		{in: "640X480", wantErr: true},
		{in: "0x480", wantErr: true},
		{in: "-2x4", wantErr: true},
		{in: "640x", wantErr: true},
		{in: "720p", wantErr: true},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			got, err := ParseResolution(tc.in)
			if tc.wantErr {
				assert.Error(t, err)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tc.want, got)
			assert.Equal(t, strings.TrimSpace(tc.in), got.String())
		})
	}
	d, err := ParseDuration("1m30s")
	require.NoError(t, err)
	assert.Equal(t, 90*time.Second, d.D())
	_, err = ParseDuration("90")
	assert.Error(t, err)
}

// TestShippedScenarios loads every scenario under scenarios/ and checks the
// documented time budgets.
func TestShippedScenarios(t *testing.T) {
	files, err := filepath.Glob("../../scenarios/*.yaml")
	require.NoError(t, err)
	require.NotEmpty(t, files)
	// Issue #13: the thesis with three repeats within 15 minutes on 2 cores,
	// the smoke run (two repeats) within three.
	budgets := map[string]time.Duration{"thesis": 15 * time.Minute, "quick": 3 * time.Minute, "gstreamer-quick": 3 * time.Minute}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			s, err := Load(f)
			require.NoError(t, err)
			specs := s.Expand()
			require.NotEmpty(t, specs)
			if b, ok := budgets[s.Name]; ok {
				assert.Less(t, Estimate(specs), b, "estimated run time")
			}
		})
	}
}

func TestLoadNamesFromFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "my-run.yaml")
	require.NoError(t, os.WriteFile(path, []byte("trials:\n  - kind: signaling-load\n    participants: [2]\n"), 0o644))
	s, err := Load(path)
	require.NoError(t, err)
	assert.Equal(t, "my-run", s.Name)
}

func FuzzDecode(f *testing.F) {
	f.Add([]byte(good))
	f.Add([]byte("trials:\n  - kind: signaling-load\n    participants: [2]\n    rate: 1\n    rate: 2\n"))
	f.Add([]byte("camera:\n  remote: true\n  room: abc\nsignaling:\n  url: wss://x/ws\n"))
	f.Add([]byte("measure: 8 seconds\n"))
	f.Add([]byte("trials: [{kind: camera-to-browser, resolutions: [1x1]}]"))
	f.Add([]byte("networks:\n  mine: {up: 1Mbit, delay: 20ms, jitter: 2ms, loss: 1%, loss-burst: 2, schedule: [{at: 5s, up: 300kbit}]}\n" +
		"trials:\n  - kind: camera-to-browser\n    resolutions: [640x480]\n    networks: [lan, 3g, mine]\n    viewer-networks: [wifi]\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := Decode(data)
		if err != nil {
			return
		}
		if s.Validate() != nil {
			return
		}
		specs := s.Expand()
		if len(specs) > MaxTrials {
			t.Fatalf("validated scenario expands to %d trials", len(specs))
		}
		for _, sp := range specs {
			if sp.Measure <= 0 || sp.Timeout < sp.Warmup+sp.Measure {
				t.Fatalf("validated spec with impossible durations: %+v", sp)
			}
		}
	})
}

func TestExpandViewersAndPaths(t *testing.T) {
	s, err := Decode([]byte("name: p\ntrials:\n  - kind: camera-to-browser\n    resolutions: [640x480]\n    paths: [direct, relay-forced]\n    viewers: [1, 4]\n"))
	require.NoError(t, err)
	require.NoError(t, s.Validate())
	specs := s.Expand()
	require.Len(t, specs, 4)
	type pv struct {
		path    string
		viewers int
		parts   int
	}
	var got []pv
	for _, sp := range specs {
		got = append(got, pv{sp.Params.Path, sp.Params.Viewers, sp.Params.Participants})
	}
	assert.Equal(t, []pv{{"direct", 1, 2}, {"direct", 4, 5}, {"relay-forced", 1, 2}, {"relay-forced", 4, 5}}, got)
	assert.Equal(t, "camera-to-browser 640x480 vp8 synthetic 30fps relay-forced 4 viewers #1", specs[3].Name())
	assert.Greater(t, specs[3].Estimate(), specs[2].Estimate(), "each extra page takes setup time")
}

// TestChartsAxis: charts: [true, false] runs each trial with and without the
// page's live chart, one after the other, and records it in the parameters.
func TestChartsAxis(t *testing.T) {
	s, err := Decode([]byte("trials:\n  - kind: camera-to-browser\n    resolutions: [640x360]\n    charts: [true, false]\n    repeats: 2\n"))
	require.NoError(t, err)
	require.NoError(t, s.Validate())
	specs := s.Expand()
	require.Len(t, specs, 4)
	var got []bool
	for _, sp := range specs {
		require.NotNil(t, sp.Params.Chart)
		got = append(got, *sp.Params.Chart)
	}
	assert.Equal(t, []bool{true, false, true, false}, got, "with and without alternate within each repeat")
	assert.Contains(t, specs[1].Name(), "no-chart")
	assert.NotContains(t, specs[0].Name(), "chart")
}
