package reports

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// Report files Render writes into the run folder, besides the PlotFiles.
const (
	FileMarkdown = "report.md"
	FileHTML     = "report.html"
)

// Render reads the run folder dir (environment.json, trials.jsonl,
// samples.csv, scenario.yaml) and writes the plots, report.md and report.html
// into it, replacing earlier ones. A plot that has no data is not drawn (an
// old file of that name is removed) and the report says why. Only a missing
// or unreadable environment.json, a corrupt trials.jsonl or samples.csv, or a
// failed write is an error; a run with no successful trial still gets a
// report.
func Render(dir string) error {
	r, err := loadRun(dir)
	if err != nil {
		return err
	}
	plots, err := renderPlots(r)
	if err != nil {
		return fmt.Errorf("render %s: %w", dir, err)
	}
	// The fan-out plot belongs to runs with several viewers only: in others
	// it is neither drawn nor listed (an old file is removed below).
	viewers, err := viewersPlot(r)
	if err != nil {
		return fmt.Errorf("render %s: plot %s: %w", dir, viewers.file, err)
	}
	if viewers.png != nil {
		plots = append(plots, viewers)
	} else if err := os.Remove(filepath.Join(dir, viewers.file)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("remove stale plot: %w", err)
	}
	series, err := seriesPlots(r)
	if err != nil {
		return fmt.Errorf("render %s: %w", dir, err)
	}
	// Time series of an earlier rendering whose trials are gone.
	stale, _ := filepath.Glob(filepath.Join(dir, seriesFile(0)[:len("series-")]+"*.png"))
	for _, f := range stale {
		if err := os.Remove(f); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("remove stale plot: %w", err)
		}
	}
	plots = append(plots, series...)
	images := make(map[string][]byte, len(plots))
	for _, p := range plots {
		path := filepath.Join(dir, p.file)
		if p.png == nil {
			if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
				return fmt.Errorf("remove stale plot: %w", err)
			}
			continue
		}
		images[p.file] = p.png
		if err := os.WriteFile(path, p.png, 0o644); err != nil {
			return fmt.Errorf("write plot: %w", err)
		}
	}
	doc := buildDocument(r, plots)
	if err := os.WriteFile(filepath.Join(dir, FileMarkdown), doc.markdown(), 0o644); err != nil {
		return fmt.Errorf("write report: %w", err)
	}
	if err := os.WriteFile(filepath.Join(dir, FileHTML), doc.html(images), 0o644); err != nil {
		return fmt.Errorf("write report: %w", err)
	}
	return nil
}
