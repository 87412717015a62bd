package main

import (
	"flag"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"time"

	"echtzeit/camera"
	"echtzeit/internal/contract"
	"echtzeit/signaling/client"
)

// iceOptions are the flags of the camera's ICE configuration.
type iceOptions struct {
	servers   string
	relayOnly bool
	wait      time.Duration
}

func (o *iceOptions) addFlags(fs *flag.FlagSet) {
	fs.StringVar(&o.servers, contract.CameraFlagICEServers, "",
		`URL of the ICE server list (GET /iceservers; default: the --signaling server's; "off": no STUN/TURN servers)`)
	fs.BoolVar(&o.relayOnly, contract.CameraFlagICERelayOnly, false,
		"connect to viewers through a TURN relay only (iceTransportPolicy relay)")
	fs.DurationVar(&o.wait, "ice-nomination-wait", 0,
		"how long to wait for a direct candidate pair before nominating one through a NAT or the relay (negative: pion's 0.5/1/2 s)")
}

// webrtc returns the pion API and the ICE servers of the camera's
// PeerConnections.
func (o options) webrtc(clientOpts []client.Option, logger *slog.Logger, metrics *camera.Metrics) (*camera.API, *camera.ICEServers, error) {
	api, err := camera.NewAPI(camera.APIOptions{
		ICELoopback: o.iceLoopback, SignalingURL: o.signaling, ZeroPlayoutDelay: o.zeroPlayout,
		RelayOnly: o.ice.relayOnly, NominationWait: o.ice.wait, Logger: logger.With("part", "webrtc"),
		NoCongestionControl: o.congestion == "off", Metrics: metrics,
	})
	if err != nil {
		return nil, nil, err
	}
	ice, err := o.ice.build(o.signaling, clientOpts, logger.With("part", "ice"))
	if err != nil {
		return nil, nil, err
	}
	return api, ice, nil
}

// build returns the camera's ICE servers: fetched from the signaling server
// (its TLS trust as for the WebSocket) or from --ice-servers.
func (o iceOptions) build(signalingURL string, clientOpts []client.Option, logger *slog.Logger) (*camera.ICEServers, error) {
	u := o.servers
	switch u {
	case "off":
		if o.relayOnly {
			return nil, fmt.Errorf("--%s needs a TURN server: not with --%s off", contract.CameraFlagICERelayOnly, contract.CameraFlagICEServers)
		}
		return nil, nil
	case "":
		var err error
		if u, err = camera.ICEServersURL(signalingURL); err != nil {
			return nil, fmt.Errorf("--signaling: %w", err)
		}
	default:
		p, err := url.Parse(u)
		if err != nil || (p.Scheme != "https" && p.Scheme != "http") || p.Host == "" {
			return nil, fmt.Errorf("--%s %q: want an http(s):// URL or off", contract.CameraFlagICEServers, u)
		}
	}
	tlsConf, err := client.TLSConfig(clientOpts...)
	if err != nil {
		return nil, err
	}
	hc := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{TLSClientConfig: tlsConf}}
	return camera.NewICEServers(u, hc, o.relayOnly, logger), nil
}
