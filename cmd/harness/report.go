package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"echtzeit/harness/results"
	"echtzeit/reports"
)

// defaultRunsDir is where harness run puts run folders.
var defaultRunsDir = filepath.Join("reports", "runs")

func reportCmd(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("report", `report DIR | report --all [RUNS]

Renders report.md, report.html and the plots of the run folder DIR from its
files alone (the same output a finished run writes). With --all, renders
every run folder under RUNS (default reports/runs) and RUNS/index.html, the
list of runs with their key figures.

Flags:`, stderr)
	all := fs.Bool("all", false, "render every run under RUNS and its index.html")
	pos, err := parseInterleaved(fs, args)
	if err != nil {
		return err
	}
	if *all {
		if len(pos) > 1 {
			fs.Usage()
			return errors.New("report --all takes at most one runs folder")
		}
		runs := defaultRunsDir
		if len(pos) == 1 {
			runs = pos[0]
		}
		return renderAll(runs, stdout)
	}
	if len(pos) != 1 {
		fs.Usage()
		return errors.New("report needs exactly one run folder DIR")
	}
	if err := reports.Render(pos[0]); err != nil {
		return fmt.Errorf("render %s: %w", pos[0], err)
	}
	fmt.Fprintf(stdout, "report: %s/report.html\n", pos[0])
	return nil
}

// renderAll renders every run folder under runs, then the index. A run that
// cannot be rendered is reported and skipped.
func renderAll(runs string, stdout io.Writer) error {
	entries, err := os.ReadDir(runs)
	if err != nil {
		return fmt.Errorf("read runs folder: %w", err)
	}
	var errs []error
	n := 0
	for _, e := range entries {
		dir := filepath.Join(runs, e.Name())
		if _, err := os.Stat(filepath.Join(dir, results.FileEnvironment)); !e.IsDir() || err != nil {
			continue
		}
		if err := reports.Render(dir); err != nil {
			errs = append(errs, fmt.Errorf("render %s: %w", dir, err))
			continue
		}
		n++
	}
	if err := reports.RenderIndex(runs); err != nil {
		return errors.Join(append(errs, err)...)
	}
	fmt.Fprintf(stdout, "rendered %d runs; index: %s\n", n, filepath.Join(runs, reports.FileIndex))
	return errors.Join(errs...)
}
