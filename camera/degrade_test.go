package camera

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func formats(s ...string) []Format {
	var out []Format
	for _, x := range s {
		var f Format
		if _, err := fmt.Sscanf(x, "%dx%d@%d", &f.Width, &f.Height, &f.FPS); err != nil {
			panic(err)
		}
		f.Codec = CodecVP8
		out = append(out, f)
	}
	return out
}

func TestDegradationLadder(t *testing.T) {
	only := func(sizes ...string) func(Format) error {
		return func(f Format) error {
			for _, s := range sizes {
				if s == fmt.Sprintf("%dx%d", f.Width, f.Height) {
					return nil
				}
			}
			return ErrUnsupportedFormat
		}
	}
	tests := []struct {
		name     string
		f        Format
		pref     Degradation
		supports func(Format) error
		want     []Format
	}{
		{"720p30", formats("1280x720@30")[0], DegradationBalanced, nil, formats(
			"1280x720@30", "960x540@30", "640x360@30", "640x360@20", "480x270@20", "320x180@20", "320x180@15", "320x180@10")},
		{"vga30", formats("640x480@30")[0], DegradationBalanced, nil, formats(
			"640x480@30", "480x360@30", "320x240@30", "320x240@20", "240x180@20", "160x120@20", "160x120@15", "160x120@10")},
		{"small: the size stops at 160x90", formats("320x180@30")[0], DegradationBalanced, nil, formats(
			"320x180@30", "240x134@30", "160x90@30", "160x90@20", "160x90@15", "160x90@10")},
		{"15 fps: no step under 5 fps", formats("1280x720@15")[0], DegradationBalanced, nil, formats(
			"1280x720@15", "960x540@15", "640x360@15", "640x360@10", "480x270@10", "320x180@10", "320x180@7", "320x180@5")},
		{"a source with two sizes", formats("1280x720@30")[0], DegradationBalanced, only("1280x720", "640x360"), formats(
			"1280x720@30", "640x360@30", "640x360@20")},
		{"tiny: only the rate falls", formats("160x90@30")[0], DegradationBalanced, nil, formats("160x90@30", "160x90@20", "160x90@15", "160x90@10")},
		{"smaller than the smallest step", formats("96x64@30")[0], DegradationBalanced, nil, formats("96x64@30", "96x64@20", "96x64@15", "96x64@10")},
		{"unknown is balanced", formats("640x360@30")[0], DegradationUnknown, nil, formats(
			"640x360@30", "480x270@30", "320x180@30", "320x180@20", "240x134@20", "160x90@20", "160x90@15", "160x90@10")},
		{"maintain-framerate", formats("1280x720@30")[0], DegradationMaintainFramerate, nil, formats(
			"1280x720@30", "960x540@30", "640x360@30", "480x270@30", "320x180@30")},
		{"maintain-resolution", formats("1280x720@30")[0], DegradationMaintainResolution, nil, formats(
			"1280x720@30", "1280x720@20", "1280x720@15", "1280x720@10")},
		{"disabled", formats("1280x720@30")[0], DegradationDisabled, nil, formats("1280x720@30")},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.want, degradationLadder(tc.f, tc.pref, tc.supports))
		})
	}
}

func TestFloors(t *testing.T) {
	f := formats("1280x720@30")[0]
	d := newDegrader(f, maxBitrate(f), DegradationBalanced, nil)
	// libwebrtc's start limits at 30 fps, two thirds of them at 20 fps, ...
	assert.Equal(t, []int{1_500_000, 800_000, 500_000, 333_333, 200_000, 100_000, 75_000, 50_000}, d.floors)

	// A camera told to stream 720p at 1 Mbit/s keeps 720p down to 700 kbit/s.
	f.Bitrate = 1_000_000
	d = newDegrader(f, maxBitrate(f), DegradationBalanced, nil)
	assert.Equal(t, 700_000, d.floors[0])
	assert.Equal(t, 373_333, d.floors[1])
	for i := 1; i < len(d.floors); i++ {
		assert.Less(t, d.floors[i], d.floors[i-1], "floors fall along the ladder")
	}
	// Above 720p and below 320x180 the limits scale with the pixels.
	assert.InDelta(t, 1_500_000*2.25, startLimit(1920*1080), 1)
	assert.InDelta(t, 150_000/4, startLimit(160*90), 1)
	assert.InDelta(t, 650_000, startLimit((640*360+960*540)/2), 1)
}

