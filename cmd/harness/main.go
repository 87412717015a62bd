// Command harness runs echtzeit's measurement scenarios (SPEC §5, §6): it starts
// the signaling server, the camera and headless Chromium, measures FPS, setup
// time, latency and CPU per trial, writes a run folder and renders its report.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"echtzeit/harness"
	"echtzeit/harness/scenario"
	"echtzeit/reports"
)

const usage = `Usage: harness COMMAND [flags] ARG

Commands:
  run FILE [--out DIR] [--bin DIR]   run the scenario FILE, write a run folder
                                     (default reports/runs/<UTC time>-<name>/)
                                     and render its report
  validate FILE                      check a scenario; print every mistake with
                                     its line, or the trials and estimated time
  report DIR                         (re)render report.md/report.html of a run folder
  link --network NAME --check        measure an emulated access link (needs root)
  link --network NAME --left CMD --right CMD
                                     run two commands on either side of it

Run "harness COMMAND --help" for the command's flags. Ctrl-C during a run stops
the current trial, keeps what was measured and still renders the report.
`

func main() {
	if err := run(os.Args[1:], os.Stdout, os.Stderr); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			os.Exit(0)
		}
		fmt.Fprintln(os.Stderr, "harness:", err)
		os.Exit(1)
	}
}

func run(args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return errors.New("no command")
	}
	switch args[0] {
	case "-h", "-help", "--help", "help":
		fmt.Fprint(stdout, usage)
		return nil
	case "run":
		return runCmd(args[1:], stdout, stderr)
	case "validate":
		return validateCmd(args[1:], stdout, stderr)
	case "report":
		return reportCmd(args[1:], stdout, stderr)
	case "link":
		return linkCmd(args[1:], stdout, stderr)
	case "link-forward":
		return linkForwardCmd(args[1:], stdout, stderr)
	}
	fmt.Fprint(stderr, usage)
	return fmt.Errorf("unknown command %q", args[0])
}

// parseInterleaved parses flags that may come before or after the positional
// arguments ("run --bin bin FILE" and "run FILE --bin bin").
func parseInterleaved(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		args = fs.Args()
		if len(args) == 0 {
			return pos, nil
		}
		pos = append(pos, args[0])
		args = args[1:]
	}
}

func newFlagSet(name, synopsis string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "Usage: harness %s\n", synopsis)
		fs.PrintDefaults()
	}
	return fs
}

func runCmd(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("run", `run FILE [--out DIR] [--bin DIR]

Runs every trial of the scenario FILE. Writes scenario.yaml, environment.json,
trials.jsonl (appended per trial), samples.csv and harness.log into the run
folder, then report.md and report.html. Prints a progress line on stderr, a
summary table at the end and the report's path on stdout.

Flags:`, stderr)
	out := fs.String("out", "", "run folder to write (default reports/runs/<UTC time>-<scenario name>)")
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
	if o.RenderErr != nil {
		fmt.Fprintf(stdout, "run folder: %s\n", o.Dir)
		return fmt.Errorf("render report: %w", o.RenderErr)
	}
	fmt.Fprintf(stdout, "report: %s\n", o.ReportPath())
	if o.Interrupted {
		return errors.New("interrupted: the report covers the trials that ran")
	}
	return nil
}

func validateCmd(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("validate", `validate FILE

Checks the scenario FILE strictly (unknown and duplicate keys, bad values) and
prints every mistake with its line number; when it is valid, prints the trials
it expands to and an estimate of the run time.

Flags:`, stderr)
	pos, err := parseInterleaved(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		fs.Usage()
		return errors.New("validate needs exactly one scenario FILE")
	}
	sc, err := scenario.Load(pos[0])
	if err != nil {
		return err
	}
	specs := sc.Expand()
	fmt.Fprintf(stdout, "%s: valid scenario %q, %d trials, about %s\n", pos[0], sc.Name, len(specs), scenario.Estimate(specs).Round(1e9))
	for _, sp := range specs {
		fmt.Fprintf(stdout, "  %3d  %s  (warm-up %s, measure %s, timeout %s)\n", sp.Index, sp.Name(), sp.Warmup, sp.Measure, sp.Timeout)
	}
	return nil
}

func reportCmd(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("report", `report DIR

Renders report.md, report.html and the plots of the run folder DIR from its
files alone (the same output a finished run writes).

Flags:`, stderr)
	pos, err := parseInterleaved(fs, args)
	if err != nil {
		return err
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

func isTerminal(f *os.File) bool {
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}
