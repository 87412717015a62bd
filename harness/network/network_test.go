package network

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"echtzeit/harness/forwarder"
	"echtzeit/harness/link"
	"echtzeit/harness/netns"
)

// Environment variables that turn the test binary into a helper process.
const (
	envForwarder = "ECHTZEIT_TEST_FORWARDER" // run the forwarder (Serve)
	envBuildHang = "ECHTZEIT_TEST_BUILD"     // build a topology named by it, print its names, wait to be killed
)

func TestMain(m *testing.M) {
	switch {
	case os.Getenv(envForwarder) == "1":
		if err := forwarder.Serve(context.Background(), os.Stdin, os.Stdout, os.Getpid()); err != nil {
			fmt.Fprintln(os.Stderr, "forwarder:", err)
			os.Exit(1)
		}
		os.Exit(0)
	case os.Getenv(envBuildHang) != "":
		buildAndHang(os.Getenv(envBuildHang))
	}
	code := m.Run()
	if harnessBin != "" {
		_ = os.RemoveAll(filepath.Dir(harnessBin))
	}
	os.Exit(code)
}

// testConfig uses this test binary as the forwarder.
func testConfig(name string, sides ...SideConfig) Config {
	return Config{Name: name, Sides: sides, Forwarder: []string{os.Args[0]}, ForwarderEnv: []string{envForwarder + "=1"}}
}

var (
	harnessOnce sync.Once
	harnessBin  string
	harnessErr  error
)

// harnessForwarder returns the forwarder command of the real harness binary,
// built once without the race detector: the self-check measures the
// forwarder as it runs in experiments (under -race this test binary is
// several times slower per packet).
func harnessForwarder(t *testing.T) []string {
	t.Helper()
	harnessOnce.Do(func() {
		dir, err := os.MkdirTemp("", "echtzeit-network-test-")
		if err != nil {
			harnessErr = err
			return
		}
		harnessBin = filepath.Join(dir, "harness")
		cmd := exec.Command("go", "build", "-o", harnessBin, "./cmd/harness")
		cmd.Dir = filepath.Join("..", "..")
		if out, err := cmd.CombinedOutput(); err != nil {
			harnessErr = fmt.Errorf("go build ./cmd/harness: %w\n%s", err, out)
		}
	})
	require.NoError(t, harnessErr)
	return []string{harnessBin, "link-forward"}
}

func requireRoot(t *testing.T) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("network namespaces need root")
	}
	for _, f := range []string{"/dev/net/tun"} {
		if _, err := os.Stat(f); err != nil {
			t.Skip("no " + f)
		}
	}
	if _, err := exec.LookPath("ip"); err != nil {
		t.Skip("no ip (iproute2)")
	}
}

func profile(t *testing.T, name string) *link.Profile {
	t.Helper()
	p, err := link.Builtin(name)
	require.NoError(t, err)
	return p
}

// assertGone checks that no namespace of the topology is left.
func assertGone(t *testing.T, topo *Topology) {
	t.Helper()
	names, err := netns.List()
	require.NoError(t, err)
	for _, n := range names {
		assert.NotEqual(t, topo.Core.Name, n)
		for _, s := range topo.Sides {
			assert.NotEqual(t, s.NS.Name, n)
		}
	}
}

// TestServiceReachableThroughAccessLinks: an HTTP server on the core's
// service address answers a client in each side, over a veth (lan) and over
// the forwarder (3g, whose delay shows in the round trip), and Close leaves
// nothing behind.
func TestServiceReachableThroughAccessLinks(t *testing.T) {
	requireRoot(t)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	topo, err := Build(ctx, testConfig("tsvc", SideConfig{Name: "sender", Profile: profile(t, "3g")}, SideConfig{Name: "viewer"}))
	require.NoError(t, err)
	defer func() { require.NoError(t, topo.Close()); assertGone(t, topo) }()
	assert.True(t, topo.Side("sender").Shaped)
	assert.False(t, topo.Side("viewer").Shaped, "lan is a veth pair")
	assert.NotZero(t, topo.ForwarderPID())

	l, err := netns.Listen(topo.Core.Path(), "tcp", ServiceAddr.String()+":0")
	require.NoError(t, err)
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, r.RemoteAddr)
	})}
	go func() { _ = srv.Serve(l) }()
	defer func() { _ = srv.Close() }()

	for _, side := range []string{"sender", "viewer"} {
		s := topo.Side(side)
		c := HTTPClient(s.NS)
		start := time.Now()
		resp, err := c.Get("http://" + l.Addr().String() + "/")
		require.NoError(t, err, side)
		body, _ := io.ReadAll(resp.Body)
		_ = resp.Body.Close()
		took := time.Since(start)
		assert.True(t, strings.HasPrefix(string(body), s.Addr.String()+":"), "%s: the server sees the side's address, got %s", side, body)
		t.Logf("%s: HTTP GET over %s took %s", side, s.Profile.Name, took)
		if side == "sender" {
			assert.Greater(t, took, 2*150*time.Millisecond, "connect and request cross the 3g link's 150 ms RTT twice")
		}
	}

	// The sides reach each other through the core, and nothing else.
	rx, err := netns.ListenPacket(topo.Side("viewer").NS.Path(), "udp4", ":0")
	require.NoError(t, err)
	defer func() { _ = rx.Close() }()
	tx, err := netns.ListenPacket(topo.Side("sender").NS.Path(), "udp4", ":0")
	require.NoError(t, err)
	defer func() { _ = tx.Close() }()
	dst := &net.UDPAddr{IP: topo.Side("viewer").Addr.AsSlice(), Port: rx.LocalAddr().(*net.UDPAddr).Port}
	_, err = tx.WriteTo([]byte("hello"), dst)
	require.NoError(t, err)
	require.NoError(t, rx.SetReadDeadline(time.Now().Add(5*time.Second)))
	buf := make([]byte, 16)
	n, from, err := rx.ReadFrom(buf)
	require.NoError(t, err)
	assert.Equal(t, "hello", string(buf[:n]))
	assert.Equal(t, topo.Side("sender").Addr.String(), from.(*net.UDPAddr).IP.String())

	var ifaces []string
	require.NoError(t, netns.Do(topo.Side("sender").NS.Path(), func() error {
		is, err := net.Interfaces()
		for _, i := range is {
			ifaces = append(ifaces, i.Name)
		}
		return err
	}))
	assert.ElementsMatch(t, []string{"lo", "acc0"}, ifaces, "a side has its access link and nothing else")
}

