package main

import (
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"echtzeit/reports"
)

func compareCmd(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("compare", `compare [--fail-on-regression] [--out DIR] [--min-change PCT] RUN_A RUN_B

Compares the run folder RUN_B with RUN_A (the baseline): trials are matched
by their parameters, and every figure (fps, setup, latency, PSNR, SSIM, CPU,
signaling relay) gets A, B, the change in percent and a verdict — better,
worse or no change — that respects the 95 % interval of the difference.
Writes compare.md, compare.html and plots of A beside B into DIR and prints
a summary.

Flags:`, stderr)
	fail := fs.Bool("fail-on-regression", false, "exit with status 1 when fps, setup, latency or CPU got worse beyond its interval")
	out := fs.String("out", "", "folder for the comparison (default RUN_B/compare-<name of RUN_A>)")
	minChange := fs.Float64("min-change", 5, "smallest change in percent that counts as better or worse")
	pos, err := parseInterleaved(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 2 {
		fs.Usage()
		return errors.New("compare needs two run folders RUN_A RUN_B")
	}
	dirA, dirB := pos[0], pos[1]
	dir := *out
	if dir == "" {
		dir = filepath.Join(dirB, "compare-"+filepath.Base(filepath.Clean(dirA)))
	}
	c, err := reports.Compare(dirA, dirB, dir, reports.CompareOptions{MinChange: *minChange / 100})
	if err != nil {
		return fmt.Errorf("compare: %w", err)
	}
	better, worse := 0, 0
	for _, r := range c.Rows {
		switch r.Verdict {
		case reports.VerdictBetter:
			better++
		case reports.VerdictWorse:
			worse++
		}
	}
	regs := c.Regressions()
	fmt.Fprintf(stdout, "%d figures: %d better, %d worse, %d no change; %d regressions\n", len(c.Rows), better, worse, len(c.Rows)-better-worse, len(regs))
	for _, r := range regs {
		fmt.Fprintf(stdout, "  worse: %s: %s %.1f → %s (%+.1f %%)\n", r.Group, r.Name, r.A.Estimate,
			strings.TrimSpace(fmt.Sprintf("%.1f %s", r.B.Estimate, r.Unit)), r.ChangePct)
	}
	if len(c.OnlyA)+len(c.OnlyB) > 0 {
		fmt.Fprintf(stdout, "%d trial groups only in A, %d only in B\n", len(c.OnlyA), len(c.OnlyB))
	}
	fmt.Fprintf(stdout, "comparison: %s\n", filepath.Join(dir, reports.FileCompareHTML))
	if *fail && len(regs) > 0 {
		return fmt.Errorf("%w: %d figures got worse", reports.ErrRegression, len(regs))
	}
	return nil
}
