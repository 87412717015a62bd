package browser

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"

	"github.com/chromedp/chromedp"
)

// DefaultExecPath is Debian's Chromium binary. The /usr/bin/chromium wrapper
// adds flags of its own and prints a warning, so the binary is started
// directly (FIELD-NOTES).
const DefaultExecPath = "/usr/lib/chromium/chromium"

// Environment variables read by this package.
const (
	// EnvChromium overrides the Chromium binary.
	EnvChromium = "ECHTZEIT_CHROMIUM"
	// EnvHeadful runs Chromium with a visible window when set to 1/true.
	EnvHeadful = "ECHTZEIT_HEADFUL"
	// EnvRequireBrowser makes tests fail instead of skip when Chromium is
	// missing.
	EnvRequireBrowser = "ECHTZEIT_REQUIRE_BROWSER"
)

// ExecPath returns the Chromium binary to start: $ECHTZEIT_CHROMIUM or
// DefaultExecPath. The error wraps ErrNoChromium when it does not exist.
func ExecPath() (string, error) {
	p := os.Getenv(EnvChromium)
	if p == "" {
		p = DefaultExecPath
	}
	return p, checkExec(p)
}

func checkExec(p string) error {
	fi, err := os.Stat(p)
	if err != nil {
		return fmt.Errorf("%w: %w", ErrNoChromium, err)
	}
	if fi.IsDir() || fi.Mode().Perm()&0o111 == 0 {
		return fmt.Errorf("%w: %s is not an executable file", ErrNoChromium, p)
	}
	return nil
}

type flag struct {
	name  string
	value any
}

type config struct {
	execPath string
	headful  bool
	flags    []flag
	logger   *slog.Logger
	output   io.Writer
	prefix   []string
}

// Option configures Launch.
type Option func(*config)

// WithExecPath starts the given binary instead of ExecPath().
func WithExecPath(path string) Option { return func(c *config) { c.execPath = path } }

// WithFlag adds a command line flag: true gives --name, a string or number
// --name=value, false removes a flag set earlier.
func WithFlag(name string, value any) Option {
	return func(c *config) { c.flags = append(c.flags, flag{name, value}) }
}

// WithFakeCamera replaces cameras and microphones with Chromium's fake
// devices at the given frame rate (30 when fps ≤ 0; without the fps the
// fake camera runs at 20) and grants getUserMedia without a prompt.
func WithFakeCamera(fps int) Option {
	if fps <= 0 {
		fps = 30
	}
	return func(c *config) {
		c.flags = append(c.flags,
			flag{"use-fake-device-for-media-stream", "fps=" + strconv.Itoa(fps)},
			flag{"use-fake-ui-for-media-stream", true})
	}
}

// WithIgnoreCertErrors accepts the self-signed certificates of test servers.
func WithIgnoreCertErrors() Option {
	return WithFlag("ignore-certificate-errors", true)
}

// WithLoopbackPeerConnection lets WebRTC gather loopback candidates: needed
// in a network namespace that has only lo (FIELD-NOTES).
func WithLoopbackPeerConnection() Option {
	return WithFlag("allow-loopback-in-peer-connection", true)
}

// WithAutoplay lets muted and unmuted media play without a user gesture.
func WithAutoplay() Option {
	return WithFlag("autoplay-policy", "no-user-gesture-required")
}

// WithWebRTCTesting combines the options every WebRTC test needs: fake
// camera at 30 fps, no permission prompt, self-signed certificates
// accepted, loopback candidates, autoplay.
func WithWebRTCTesting() Option {
	return func(c *config) {
		for _, o := range []Option{WithFakeCamera(30), WithIgnoreCertErrors(), WithLoopbackPeerConnection(), WithAutoplay()} {
			o(c)
		}
	}
}

// WithCommandPrefix starts Chromium through a command prefix, e.g.
// "ip netns exec NAME" to run it inside a network namespace. The prefix
// must execute Chromium in its own place (exec), so that the process ID is
// Chromium's; chromedp's pipe to DevTools (file descriptors 3 and 4) passes
// through it. Chromium still gets SIGKILL when this process dies.
func WithCommandPrefix(prefix ...string) Option {
	return func(c *config) { c.prefix = prefix }
}

