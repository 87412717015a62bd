// Command gen writes interface/static/bundle.js (package bundle); run by
// `go generate ./interface`.
package main

import (
	"flag"
	"fmt"
	"os"

	"echtzeit/interface/internal/bundle"
)

func main() {
	dir := flag.String("static", "static", "the folder with index.html and the modules")
	flag.Usage = func() {
		fmt.Fprintf(flag.CommandLine.Output(), "Usage: gen [--static DIR]\n\nWrites DIR/%s (%s and its imports in one minified ES module) and DIR/%s.\n\n",
			bundle.Output, bundle.Entry, bundle.SourceMap)
		flag.PrintDefaults()
	}
	flag.Parse()
	if err := bundle.Write(*dir); err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
}
