package main

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"echtzeit/harness/netns"
)

// envTestUDP makes the test binary a side of "harness link" in
// TestLinkRunsBothSides: "echo" answers one datagram, "ping" sends until
// answered and prints the round trip.
const envTestUDP = "ECHTZEIT_TEST_UDP"

// TestMain lets the test binary stand in for the harness binary: package
// network starts "<this binary> link-forward" as the forwarder.
func TestMain(m *testing.M) {
	switch {
	case len(os.Args) > 1 && os.Args[1] == "link-forward":
		if err := run(os.Args[1:], os.Stdout, os.Stderr); err != nil {
			fmt.Fprintln(os.Stderr, "harness:", err)
			os.Exit(1)
		}
		os.Exit(0)
	case os.Getenv(envTestUDP) != "":
		if err := udpSide(os.Getenv(envTestUDP), os.Getenv(envPeer)); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

func udpSide(role, peer string) error {
	const port = 9999
	switch role {
	case "echo":
		c, err := net.ListenPacket("udp4", fmt.Sprintf(":%d", port))
		if err != nil {
			return err
		}
		defer func() { _ = c.Close() }()
		_ = c.SetReadDeadline(time.Now().Add(20 * time.Second))
		buf := make([]byte, 64)
		n, from, err := c.ReadFrom(buf)
		if err != nil {
			return err
		}
		_, err = c.WriteTo(append([]byte("pong "), buf[:n]...), from)
		fmt.Printf("echo got %q from %s\n", buf[:n], from)
		return err
	case "ping":
		c, err := net.ListenPacket("udp4", ":0")
		if err != nil {
			return err
		}
		defer func() { _ = c.Close() }()
		dst := &net.UDPAddr{IP: net.ParseIP(peer), Port: port}
		buf := make([]byte, 64)
		for range 100 {
			start := time.Now()
			if _, err := c.WriteTo([]byte("ping"), dst); err != nil {
				return err
			}
			_ = c.SetReadDeadline(time.Now().Add(500 * time.Millisecond))
			if n, _, err := c.ReadFrom(buf); err == nil {
				fmt.Printf("ping got %q rtt_ms=%d\n", buf[:n], time.Since(start).Milliseconds())
				return nil
			}
		}
		return fmt.Errorf("no answer from %s", peer)
	}
	return fmt.Errorf("unknown role %q", role)
}

func requireRootNet(t *testing.T) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("harness link needs root")
	}
	if _, err := exec.LookPath("ip"); err != nil {
		t.Skip("no ip (iproute2)")
	}
}

func TestLinkFlags(t *testing.T) {
	tests := []struct {
		name, wantErr string
		args          []string
	}{
		{"no network", "link needs --network NAME", []string{"link", "--check"}},
		{"neither check nor commands", "needs --check, or both", []string{"link", "--network", "3g"}},
		{"one command", "needs --check, or both", []string{"link", "--network", "3g", "--left", "true"}},
		{"check and commands", "either --check or --left", []string{"link", "--network", "3g", "--check", "--left", "true"}},
		{"stray argument", "no arguments besides its flags", []string{"link", "--network", "3g", "--check", "extra"}},
		{"forward with arguments", "takes no arguments", []string{"link-forward", "x"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var out, errOut strings.Builder
			err := run(tc.args, &out, &errOut)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.wantErr)
		})
	}
	if os.Geteuid() == 0 {
		var out, errOut strings.Builder
		err := run([]string{"link", "--network", "5g", "--check"}, &out, &errOut)
		assert.ErrorContains(t, err, `unknown network profile "5g"`)
	}
}

// TestLinkRunsBothSides runs "harness link" with the 3g profile: each side
// sees the other's address, a datagram crosses the shaped link and back
// (one 3g round trip, 150 ms, plus the unshaped side's), and nothing of the
// network is left afterwards.
func TestLinkRunsBothSides(t *testing.T) {
	requireRootNet(t)
	self := os.Args[0]
	var out, errOut strings.Builder
	start := time.Now()
	err := run([]string{"link", "--network", "3g",
		"--left", fmt.Sprintf("%s=ping %s", envTestUDP, self),
		"--right", fmt.Sprintf("%s=echo %s", envTestUDP, self),
	}, &out, &errOut)
	t.Logf("took %s\nstdout:\n%sstderr:\n%s", time.Since(start), out.String(), errOut.String())
	require.NoError(t, err)
	assert.Contains(t, out.String(), `echo got "ping" from 10.77.1.2:`, "the right side sees the left side's address")
	m := regexp.MustCompile(`ping got "pong ping" rtt_ms=(\d+)`).FindStringSubmatch(out.String())
	require.NotNil(t, m, "the left side got its answer")
	rtt, _ := strconv.Atoi(m[1])
	assert.GreaterOrEqual(t, rtt, 130, "a 3g round trip is 150 ms (± jitter)")
	assert.Less(t, rtt, 1000)
	assertNoNamespaceOf(t)
}

func TestLinkSideFailureIsReported(t *testing.T) {
	requireRootNet(t)
	var out, errOut strings.Builder
	err := run([]string{"link", "--network", "lan", "--left", "exit 3", "--right", "true"}, &out, &errOut)
	assert.ErrorContains(t, err, "left command: exit status 3")
	assertNoNamespaceOf(t)
}

// assertNoNamespaceOf checks that this process owns no namespace any more.
func assertNoNamespaceOf(t *testing.T) {
	t.Helper()
	self, err := netns.Self()
	require.NoError(t, err)
	names, err := netns.List()
	require.NoError(t, err)
	for _, n := range names {
		o, _, ok := netns.ParseName(n)
		assert.False(t, ok && o == self, "left behind: %s", n)
	}
}