// WithHeadful runs Chromium with a visible window (needs a display). The
// default comes from $ECHTZEIT_HEADFUL.
func WithHeadful(headful bool) Option { return func(c *config) { c.headful = headful } }

// WithLogger receives chromedp's own log and error lines (debug level) and
// the browser's lifecycle events. The default discards them.
func WithLogger(l *slog.Logger) Option { return func(c *config) { c.logger = l } }

// WithOutput receives Chromium's stdout and stderr.
func WithOutput(w io.Writer) Option { return func(c *config) { c.output = w } }

// Browser is one Chromium process. Its methods are safe for concurrent use;
// each Page is used by one goroutine at a time.
type Browser struct {
	ctx         context.Context // the chromedp context of the first tab; lives until Close
	cancel      context.CancelFunc
	allocCancel context.CancelFunc
	userDataDir string
	pid         int
	logger      *slog.Logger
	output      *tailBuffer

	closeOnce sync.Once
	closeErr  error

	pages sync.WaitGroup // console readers of open pages

	labelsMu sync.Mutex
	labels   map[string]int // pages opened per test, for failure artifacts
}

// Launch starts Chromium and waits until it answers. ctx bounds the start
// only; the browser lives until Close. Flags: --headless (unless headful),
// --no-sandbox when root, --disable-gpu, the quiet-network flags
// (--disable-background-networking --disable-component-update
// --disable-sync --no-first-run), no throttling of background windows, and a
// fresh --user-data-dir.
func Launch(ctx context.Context, opts ...Option) (*Browser, error) {
	cfg := config{headful: envBool(EnvHeadful)}
	for _, o := range opts {
		o(&cfg)
	}
	if cfg.logger == nil {
		cfg.logger = slog.New(slog.DiscardHandler)
	}
	if cfg.execPath == "" {
		p, err := ExecPath()
		if err != nil {
			return nil, err
		}
		cfg.execPath = p
	} else if err := checkExec(cfg.execPath); err != nil {
		return nil, err
	}
	if n := sweepStale(); n > 0 {
		cfg.logger.Info("removed profile folders of browsers that were not closed", "count", n)
	}
	dir, err := os.MkdirTemp("", userDataPrefix)
	if err != nil {
		return nil, fmt.Errorf("create user data dir: %w", err)
	}
	out := &tailBuffer{max: 16 << 10}
	var w io.Writer = out
	if cfg.output != nil {
		w = io.MultiWriter(out, cfg.output)
	}
	allocOpts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(cfg.execPath),
		chromedp.UserDataDir(dir),
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-default-apps", true),
		chromedp.Flag("disable-extensions", true),
		chromedp.Flag("disable-breakpad", true),
		chromedp.Flag("disable-client-side-phishing-detection", true),
		chromedp.Flag("disable-features", "Translate,MediaRouter,OptimizationHints"),
		chromedp.Flag("disable-background-timer-throttling", true),
		chromedp.Flag("disable-backgrounding-occluded-windows", true),
		chromedp.Flag("disable-renderer-backgrounding", true),
		chromedp.Flag("disable-hang-monitor", true),
		chromedp.Flag("disable-ipc-flooding-protection", true),
		chromedp.Flag("disable-popup-blocking", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("password-store", "basic"),
		chromedp.Flag("use-mock-keychain", true),
		chromedp.Flag("metrics-recording-only", true),
		chromedp.Flag("disable-gpu", true),
		chromedp.WindowSize(1024, 768),
		chromedp.CombinedOutput(w),
	}
	if !cfg.headful {
		allocOpts = append(allocOpts, chromedp.Headless)
	}
	for _, f := range cfg.flags {
		allocOpts = append(allocOpts, chromedp.Flag(f.name, f.value))
	}
	if cfg.headful {
		allocOpts = append(allocOpts, chromedp.VisibleWindow)
	}
	if len(cfg.prefix) > 0 {
		allocOpts = append(allocOpts, chromedp.ModifyCmdFunc(prefixCommand(cfg.prefix)))
	}

	allocCtx, allocCancel := chromedp.NewExecAllocator(context.Background(), allocOpts...)
	logf := func(format string, args ...any) { cfg.logger.Debug("chromedp: " + fmt.Sprintf(format, args...)) }
	bctx, bcancel := chromedp.NewContext(allocCtx, chromedp.WithLogf(logf), chromedp.WithErrorf(logf))
	b := &Browser{
		ctx: bctx, cancel: bcancel, allocCancel: allocCancel,
		userDataDir: dir, logger: cfg.logger, output: out,
	}

	// The first Run starts the process; it must not carry ctx's deadline
	// (that would end the browser), so ctx stops the start from outside.
	started := make(chan struct{})
	watchDone := make(chan struct{})
	go func() {
		defer close(watchDone)
		select {
		case <-ctx.Done():
			bcancel()
		case <-started:
		}
	}()
	err = chromedp.Do(bctx)
	close(started)
	<-watchDone
	if err == nil && ctx.Err() != nil {
		err = ctx.Err()
	}
	if err != nil {
		closeErr := b.Close()
		return nil, errors.Join(fmt.Errorf("start chromium %s: %w (output: %s)", cfg.execPath, err, strings.TrimSpace(out.String())), closeErr)
	}
	if p := chromedp.FromContext(bctx).Browser.Process(); p != nil {
		b.pid = p.Pid
	}
	cfg.logger.Info("chromium started", "pid", b.pid, "path", cfg.execPath, "userDataDir", dir)
	return b, nil
}

