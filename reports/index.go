package reports

import (
	"bytes"
	"cmp"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"time"

	"echtzeit/harness/results"
)

// FileIndex is the list of runs RenderIndex writes into the runs folder.
const FileIndex = "index.html"

// runSummary is one run's line in the index: its key figures, medians over
// its successful trials (a run's trials differ in resolution and codec, so
// compare lines of the same scenario).
type runSummary struct {
	Dir, Report, Scenario, Start, Commit, Duration string
	Trials, OK                                     int
	FPS, SetupMs, LatencyMs, PSNR, CPUCamera       string
	CPUBrowser, Note                               string
	start                                          time.Time
}

// RenderIndex writes runsDir/index.html: every run folder under runsDir
// (one with an environment.json), newest first, with its key figures and a
// link to its report. Folders it cannot read are listed with the reason.
func RenderIndex(runsDir string) error {
	entries, err := os.ReadDir(runsDir)
	if err != nil {
		return fmt.Errorf("read runs folder: %w", err)
	}
	var runs []runSummary
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		dir := filepath.Join(runsDir, e.Name())
		if _, err := os.Stat(filepath.Join(dir, results.FileEnvironment)); errors.Is(err, fs.ErrNotExist) {
			continue
		}
		runs = append(runs, summarizeRun(dir, e.Name()))
	}
	slices.SortStableFunc(runs, func(a, b runSummary) int {
		if c := b.start.Compare(a.start); c != 0 {
			return c
		}
		return cmp.Compare(b.Dir, a.Dir)
	})
	var buf bytes.Buffer
	if err := indexTemplate.Execute(&buf, struct {
		CSS  template.CSS
		Runs []runSummary
	}{template.CSS(css), runs}); err != nil {
		return fmt.Errorf("render index: %w", err)
	}
	if err := os.WriteFile(filepath.Join(runsDir, FileIndex), buf.Bytes(), 0o644); err != nil {
		return fmt.Errorf("write index: %w", err)
	}
	return nil
}

// summarizeRun reads one run folder's key figures.
func summarizeRun(dir, name string) runSummary {
	s := runSummary{Dir: name, FPS: dash, SetupMs: dash, LatencyMs: dash, PSNR: dash, CPUCamera: dash, CPUBrowser: dash}
	if _, err := os.Stat(filepath.Join(dir, FileHTML)); err == nil {
		s.Report = name + "/" + FileHTML
	}
	r, err := loadRun(dir)
	if err != nil {
		s.Note = err.Error()
		return s
	}
	s.start = r.env.StartTime
	s.Scenario, s.Start, s.Commit = orDash(r.env.Scenario), stamp(r.env.StartTime), orDash(shortCommit(r.env))
	s.Duration = dash
	if !r.env.EndTime.IsZero() {
		s.Duration = r.env.EndTime.Sub(r.env.StartTime).Round(time.Second).String()
	} else {
		s.Note = "no end time: interrupted or still running"
	}
	s.Trials, s.OK = len(r.trials), len(okTrials(r.trials))
	ok := okTrials(r.media())
	if m, has := mean(values(ok, fpsMean)); has {
		s.FPS = f1(m)
	}
	med := func(f func(results.Trial) (float64, bool), format func(float64) string) string {
		if m, has := median(values(ok, f)); has {
			return format(m)
		}
		return dash
	}
	s.SetupMs = med(setupPageOrHarness, f0)
	s.LatencyMs = med(latencyP50, f0)
	s.PSNR = med(psnrOf, f1)
	s.CPUCamera = med(cpuOf(results.ProcessCamera), f1)
	s.CPUBrowser = med(cpuOf(results.ProcessBrowser), f1)
	return s
}

var indexTemplate = template.Must(template.New("index").Parse(`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>echtzeit runs</title>
<style>
{{.CSS}}
</style>
</head>
<body>
<h1>echtzeit runs</h1>
<p>Every run folder here, newest first. Key figures are over the run's successful media trials: fps is the mean, the others are medians
(setup on the page's clock, latency p50, PSNR, CPU in % of one core). Runs of different scenarios measure different things: compare
lines of the same scenario, and two runs in detail with <code>harness compare RUN_A RUN_B</code>.</p>
<div class="scroll"><table>
<thead><tr><th>run</th><th>scenario</th><th>start</th><th>commit</th><th>duration</th><th>trials ok</th><th>fps</th><th>setup ms</th><th>latency ms</th><th>PSNR dB</th><th>CPU camera %</th><th>CPU browser %</th><th>note</th></tr></thead>
<tbody>
{{range .Runs}}<tr><td>{{if .Report}}<a href="{{.Report}}">{{.Dir}}</a>{{else}}{{.Dir}}{{end}}</td><td>{{.Scenario}}</td><td>{{.Start}}</td><td>{{.Commit}}</td><td>{{.Duration}}</td><td class="num">{{.OK}} / {{.Trials}}</td><td class="num">{{.FPS}}</td><td class="num">{{.SetupMs}}</td><td class="num">{{.LatencyMs}}</td><td class="num">{{.PSNR}}</td><td class="num">{{.CPUCamera}}</td><td class="num">{{.CPUBrowser}}</td><td>{{.Note}}</td></tr>
{{else}}<tr><td colspan="13">No run yet.</td></tr>
{{end}}</tbody>
</table></div>
</body>
</html>
`))
