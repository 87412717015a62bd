// Command harness runs echtzeit's measurement scenarios (SPEC §5, §6): it starts
// the signaling server, the camera and headless Chromium, measures FPS, setup
// time, latency and CPU per trial, writes a run folder and renders its report.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
)

// command is one subcommand of the harness: adding one is a file with its
// run function and a line in commands.
type command struct {
	name     string
	synopsis string // the arguments, as in the usage
	summary  string // what it does, one or more lines
	run      func(args []string, stdout, stderr io.Writer) error
}

// commands lists the subcommands in the order of the usage text.
func commands() []command {
	return []command{
		{"run", "FILE [--out DIR] [--bin DIR]", "run the scenario FILE, write a run folder\n(default reports/runs/<UTC time>-<name>/)\nand render its report", runCmd},
		{"validate", "FILE", "check a scenario; print every mistake with\nits line, or the trials and estimated time", validateCmd},
		{"report", "DIR | --all [RUNS]", "(re)render report.md/report.html of a run folder,\nor of every run under RUNS (default reports/runs)\nand its index.html", reportCmd},
		{"compare", "[--fail-on-regression] RUN_A RUN_B", "compare run B with baseline run A: per figure\nA, B, change, better/worse/no change", compareCmd},
		{"link", "--network NAME (--check | --left CMD --right CMD)", "measure an emulated access link, or run two\ncommands on either side of it (needs root)", linkCmd},
	}
}

func usage() string {
	var b strings.Builder
	b.WriteString("Usage: harness COMMAND [flags] ARG\n\nCommands:\n")
	for _, c := range commands() {
		left := c.name + " " + c.synopsis
		for i, line := range strings.Split(c.summary, "\n") {
			if i > 0 {
				left = ""
			}
			if len(left) > 35 {
				fmt.Fprintf(&b, "  %s\n", left)
				left = ""
			}
			fmt.Fprintf(&b, "  %-35s%s\n", left, line)
		}
	}
	b.WriteString(`
Run "harness COMMAND --help" for the command's flags. Ctrl-C during a run stops
the current trial, keeps what was measured and still renders the report.
`)
	return b.String()
}

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
		fmt.Fprint(stderr, usage())
		return errors.New("no command")
	}
	switch args[0] {
	case "-h", "-help", "--help", "help":
		fmt.Fprint(stdout, usage())
		return nil
	case "link-forward": // the forwarder process of package network; not in the usage
		return linkForwardCmd(args[1:], stdout, stderr)
	}
	for _, c := range commands() {
		if c.name == args[0] {
			return c.run(args[1:], stdout, stderr)
		}
	}
	fmt.Fprint(stderr, usage())
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