// TestCheckWithinTolerances runs the self-check over the TUN forwarder. The
// figures go to the log; the asserts allow for a busy shared machine (the
// strict verdict is logged, not asserted).
func TestCheckWithinTolerances(t *testing.T) {
	requireRoot(t)
	fast, err := link.Resolve("20mbit", link.Spec{Settings: link.Settings{
		Down: ptr(link.Bitrate(20e6)), Up: ptr(link.Bitrate(20e6)), Delay: ptr(link.Duration(10 * time.Millisecond)),
	}}, nil)
	require.NoError(t, err)
	profiles := []*link.Profile{profile(t, "3g"), fast, profile(t, "lossy")}
	if testing.Short() {
		profiles = profiles[:1]
	}
	for _, p := range profiles {
		t.Run(p.Name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
			defer cancel()
			cfg := testConfig("tchk", SideConfig{Name: "left", Profile: p}, SideConfig{Name: "right"})
			cfg.HoldSchedule = true
			cfg.Forwarder, cfg.ForwarderEnv = harnessForwarder(t), nil
			topo, err := Build(ctx, cfg)
			require.NoError(t, err)
			defer func() { require.NoError(t, topo.Close()); assertGone(t, topo) }()
			rep, err := Check(ctx, topo, CheckOptions{})
			require.NoError(t, err)
			var buf bytes.Buffer
			require.NoError(t, rep.Format(&buf))
			t.Logf("self-check %s:\n%s", p.Name, buf.String())
			require.Len(t, rep.Dirs, 2)
			for _, d := range rep.Dirs {
				if d.RateConfigured > 0 {
					assert.InEpsilon(t, d.RateConfigured, d.RateMeasured, 0.15, "%s rate", d.Direction)
				}
				assert.InDelta(t, float64(d.DelayConfigured), float64(d.DelayMean), float64(10*time.Millisecond), "%s delay", d.Direction)
				assert.InDelta(t, d.LossConfigured, d.LossMeasured, 0.03, "%s loss", d.Direction)
				assert.Greater(t, d.LossProbes, 1000)
			}
		})
	}
}

func ptr[T any](v T) *T { return &v }

// TestKilledForwarderThenClose: a forwarder killed mid-trial does not stop
// Close from removing everything.
func TestKilledForwarderThenClose(t *testing.T) {
	requireRoot(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	topo, err := Build(ctx, testConfig("tkill", SideConfig{Name: "sender", Profile: profile(t, "cable")}, SideConfig{Name: "viewer", Profile: profile(t, "wifi")}))
	require.NoError(t, err)
	require.NoError(t, syscall.Kill(topo.ForwarderPID(), syscall.SIGKILL))
	<-topo.Forwarder().Done()
	require.NoError(t, topo.Close())
	assertGone(t, topo)
}

// TestSweepAfterKilledOwner: a process that built a topology and was killed
// with SIGKILL leaves named namespaces behind; Sweep removes them.
func TestSweepAfterKilledOwner(t *testing.T) {
	requireRoot(t)
	cmd := exec.Command(os.Args[0])
	cmd.Env = append(os.Environ(), envBuildHang+"=tswp")
	out, err := cmd.StdoutPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	line := make([]byte, 4096)
	n, err := out.Read(line)
	require.NoError(t, err)
	names := strings.Fields(string(line[:n]))
	require.Len(t, names, 3, "core and two sides: %q", line[:n])
	require.NoError(t, cmd.Process.Kill())
	_ = cmd.Wait()

	left, err := netns.List()
	require.NoError(t, err)
	for _, n := range names {
		assert.Contains(t, left, n, "a SIGKILL leaves the names")
	}
	removed, err := Sweep(context.Background())
	require.NoError(t, err)
	for _, n := range names {
		assert.Contains(t, removed, n)
	}
	left, err = netns.List()
	require.NoError(t, err)
	for _, n := range names {
		assert.NotContains(t, left, n)
	}
}

// buildAndHang is the body of the helper process of TestSweepAfterKilledOwner.
func buildAndHang(name string) {
	cfg := testConfig(name, SideConfig{Name: "a", Profile: mustBuiltin("4g")}, SideConfig{Name: "b"})
	topo, err := Build(context.Background(), cfg)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fmt.Println(topo.Core.Name, topo.Sides[0].NS.Name, topo.Sides[1].NS.Name)
	select {}
}

func mustBuiltin(name string) *link.Profile {
	p, err := link.Builtin(name)
	if err != nil {
		panic(err)
	}
	return p
}
