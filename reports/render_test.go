package reports

import (
	"bytes"
	"encoding/base64"
	"flag"
	"image"
	"image/png"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"echtzeit/harness/results"
)

var update = flag.Bool("update", false, "rewrite the golden report.md files from the fixture run folders")

// goldens pairs each committed run folder with its expected report.md.
var goldens = []struct{ name, dir, golden string }{
	{"synthetic fixture", fixtureDir, "testdata/report.golden.md"},
	{"real quick run", "testdata/run-quick", "testdata/report-quick.golden.md"},
	{"real thesis run", "testdata/run-thesis", "testdata/report-thesis.golden.md"},
}

// copyRun copies the raw files of a run folder into a fresh temporary folder,
// so rendering never writes into testdata.
func copyRun(t *testing.T, from string) string {
	t.Helper()
	dir := t.TempDir()
	copyRunTo(t, from, dir)
	return dir
}

func copyRunTo(t *testing.T, from, dir string) {
	t.Helper()
	for _, name := range []string{results.FileScenario, results.FileEnvironment, results.FileTrials, results.FileSamples, results.FileLog} {
		data, err := os.ReadFile(filepath.Join(from, name))
		if os.IsNotExist(err) {
			continue
		}
		require.NoError(t, err)
		require.NoError(t, os.WriteFile(filepath.Join(dir, name), data, 0o644))
	}
}

// rendered holds one render of each committed run folder for the whole test
// binary (rendering is the slow part, above all under -race). Tests must not
// write into these folders.
var rendered struct {
	sync.Mutex
	root string
	dirs map[string]string
}

func renderedRun(t *testing.T, from string) string {
	t.Helper()
	rendered.Lock()
	defer rendered.Unlock()
	if dir, ok := rendered.dirs[from]; ok {
		return dir
	}
	if rendered.root == "" {
		root, err := os.MkdirTemp("", "reports-test-")
		require.NoError(t, err)
		rendered.root, rendered.dirs = root, map[string]string{}
	}
	dir := filepath.Join(rendered.root, strconv.Itoa(len(rendered.dirs)))
	require.NoError(t, os.Mkdir(dir, 0o755))
	copyRunTo(t, from, dir)
	require.NoError(t, Render(dir))
	rendered.dirs[from] = dir
	return dir
}

func TestMain(m *testing.M) {
	flag.Parse()
	code := m.Run()
	if rendered.root != "" {
		_ = os.RemoveAll(rendered.root)
	}
	os.Exit(code)
}

func readFile(t *testing.T, path string) []byte {
	t.Helper()
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	return data
}

func TestRenderGolden(t *testing.T) {
	for _, g := range goldens {
		t.Run(g.name, func(t *testing.T) {
			dir := renderedRun(t, g.dir)
			got := readFile(t, filepath.Join(dir, FileMarkdown))
			if *update {
				require.NoError(t, os.WriteFile(g.golden, got, 0o644))
			}
			want := readFile(t, g.golden)
			assert.Equal(t, string(want), string(got), "report.md differs from %s; rerun with -update if the change is intended", g.golden)
		})
	}
}

func TestRenderIsDeterministic(t *testing.T) {
	a, b := renderedRun(t, fixtureDir), copyRun(t, fixtureDir)
	require.NoError(t, Render(b))
	first := map[string][]byte{}
	for _, name := range append([]string{FileMarkdown, FileHTML}, PlotFiles...) {
		first[name] = readFile(t, filepath.Join(a, name))
		assert.Equal(t, first[name], readFile(t, filepath.Join(b, name)), "%s differs between two folders", name)
	}
	// Rendering again over its own output changes nothing.
	require.NoError(t, Render(b))
	for name, data := range first {
		assert.Equal(t, data, readFile(t, filepath.Join(b, name)), "%s differs after re-rendering", name)
	}
}