// PID returns the process ID of Chromium's main (browser) process, for CPU
// and memory sampling. The renderer, GPU and network processes are its
// descendants.
func (b *Browser) PID() int { return b.pid }

// UserDataDir returns Chromium's fresh profile folder, removed by Close.
func (b *Browser) UserDataDir() string { return b.userDataDir }

// Output returns the last 16 KiB Chromium wrote to stdout and stderr.
func (b *Browser) Output() string { return b.output.String() }

// Close closes every page and stops Chromium, then removes the user data
// directory. It is safe to call more than once.
func (b *Browser) Close() error {
	b.closeOnce.Do(func() {
		b.cancel()
		b.allocCancel()
		b.pages.Wait()
		b.closeErr = os.RemoveAll(b.userDataDir)
		if b.closeErr != nil {
			b.closeErr = fmt.Errorf("remove user data dir: %w", b.closeErr)
		}
		b.logger.Info("chromium stopped", "pid", b.pid)
	})
	return b.closeErr
}

func (b *Browser) closed() bool { return b.ctx.Err() != nil }

// tailBuffer keeps the last max bytes written to it.
type tailBuffer struct {
	mu  sync.Mutex
	max int
	buf []byte
}

func (t *tailBuffer) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.buf = append(t.buf, p...)
	if over := len(t.buf) - t.max; over > 0 {
		t.buf = append(t.buf[:0], t.buf[over:]...)
	}
	return len(p), nil
}

func (t *tailBuffer) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return string(t.buf)
}

func envBool(name string) bool {
	v, err := strconv.ParseBool(os.Getenv(name))
	return err == nil && v
}

// prefixCommand puts prefix in front of chromedp's command. ModifyCmdFunc
// replaces chromedp's own process options, so the parent-death signal is set
// here again.
func prefixCommand(prefix []string) func(*exec.Cmd) {
	return func(cmd *exec.Cmd) {
		path, err := exec.LookPath(prefix[0])
		if err != nil {
			path = prefix[0] // Start reports it
		}
		cmd.Args = append(append([]string{}, prefix...), cmd.Args...)
		cmd.Path = path
		if cmd.SysProcAttr == nil {
			cmd.SysProcAttr = &syscall.SysProcAttr{}
		}
		cmd.SysProcAttr.Pdeathsig = syscall.SIGKILL
	}
}
