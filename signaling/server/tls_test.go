package server_test

import (
	"crypto/tls"
	"crypto/x509"
	"net"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"echtzeit/signaling/server"
)

func TestSelfSignedCertificate(t *testing.T) {
	cert, err := server.SelfSignedCertificate("cam.example", "10.0.0.7", "")
	require.NoError(t, err)
	leaf := cert.Leaf
	require.NotNil(t, leaf)
	assert.ElementsMatch(t, []string{"localhost", "cam.example"}, leaf.DNSNames)
	var ips []string
	for _, ip := range leaf.IPAddresses {
		ips = append(ips, ip.String())
	}
	assert.ElementsMatch(t, []string{"127.0.0.1", "::1", "10.0.0.7"}, ips)

	pool := x509.NewCertPool()
	pool.AddCert(leaf)
	for _, name := range []string{"localhost", "cam.example", "127.0.0.1", "::1", "10.0.0.7"} {
		_, err := leaf.Verify(x509.VerifyOptions{Roots: pool, DNSName: name})
		assert.NoError(t, err, name)
	}
	_, err = leaf.Verify(x509.VerifyOptions{Roots: pool, DNSName: "other.example"})
	assert.Error(t, err)
	assert.Nil(t, net.ParseIP("cam.example"))

	// PEM files load back as a key pair with the same fingerprint.
	certPEM, err := server.CertificatePEM(cert)
	require.NoError(t, err)
	keyPEM, err := server.PrivateKeyPEM(cert)
	require.NoError(t, err)
	pair, err := tls.X509KeyPair(certPEM, keyPEM)
	require.NoError(t, err)
	assert.Equal(t, server.Fingerprint(cert), server.Fingerprint(pair))
	assert.Len(t, server.Fingerprint(cert), 64)
	spki, err := server.SPKIFingerprint(pair)
	require.NoError(t, err)
	spki2, err := server.SPKIFingerprint(cert)
	require.NoError(t, err)
	assert.Equal(t, spki2, spki)
	assert.Len(t, spki, 44)

	other, err := server.SelfSignedCertificate()
	require.NoError(t, err)
	assert.NotEqual(t, server.Fingerprint(cert), server.Fingerprint(other))
	assert.Empty(t, server.Fingerprint(tls.Certificate{}))
	_, err = server.CertificatePEM(tls.Certificate{})
	assert.Error(t, err)
}
