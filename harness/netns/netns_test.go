package netns

import (
	"context"
	"net"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// RequireRoot skips the test unless it runs as root on a machine with ip and
// /dev/net/tun (the tests' and CI's machines have them).
func requireRoot(t *testing.T) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("network namespaces need root")
	}
	if _, err := exec.LookPath("ip"); err != nil {
		t.Skip("no ip (iproute2)")
	}
	if _, err := os.Stat("/dev/net/tun"); err != nil {
		t.Skip("no /dev/net/tun")
	}
}

func newNS(t *testing.T, rest string) *Namespace {
	t.Helper()
	o, err := Self()
	require.NoError(t, err)
	ns, err := Create(context.Background(), o.Name(rest))
	require.NoError(t, err)
	t.Cleanup(func() { assert.NoError(t, ns.Delete(context.Background())) })
	return ns
}

func TestNameRoundTrip(t *testing.T) {
	o, err := Self()
	require.NoError(t, err)
	assert.True(t, o.Alive())
	name := o.Name("t3-core")
	got, rest, ok := ParseName(name)
	require.True(t, ok)
	assert.Equal(t, o, got)
	assert.Equal(t, "t3-core", rest)
	assert.False(t, Owner{PID: o.PID, Start: o.Start + 1}.Alive(), "same PID, other start: another process")
	for _, bad := range []string{"ezl-", "ezl-1-2-", "ezl-x-2-a", "ezl-1-y-a", "other-1-2-a", "ezl-0-2-a"} {
		_, _, ok := ParseName(bad)
		assert.False(t, ok, bad)
	}
}

func TestNamespaceDoDialTUN(t *testing.T) {
	requireRoot(t)
	ns := newNS(t, "t-do")

	// Inside, only lo exists; a TUN device appears there and not here.
	var inside []string
	require.NoError(t, Do(ns.Path(), func() error {
		ifs, err := net.Interfaces()
		for _, i := range ifs {
			inside = append(inside, i.Name)
		}
		return err
	}))
	assert.Equal(t, []string{"lo"}, inside)

	tun, err := OpenTUN(ns.Path(), "eztest0")
	require.NoError(t, err)
	out, err := exec.Command("ip", "-n", ns.Name, "link", "show", "eztest0").CombinedOutput()
	require.NoError(t, err, string(out))
	_, err = net.InterfaceByName("eztest0")
	assert.Error(t, err, "the TUN device is not in this namespace")
	require.NoError(t, tun.Close())

	// A listener inside and a dial inside reach each other over the
	// namespace's loopback; from here the port is not there.
	l, err := Listen(ns.Path(), "tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer func() { _ = l.Close() }()
	go func() {
		c, err := l.Accept()
		if err == nil {
			_, _ = c.Write([]byte("hi"))
			_ = c.Close()
		}
	}()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	c, err := Dial(ctx, ns.Path(), "tcp", l.Addr().String())
	require.NoError(t, err)
	buf := make([]byte, 2)
	_, err = c.Read(buf)
	require.NoError(t, err)
	assert.Equal(t, "hi", string(buf))
	_ = c.Close()
	if c, err := net.DialTimeout("tcp", l.Addr().String(), time.Second); err == nil {
		_ = c.Close()
		t.Error("the namespace's port is reachable from outside it")
	}

	// A process started with the prefix runs inside.
	argv := append(ns.Prefix(), "cat", "/proc/net/dev")
	out, err = exec.Command(argv[0], argv[1:]...).CombinedOutput()
	require.NoError(t, err, string(out))
	assert.Contains(t, string(out), "lo:")
	assert.NotContains(t, string(out), "eth0")

	// This goroutine's thread is back where it was.
	here, err := os.Readlink("/proc/thread-self/ns/net")
	require.NoError(t, err)
	self, err := os.Readlink("/proc/self/ns/net")
	require.NoError(t, err)
	assert.Equal(t, self, here)
}

func TestDoEnterFails(t *testing.T) {
	err := Do("/nonexistent/ns", func() error { t.Error("fn ran"); return nil })
	assert.ErrorContains(t, err, "open network namespace")
}

func TestSweepRemovesOnlyDeadOwners(t *testing.T) {
	requireRoot(t)
	ctx := context.Background()
	self, err := Self()
	require.NoError(t, err)
	dead := Owner{PID: self.PID, Start: self.Start + 1} // this PID, another start: gone
	deadNS, err := Create(ctx, dead.Name("t-sweep"))
	require.NoError(t, err)
	t.Cleanup(func() { _ = deadNS.Delete(ctx) })
	live := newNS(t, "t-sweep-live")

	removed, err := Sweep(ctx)
	require.NoError(t, err)
	assert.Contains(t, removed, deadNS.Name)
	assert.NotContains(t, removed, live.Name)
	names, err := List()
	require.NoError(t, err)
	assert.Contains(t, names, live.Name)
	assert.NotContains(t, names, deadNS.Name)
	for _, n := range names {
		assert.True(t, strings.HasPrefix(n, NamePrefix))
	}
}
