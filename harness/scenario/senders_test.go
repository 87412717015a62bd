package scenario

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"echtzeit/harness/results"
)

func TestSendersAndCPUAxes(t *testing.T) {
	s, err := Decode([]byte(`name: x
cpu-factors: {pi4: 0.25}
trials:
  - kind: camera-to-browser
    resolutions: [320x180, 1280x720]
    senders: [gstreamer, echtzeit]
    cpu: [host, pi4, "0.5"]
  - kind: camera-to-browser
    resolutions: [320x180]
  - kind: browser-to-browser
    resolutions: [320x180]
`))
	require.NoError(t, err)
	require.NoError(t, s.Validate())
	specs := s.Expand()
	require.Len(t, specs, 2*3*2+1+1)
	first := specs[0].Params
	assert.Equal(t, results.SenderGStreamer, first.Sender)
	assert.Equal(t, "host", first.CPU)
	assert.Nil(t, first.CPUCores, "host has no quota")
	assert.Equal(t, "camera-to-browser 320x180 vp8 synthetic 30fps gstreamer cpu host #1", specs[0].Name())
	pi4 := specs[2].Params
	assert.Equal(t, "pi4", pi4.CPU)
	require.NotNil(t, pi4.CPUCores)
	assert.InDelta(t, 1.0, *pi4.CPUCores, 1e-9, "4 cores × the scenario's factor 0.25")
	half := specs[4].Params
	require.NotNil(t, half.CPUCores)
	assert.InDelta(t, 0.5, *half.CPUCores, 1e-9)
	assert.Equal(t, results.SenderEchtzeit, specs[6].Params.Sender)
	plain := specs[12].Params
	assert.Equal(t, results.SenderEchtzeit, plain.Sender, "the default sender")
	assert.Empty(t, plain.CPU, "no cpu axis: no budget recorded")
	assert.Nil(t, plain.CPUCores)
	assert.Equal(t, "camera-to-browser 320x180 vp8 synthetic 30fps #1", specs[12].Name())
	assert.Equal(t, results.SenderChromium, specs[13].Params.Sender)
}

func TestSendersAndCPUProblems(t *testing.T) {
	tests := []struct {
		name string
		yaml string
		want []string
	}{
		{"unknown sender", "trials:\n  - kind: camera-to-browser\n    resolutions: [320x180]\n    senders: [ffmpeg]\n",
			[]string{"line 4: 'trials[0].senders[0]'", `"ffmpeg"`}},
		{"videotestsrc needs gstreamer", "trials:\n  - kind: camera-to-browser\n    resolutions: [320x180]\n    sources: [videotestsrc]\n",
			[]string{"'trials[0].sources[0]'", "echtzeit camera"}},
		{"rpicam is no gstreamer source", "trials:\n  - kind: camera-to-browser\n    resolutions: [320x180]\n    senders: [gstreamer]\n    sources: [rpicam]\n",
			[]string{"'trials[0].sources[0]'", "gstreamer sender"}},
		{"bad budget", "trials:\n  - kind: camera-to-browser\n    resolutions: [320x180]\n    cpu: [pi9, \"0\"]\n",
			[]string{"'trials[0].cpu[0]'", "'trials[0].cpu[1]'", "pi4, pi3"}},
		{"axes of the wrong kind", "trials:\n  - kind: browser-to-browser\n    resolutions: [320x180]\n    senders: [gstreamer]\n    cpu: [pi4]\n",
			[]string{"'trials[0].senders'", "'trials[0].cpu'", "only applies to camera-to-browser"}},
		{"load kind", "trials:\n  - kind: signaling-load\n    participants: [2]\n    cpu: [pi4]\n",
			[]string{"'trials[0].cpu'", "does not apply"}},
		{"unknown board factor", "cpu-factors: {pi9: 0.2, pi4: 0}\ntrials:\n  - kind: camera-to-browser\n    resolutions: [320x180]\n",
			[]string{"'cpu-factors.pi9'", "'cpu-factors.pi4'"}},
		{"gstreamer and cpu with a remote camera", "signaling: {url: wss://pi/ws}\ncamera: {remote: true, room: \"" + room64 + "\"}\ntrials:\n  - kind: camera-to-browser\n    resolutions: [320x180]\n    senders: [gstreamer]\n    cpu: [pi4]\n",
			[]string{"'trials[0].senders[0]'", "'trials[0].cpu'", "camera.remote"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s, err := Decode([]byte(tc.yaml))
			require.NoError(t, err)
			err = s.Validate()
			require.Error(t, err)
			for _, w := range tc.want {
				assert.Contains(t, err.Error(), w)
			}
		})
	}
}

const room64 = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

func TestCongestionControlAxis(t *testing.T) {
	s, err := Decode([]byte(`name: x
trials:
  - kind: camera-to-browser
    resolutions: [1280x720]
    networks: [3g]
    congestion-control: [gcc, "off"]
  - kind: camera-to-browser
    resolutions: [320x180]
`))
	require.NoError(t, err)
	require.NoError(t, s.Validate())
	specs := s.Expand()
	require.Len(t, specs, 3)
	assert.Equal(t, "gcc", specs[0].Params.CongestionControl)
	assert.Equal(t, "off", specs[1].Params.CongestionControl)
	assert.Equal(t, "camera-to-browser 1280x720 vp8 synthetic 30fps cc off over 3g #1", specs[1].Name())
	assert.Empty(t, specs[2].Params.CongestionControl, "no axis: the camera's default, not recorded")
}

func TestCongestionControlProblems(t *testing.T) {
	tests := []struct {
		name string
		yaml string
		want []string
	}{
		{"unknown value", "trials:\n  - kind: camera-to-browser\n    resolutions: [320x180]\n    congestion-control: [bbr]\n",
			[]string{"'trials[0].congestion-control[0]'", "gcc or off", `"bbr"`}},
		{"twice", "trials:\n  - kind: camera-to-browser\n    resolutions: [320x180]\n    congestion-control: [gcc, gcc]\n",
			[]string{"'trials[0].congestion-control[1]'", "twice"}},
		{"browser sender", "trials:\n  - kind: browser-to-browser\n    resolutions: [320x180]\n    congestion-control: [gcc]\n",
			[]string{"'trials[0].congestion-control'", "only applies to camera-to-browser"}},
		{"gstreamer sender", "trials:\n  - kind: camera-to-browser\n    resolutions: [320x180]\n    senders: [gstreamer]\n    congestion-control: [\"off\"]\n",
			[]string{"'trials[0].congestion-control'", "echtzeit camera only"}},
		{"load kind", "trials:\n  - kind: signaling-load\n    participants: [2]\n    congestion-control: [gcc]\n",
			[]string{"'trials[0].congestion-control'", "does not apply"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s, err := Decode([]byte(tc.yaml))
			require.NoError(t, err)
			err = s.Validate()
			require.Error(t, err)
			for _, w := range tc.want {
				assert.Contains(t, err.Error(), w)
			}
		})
	}
}
