package main

import (
	"net/http"
	"net/url"

	webui "echtzeit/interface"
)

// uiHandler serves the browser interface (package echtzeit/interface) at /,
// telling the page the other nodes of a cluster (--cluster-peers).
func uiHandler(peers []string) (http.Handler, error) { return webui.HandlerFor(peers) }

// peerOrigins turns the other nodes' WebSocket URLs into the origins of the
// pages they serve (wss://host:port/ws → https://host:port), which may move
// to this node.
func peerOrigins(urls []string) []string {
	var out []string
	for _, u := range urls {
		p, err := url.Parse(u)
		if err != nil || p.Host == "" {
			continue // HandlerFor refuses it
		}
		scheme := "https"
		if p.Scheme == "ws" {
			scheme = "http"
		}
		out = append(out, scheme+"://"+p.Host)
	}
	return out
}
