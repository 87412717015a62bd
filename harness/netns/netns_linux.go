package netns

import (
	"context"
	"fmt"
	"net"
	"os"
	"runtime"

	"golang.org/x/sys/unix"
)

// Do runs fn on an OS thread that is in the network namespace at path (a
// file like /run/netns/NAME or /proc/PID/ns/net), then moves the thread back.
// Sockets and TUN devices that fn creates belong to that namespace; so do
// processes it forks (but see Namespace.Prefix: a child's parent-death
// signal is tied to the thread, so start long-lived processes there).
// Goroutines that fn starts run elsewhere, in the process's namespace.
func Do(path string, fn func() error) error {
	errc := make(chan error, 1)
	go func() {
		runtime.LockOSThread()
		restored, err := do(path, fn)
		if restored {
			runtime.UnlockOSThread()
		}
		// A thread that could not be moved back stays locked: the runtime
		// ends it with this goroutine, so no other goroutine runs there.
		errc <- err
	}()
	return <-errc
}

func do(path string, fn func() error) (restored bool, err error) {
	orig, err := os.Open(fmt.Sprintf("/proc/self/task/%d/ns/net", unix.Gettid()))
	if err != nil {
		return true, fmt.Errorf("open this thread's network namespace: %w", err)
	}
	defer func() { _ = orig.Close() }()
	target, err := os.Open(path)
	if err != nil {
		return true, fmt.Errorf("open network namespace: %w", err)
	}
	defer func() { _ = target.Close() }()
	if err := unix.Setns(int(target.Fd()), unix.CLONE_NEWNET); err != nil {
		return true, fmt.Errorf("enter network namespace %s: %w", path, err)
	}
	fnErr := fn()
	if err := unix.Setns(int(orig.Fd()), unix.CLONE_NEWNET); err != nil {
		return false, fmt.Errorf("leave network namespace %s: %w", path, err)
	}
	return true, fnErr
}

// Dial connects to addr from inside the namespace at path.
func Dial(ctx context.Context, path, network, addr string) (net.Conn, error) {
	var c net.Conn
	err := Do(path, func() error {
		var err error
		c, err = (&net.Dialer{}).DialContext(ctx, network, addr)
		return err
	})
	return c, err
}

// Listen listens on addr inside the namespace at path.
func Listen(path, network, addr string) (net.Listener, error) {
	var l net.Listener
	err := Do(path, func() error {
		var err error
		l, err = net.Listen(network, addr)
		return err
	})
	return l, err
}

// ListenPacket opens a packet socket on addr inside the namespace at path.
func ListenPacket(path, network, addr string) (net.PacketConn, error) {
	var c net.PacketConn
	err := Do(path, func() error {
		var err error
		c, err = net.ListenPacket(network, addr)
		return err
	})
	return c, err
}

// OpenTUN creates the TUN device name (IP packets, no packet information
// header) inside the namespace at path and returns its file, ready for the
// runtime's poller: each Read returns one packet, each Write sends one. The
// device goes away when the file is closed.
func OpenTUN(path, name string) (*os.File, error) {
	var f *os.File
	err := Do(path, func() error {
		fd, err := unix.Open("/dev/net/tun", unix.O_RDWR|unix.O_NONBLOCK|unix.O_CLOEXEC, 0)
		if err != nil {
			return fmt.Errorf("open /dev/net/tun: %w", err)
		}
		ifr, err := unix.NewIfreq(name)
		if err != nil {
			_ = unix.Close(fd)
			return fmt.Errorf("TUN name %q: %w", name, err)
		}
		ifr.SetUint16(unix.IFF_TUN | unix.IFF_NO_PI)
		if err := unix.IoctlIfreq(fd, unix.TUNSETIFF, ifr); err != nil {
			_ = unix.Close(fd)
			return fmt.Errorf("create TUN %s: %w", name, err)
		}
		f = os.NewFile(uintptr(fd), "tun:"+name)
		return nil
	})
	return f, err
}
