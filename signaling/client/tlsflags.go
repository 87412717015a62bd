package client

import (
	"crypto/x509"
	"errors"
	"flag"
	"fmt"
	"os"
)

// TLSFlags are the command-line TLS trust settings of the project's clients
// (--tls-ca, --tls-fingerprint, --tls-insecure; DESIGN.md "Binaries and their
// flags"). At most one may be set; none means the system's roots.
type TLSFlags struct {
	CAFile      string
	Fingerprint string
	Insecure    bool
}

// Register adds the three flags to fs.
func (f *TLSFlags) Register(fs *flag.FlagSet) {
	fs.StringVar(&f.CAFile, "tls-ca", "", "PEM file with the CA (or self-signed certificate) to trust for the server")
	fs.StringVar(&f.Fingerprint, "tls-fingerprint", "", "SHA-256 of the server certificate (hex) to pin instead of a CA")
	fs.BoolVar(&f.Insecure, "tls-insecure", false, "do not verify the server certificate (testing only)")
}

// Options checks the settings now (a reconnect loop is for network faults, not
// for a missing file) and returns them as Dial options.
func (f TLSFlags) Options() ([]Option, error) {
	var opts []Option
	if f.CAFile != "" {
		pem, err := os.ReadFile(f.CAFile)
		if err != nil {
			return nil, fmt.Errorf("--tls-ca: %w", err)
		}
		if !x509.NewCertPool().AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("--tls-ca %s: no PEM certificate found", f.CAFile)
		}
		opts = append(opts, WithCAFile(f.CAFile))
	}
	if f.Fingerprint != "" {
		if _, err := ParseFingerprint(f.Fingerprint); err != nil {
			return nil, fmt.Errorf("--tls-fingerprint: %w", err)
		}
		opts = append(opts, WithFingerprint(f.Fingerprint))
	}
	if f.Insecure {
		opts = append(opts, WithInsecureSkipVerify())
	}
	if len(opts) > 1 {
		return nil, errors.New("--tls-ca, --tls-fingerprint and --tls-insecure exclude each other")
	}
	return opts, nil
}
