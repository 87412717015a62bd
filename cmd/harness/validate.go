package main

import (
	"errors"
	"fmt"
	"io"

	"echtzeit/harness/scenario"
)

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