func TestRenderPlotsArePNGsWithContent(t *testing.T) {
	dir := renderedRun(t, fixtureDir)
	want := map[string]image.Point{
		PlotFPS: {768, 480}, PlotSetup: {768, 480}, PlotSetupBreakdown: {768, 480}, PlotCPU: {768, 480}, PlotLatency: {768, 480},
		PlotLatencyBreakdown: {768, 480}, PlotQuality: {768, 768}, PlotSignaling: {768, 768},
	}
	for _, name := range PlotFiles {
		t.Run(name, func(t *testing.T) {
			img, err := png.Decode(bytes.NewReader(readFile(t, filepath.Join(dir, name))))
			require.NoError(t, err)
			size := img.Bounds().Size()
			if name == PlotSetupBreakdown || name == PlotLatencyBreakdown {
				// One bar per sender and resolution: the chart grows with them.
				assert.Equal(t, want[name].X, size.X)
				assert.GreaterOrEqual(t, size.Y, want[name].Y)
			} else {
				assert.Equal(t, want[name], size)
			}
			// Not blank: a good share of the pixels differ from white and the
			// luma varies.
			var n, dark int
			var sum, sumSq float64
			b := img.Bounds()
			// Every second pixel in both directions is plenty (and fast under -race).
			for y := b.Min.Y; y < b.Max.Y; y += 2 {
				for x := b.Min.X; x < b.Max.X; x += 2 {
					r, g, bl, _ := img.At(x, y).RGBA()
					l := (0.299*float64(r) + 0.587*float64(g) + 0.114*float64(bl)) / 257
					sum += l
					sumSq += l * l
					n++
					if l < 200 {
						dark++
					}
				}
			}
			m := sum / float64(n)
			variance := sumSq/float64(n) - m*m
			assert.Greater(t, variance, 100.0, "luma variance")
			assert.Greater(t, float64(dark)/float64(n), 0.01, "share of drawn pixels")
		})
	}
}

func TestRenderHTMLIsSelfContained(t *testing.T) {
	dir := renderedRun(t, fixtureDir)
	page := string(readFile(t, filepath.Join(dir, FileHTML)))
	for _, name := range PlotFiles {
		data := readFile(t, filepath.Join(dir, name))
		assert.Contains(t, page, "data:image/png;base64,"+base64.StdEncoding.EncodeToString(data), "%s not embedded", name)
	}
	// Without the data URIs, nothing may point outside the page.
	text := regexp.MustCompile(`data:image/png;base64,[A-Za-z0-9+/=]+`).ReplaceAllString(page, "data:")
	assert.False(t, regexp.MustCompile(`(?i)(https?:)?//[a-z0-9]`).MatchString(text), "external URL")
	assert.False(t, regexp.MustCompile(`(?i)(src|href)="[^d#]`).MatchString(text), "reference to another file")
	assert.NotContains(t, text, "<script")
	assert.NotContains(t, text, "<link")
	assert.Equal(t, len(PlotFiles), strings.Count(text, `src="data:`))
	// Every table row of the Markdown report is in the HTML too.
	md := string(readFile(t, filepath.Join(dir, FileMarkdown)))
	assert.Equal(t, strings.Count(md, "\n|")-strings.Count(md, "\n|---"), strings.Count(page, "<tr>"))
}

// writeRun writes a run folder from records.
func writeRun(t *testing.T, env results.Environment, trials []results.Trial) string {
	t.Helper()
	dir := t.TempDir()
	require.NoError(t, results.WriteEnvironment(filepath.Join(dir, results.FileEnvironment), env))
	for _, tr := range trials {
		require.NoError(t, results.AppendTrial(filepath.Join(dir, results.FileTrials), tr))
	}
	return dir
}

