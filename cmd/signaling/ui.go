package main

import "net/http"

// uiHandler serves the browser interface at /. Until package echtzeit/interface
// is wired in, / answers 404.
func uiHandler() http.Handler { return nil }
