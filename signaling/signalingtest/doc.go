// Package signalingtest starts a real echtzeit signaling server for tests: real
// TLS with a fresh self-signed certificate, on a free loopback port, stopped by
// t.Cleanup. Clients trust it through TLSConfig, Fingerprint, CertFile or (for
// Chromium's --ignore-certificate-errors-spki-list) SPKIFingerprint.
//
//	srv := signalingtest.Start(t, signalingtest.WithStatic(webui.Handler()))
//	c, err := client.Dial(ctx, srv.WSURL, client.WithTLSConfig(srv.TLSConfig))
package signalingtest
