package main

import (
	"net/http"

	webui "echtzeit/interface"
)

// uiHandler serves the browser interface (package echtzeit/interface) at /.
func uiHandler() http.Handler { return webui.Handler() }
