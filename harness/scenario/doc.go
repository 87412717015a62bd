// Package scenario loads the harness's experiment definitions (scenarios/*.yaml,
// SPEC §5, §6): a strict YAML decode (unknown and duplicate keys are errors),
// defaults, Validate whose messages name the key and its line, and the expansion
// of a scenario's sweep into the ordered list of trials the harness runs.
//
// A scenario file:
//
//	name: quick                 # defaults to the file's base name
//	description: smoke run
//	warmup: 2s                  # defaults for every trial block
//	measure: 8s
//	timeout: 40s                # per trial, setup included
//	repeats: 1
//	settle: 1s                  # a viewer's new tab → its navigation (media trials)
//	signaling:                  # optional: a server the harness does not start
//	  url: wss://pi.local:8443/ws
//	  fingerprint: <sha256 hex> # or ca-file, or insecure: true
//	camera:                     # optional: remote camera (a Pi)
//	  remote: true
//	  room: <64 hex>
//	  metrics-url: http://pi.local:9101/metrics
//	trials:
//	  - kind: camera-to-browser
//	    resolutions: [160x90, 640x360]
//	    codecs: [vp8, h264]
//	    sources: [synthetic]
//	    fps: [30]
//	  - kind: browser-to-browser
//	    resolutions: [640x360]
//	  - kind: signaling-load
//	    participants: [2, 50]
//	    rate: 2                 # signals per second per client
//	    signal-bytes: 600
//
// Every block may override warmup, measure, timeout and repeats.
package scenario
