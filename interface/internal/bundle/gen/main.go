// Command gen writes interface/static/bundle.js (package bundle); run by
// `go generate ./interface`.
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"echtzeit/interface/internal/bundle"
)

func main() {
	dir := flag.String("static", "static", "the folder with index.html and the modules")
	flag.Usage = func() {
		fmt.Fprintf(flag.CommandLine.Output(), "Usage: gen [--static DIR]\n\nWrites DIR/%s: %s and its imports in one ES module.\n\n", bundle.Output, bundle.Entry)
		flag.PrintDefaults()
	}
	flag.Parse()
	out, err := bundle.Build(*dir)
	if err == nil {
		err = os.WriteFile(filepath.Join(*dir, bundle.Output), out, 0o644)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
}