func TestRenderWithoutSuccessfulTrials(t *testing.T) {
	env := results.Environment{Scenario: "broken", StartTime: time.Date(2026, 11, 25, 23, 0, 0, 0, time.UTC), CPUModel: "AMD EPYC", Cores: 2}
	trials := []results.Trial{
		{Index: 0, Kind: results.KindCameraToBrowser, Name: "camera 720x480 vp8 #1",
			Params:     results.Params{Width: 720, Height: 480, Resolution: "720x480", Codec: "vp8", Source: "synthetic", Repeat: 1},
			FailReason: "camera exited: exit status 2 | see stderr", FailedComponent: results.ProcessCamera, StderrTail: "error: no such device *video9*\n"},
		{Index: 1, Kind: results.KindBrowserToBrowser, Name: "browser 720x480 #1",
			Params:     results.Params{Width: 720, Height: 480, Resolution: "720x480", Codec: "vp8", Repeat: 1},
			FailReason: "timeout waiting for the first frame after 20s"},
		{Index: 2, Kind: results.KindSignalingLoad, Params: results.Params{Participants: 50, SignalRate: 1, Repeat: 1},
			FailReason: "signaling exited: exit status 1", Measured: results.Measured{Signaling: &results.SignalingLoad{ConnectFailures: 50}}},
	}
	dir := writeRun(t, env, trials)
	// A plot left over from an earlier render must not survive.
	require.NoError(t, os.WriteFile(filepath.Join(dir, PlotLatency), []byte("stale"), 0o644))
	require.NoError(t, Render(dir))

	md := string(readFile(t, filepath.Join(dir, FileMarkdown)))
	assert.Contains(t, md, "3 trials: 0 ok, 3 failed")
	for _, reason := range []string{"camera exited: exit status 2", "timeout waiting for the first frame after 20s", "signaling exited: exit status 1"} {
		assert.Contains(t, md, reason)
	}
	assert.Contains(t, md, `failed: camera exited: exit status 2 \| see stderr |`, "pipe escaped in the table")
	assert.Contains(t, md, "```\nerror: no such device *video9*\n```", "stderr tail verbatim")
	assert.Contains(t, md, "not measured in this run: every trial at 720×480 failed")
	assert.Contains(t, md, "the echtzeit camera failed 1 of 1 setups")
	assert.Contains(t, md, "| echtzeit camera | – | 0 of 1 | 0.0 | 0.0–79.3 | – | 1× camera exited: exit status 2")
	assert.Contains(t, md, "not drawn")
	assert.NoFileExists(t, filepath.Join(dir, PlotLatency))
	// The fps plot still shows the failed trials.
	assert.FileExists(t, filepath.Join(dir, PlotFPS))
	assert.NoFileExists(t, filepath.Join(dir, PlotSignaling), "no successful load trial")
	page := string(readFile(t, filepath.Join(dir, FileHTML)))
	assert.Contains(t, page, "camera exited: exit status 2")
}

func TestRenderMissingFiles(t *testing.T) {
	t.Run("only environment.json", func(t *testing.T) {
		dir := writeRun(t, results.Environment{Scenario: "killed", StartTime: time.Date(2026, 11, 25, 23, 0, 0, 0, time.UTC)}, nil)
		require.NoError(t, Render(dir))
		md := string(readFile(t, filepath.Join(dir, FileMarkdown)))
		assert.Contains(t, md, "trials.jsonl is missing")
		assert.Contains(t, md, "The run recorded no trial.")
		assert.Contains(t, md, "not measured in this run")
		for _, name := range PlotFiles {
			assert.NoFileExists(t, filepath.Join(dir, name))
		}
	})
	t.Run("no environment.json", func(t *testing.T) {
		err := Render(t.TempDir())
		require.Error(t, err)
		assert.ErrorIs(t, err, fs.ErrNotExist)
	})
	t.Run("corrupt trials.jsonl", func(t *testing.T) {
		dir := writeRun(t, results.Environment{Scenario: "x"}, nil)
		require.NoError(t, os.WriteFile(filepath.Join(dir, results.FileTrials), []byte("{}\nnot json\n{}\n"), 0o644))
		require.ErrorContains(t, Render(dir), "trials line 2")
	})
}

func TestRenderFlagsImplausibleLatency(t *testing.T) {
	// From a real quick run: the fake camera carries no frame code, yet the
	// viewer reported latencies.
	bad, good := -2050155.0, 40.0
	trials := []results.Trial{
		{Index: 0, Kind: results.KindBrowserToBrowser, OK: true,
			Params:   results.Params{Width: 640, Height: 360, Codec: "vp8", Source: "fake", Repeat: 1},
			Measured: results.Measured{FPSMean: 23.5, SetupMs: &good, LatencyP50Ms: &bad, LatencyP95Ms: &bad}},
	}
	dir := writeRun(t, results.Environment{Scenario: "latency"}, trials)
	require.NoError(t, Render(dir))
	md := string(readFile(t, filepath.Join(dir, FileMarkdown)))
	assert.Contains(t, md, "implausible: -2050155 / -2050155")
	assert.Contains(t, md, "Trial #0 reports an end-to-end latency of -2050155 / -2050155 ms")
	assert.NoFileExists(t, filepath.Join(dir, PlotLatency), "nothing plausible to plot")
}
