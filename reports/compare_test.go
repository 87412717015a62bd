package reports

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestCompareFixtures compares the fixture run with its copy that has known
// changes (fixture_test.go): the VP8 camera at 1280×720 lost a quarter of its
// frame rate and uses 30 % more CPU (regressions), the H.264 camera's latency
// fell by 25 ms (better); everything else is the same.
func TestCompareFixtures(t *testing.T) {
	out := t.TempDir()
	c, err := Compare(fixtureDir, fixtureDirB, out, CompareOptions{})
	require.NoError(t, err)
	require.NotEmpty(t, c.Rows)
	assert.Empty(t, c.OnlyA)
	assert.Empty(t, c.OnlyB)

	const vp8720 = "camera-to-browser 1280x720 vp8 synthetic 30fps"
	var worse, better []string
	for _, r := range c.Rows {
		switch r.Verdict {
		case VerdictWorse:
			worse = append(worse, r.Group+" "+r.Metric)
		case VerdictBetter:
			better = append(better, r.Group+" "+r.Metric)
		default:
			if !strings.Contains(r.Group, "h264") && r.Group != vp8720 {
				assert.Zero(t, r.Diff.Estimate, "%s %s: unchanged trials", r.Group, r.Metric)
			}
		}
	}
	assert.ElementsMatch(t, []string{vp8720 + " fps", vp8720 + " cpu:camera"}, worse)
	assert.ElementsMatch(t, []string{
		"camera-to-browser 160x90 h264 synthetic 30fps latency",
		"camera-to-browser 640x360 h264 synthetic 30fps latency",
		"camera-to-browser 720x480 h264 synthetic 30fps latency",
		"camera-to-browser 1280x720 h264 synthetic 30fps latency",
	}, better)

	regs := c.Regressions()
	require.Len(t, regs, 2)
	for _, r := range regs {
		assert.Equal(t, vp8720, r.Group)
		assert.False(t, r.Diff.Contains(0), "%s: the interval of the difference excludes 0", r.Metric)
		if r.Metric == "fps" {
			assert.InDelta(t, -25, r.ChangePct, 2, "fps × %v", fixtureBFPSFactor)
			assert.Equal(t, 3, r.A.N)
		}
	}

	// The other way round the fps regression is an improvement and the
	// latency improvement a regression.
	back, err := Compare(fixtureDirB, fixtureDir, t.TempDir(), CompareOptions{})
	require.NoError(t, err)
	var backRegs []string
	for _, r := range back.Regressions() {
		backRegs = append(backRegs, r.Group+" "+r.Metric)
	}
	assert.ElementsMatch(t, better, backRegs)

	md, err := os.ReadFile(filepath.Join(out, FileCompareMarkdown))
	require.NoError(t, err)
	assert.Contains(t, string(md), "## Regressions")
	assert.Contains(t, string(md), vp8720+": fps")
	html, err := os.ReadFile(filepath.Join(out, FileCompareHTML))
	require.NoError(t, err)
	for _, f := range []string{"compare-fps.png", "compare-setupPage.png", "compare-latency.png", "compare-cpu-camera.png"} {
		assert.FileExists(t, filepath.Join(out, f))
	}
	assert.Equal(t, 4+1, strings.Count(string(html), `src="data:image/png`), "the plots, CPU of browser too")

	golden := "testdata/compare.golden.md"
	if *update {
		require.NoError(t, os.WriteFile(golden, md, 0o644))
	}
	want, err := os.ReadFile(golden)
	require.NoError(t, err)
	assert.Equal(t, string(want), string(md), "rerun with -update if the change is intended")
}

func TestCompareSameRun(t *testing.T) {
	c, err := Compare(fixtureDir, fixtureDir, t.TempDir(), CompareOptions{})
	require.NoError(t, err)
	for _, r := range c.Rows {
		assert.Equal(t, VerdictNoChange, r.Verdict, "%s %s", r.Group, r.Metric)
		assert.Zero(t, r.ChangePct)
	}
}

func TestCompareMissingRun(t *testing.T) {
	_, err := Compare(fixtureDir, filepath.Join(t.TempDir(), "none"), t.TempDir(), CompareOptions{})
	require.Error(t, err)
}
