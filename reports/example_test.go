package reports_test

import (
	"fmt"
	"os"
	"path/filepath"

	"echtzeit/harness/results"
	"echtzeit/reports"
)

// Render turns a run folder's raw files into plots and reports in the same
// folder. Here the folder is a copy of the committed real quick run.
func ExampleRender() {
	dir, err := os.MkdirTemp("", "run-")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer os.RemoveAll(dir)
	for _, name := range []string{results.FileScenario, results.FileEnvironment, results.FileTrials, results.FileSamples} {
		data, err := os.ReadFile(filepath.Join("testdata", "run-quick", name))
		if err != nil {
			fmt.Println(err)
			return
		}
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
			fmt.Println(err)
			return
		}
	}

	if err := reports.Render(dir); err != nil {
		fmt.Println(err)
		return
	}
	for _, name := range append([]string{reports.FileMarkdown, reports.FileHTML}, reports.PlotFiles...) {
		_, err := os.Stat(filepath.Join(dir, name))
		fmt.Println(name, err == nil)
	}
	// Output:
	// report.md true
	// report.html true
	// fps-vs-resolution.png true
	// setup-time.png true
	// setup-breakdown.png true
	// cpu-vs-resolution.png true
	// latency-vs-resolution.png true
	// latency-breakdown.png true
	// quality-vs-resolution.png true
	// signaling-load.png true
}
