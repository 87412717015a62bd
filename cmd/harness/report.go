package main

import (
	"errors"
	"fmt"
	"io"

	"echtzeit/reports"
)

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