func TestDegraderSteps(t *testing.T) {
	type step struct {
		at     time.Duration
		target int
		level  int // expected after the update
	}
	tests := []struct {
		name  string
		start int // target at the stream's start
		steps []step
	}{
		{"down to the step that fits after a second", 2_000_000, []step{
			{0, 2_000_000, 0},
			{500 * time.Millisecond, 900_000, 0}, // above half of 720p's 1.5M floor
			{time.Second, 900_000, 0},
			{1500 * time.Millisecond, 900_000, 1}, // 960x540@30: 800k ≤ 900k < 1.5M
			{3 * time.Second, 920_000, 1},
		}},
		{"3g: below half the floor, at once to the step that fits", 2_000_000, []step{
			{0, 2_000_000, 0},
			{500 * time.Millisecond, 600_000, 2}, // 640x360@30: 500k ≤ 600k < 800k
			{3 * time.Second, 620_000, 2},
		}},
		{"a dip shorter than the hold is ignored", 2_000_000, []step{
			{0, 900_000, 0},
			{900 * time.Millisecond, 1_600_000, 0},
			{1200 * time.Millisecond, 900_000, 0},
			{2100 * time.Millisecond, 900_000, 0},
			{2200 * time.Millisecond, 900_000, 1},
		}},
		{"up one step at a time, after four seconds each", 400_000, []step{
			{0, 2_200_000, 3}, // started at 640x360@20
			{3900 * time.Millisecond, 2_200_000, 3},
			{4 * time.Second, 2_200_000, 2},
			{4500 * time.Millisecond, 2_200_000, 2}, // the next hold starts
			{8400 * time.Millisecond, 2_200_000, 2},
			{8500 * time.Millisecond, 2_200_000, 1},
			{9 * time.Second, 2_200_000, 1},
			{13 * time.Second, 2_200_000, 0},
		}},
		{"no step up between the floor and the margin", 600_000, []step{
			{0, 1_000_000, 2}, // 1.0M < 1.3 × 800k
			{10 * time.Second, 1_000_000, 2},
			{11 * time.Second, 1_050_000, 2},
			{15 * time.Second, 1_050_000, 1},
		}},
		{"the last step stays", 10_000, []step{
			{0, 10_000, 7},
			{5 * time.Second, 10_000, 7},
		}},
	}
	f := formats("1280x720@30")[0]
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d := newDegrader(f, maxBitrate(f), DegradationBalanced, nil)
			d.reset(tc.start)
			t0 := time.Unix(1_700_000_000, 0)
			for _, s := range tc.steps {
				d.update(t0.Add(s.at), s.target)
				require.Equal(t, s.level, d.level, "at %s with target %d", s.at, s.target)
			}
			assert.Equal(t, d.ladder[d.level], d.format())
		})
	}
}

func TestDegradationStrings(t *testing.T) {
	for _, tc := range []struct {
		d    Degradation
		name string
	}{
		{DegradationUnknown, "unknown"}, {DegradationBalanced, "balanced"}, {DegradationMaintainFramerate, "maintain-framerate"},
		{DegradationMaintainResolution, "maintain-resolution"}, {DegradationDisabled, "disabled"}, {Degradation(-1), "Degradation(-1)"},
	} {
		assert.Equal(t, tc.name, tc.d.String())
		if tc.d > DegradationUnknown {
			got, err := ParseDegradation(tc.name)
			require.NoError(t, err)
			assert.Equal(t, tc.d, got)
		}
	}
	for _, bad := range []string{"", "unknown", "quality"} {
		_, err := ParseDegradation(bad)
		assert.Error(t, err, bad)
	}
}
