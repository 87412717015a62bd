package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"

	"echtzeit/harness"
	"echtzeit/harness/scenario"
	"echtzeit/reports"
)

func runCmd(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("run", `run FILE [--out DIR] [--bin DIR]

Runs every trial of the scenario FILE. Writes scenario.yaml, environment.json,
trials.jsonl (appended per trial), samples.csv and harness.log into the run
folder, then report.md and report.html. Prints a progress line on stderr, a
summary table at the end and the report's path on stdout.

Flags:`, stderr)
	out := fs.String("out", "", "run folder to write (default reports/runs/<UTC time>-<scenario name>, listed in reports/runs/index.html)")
	bin := fs.String("bin", "", "folder with the signaling and camera binaries (default: next to this binary, then ./bin)")
	pos, err := parseInterleaved(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		fs.Usage()
		return errors.New("run needs exactly one scenario FILE")
	}
	sc, err := scenario.Load(pos[0])
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	// After the first Ctrl-C the run winds down and renders; a second one
	// ends the program at once (the default signal behaviour again).
	go func() {
		<-ctx.Done()
		stop()
	}()
	o, err := harness.Run(ctx, harness.Config{
		Scenario:     sc,
		ScenarioPath: pos[0],
		Dir:          *out,
		BinDir:       *bin,
		Progress:     stderr,
		Interactive:  isTerminal(os.Stderr),
		Render:       reports.Render,
	})
	if err != nil {
		return err
	}
	// The runs' index (reports/runs/index.html) lists this run too; a run
	// written elsewhere with --out leaves the folder around it alone.
	var indexErr error
	if *out == "" {
		indexErr = reports.RenderIndex(filepath.Dir(filepath.Clean(o.Dir)))
	}
	if o.RenderErr != nil {
		fmt.Fprintf(stdout, "run folder: %s\n", o.Dir)
		return fmt.Errorf("render report: %w", o.RenderErr)
	}
	fmt.Fprintf(stdout, "report: %s\n", o.ReportPath())
	if indexErr != nil {
		return fmt.Errorf("runs index: %w", indexErr)
	}
	if o.Interrupted {
		return errors.New("interrupted: the report covers the trials that ran")
	}
	return nil
}

func isTerminal(f *os.File) bool {
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}
