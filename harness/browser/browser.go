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
	"sync/atomic"
	"syscall"
	"time"

	"github.com/chromedp/chromedp"

	"echtzeit/harness/probe"
	"echtzeit/internal/child"
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

// newConfig applies opts over the defaults and checks the Chromium binary.
func newConfig(opts []Option) (config, error) {
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
			return cfg, err
		}
		cfg.execPath = p
	} else if err := checkExec(cfg.execPath); err != nil {
		return cfg, err
	}
	return cfg, nil
}

// baseFlags are Chromium's flags for every launch: quiet network, no
// throttling of background windows, no GPU.
var baseFlags = []flag{
	{"disable-background-networking", true},
	{"disable-component-update", true},
	{"disable-sync", true},
	{"disable-default-apps", true},
	{"disable-extensions", true},
	{"disable-breakpad", true},
	{"disable-client-side-phishing-detection", true},
	{"disable-features", "Translate,MediaRouter,OptimizationHints"},
	{"disable-background-timer-throttling", true},
	{"disable-backgrounding-occluded-windows", true},
	{"disable-renderer-backgrounding", true},
	{"disable-hang-monitor", true},
	{"disable-ipc-flooding-protection", true},
	{"disable-popup-blocking", true},
	{"disable-dev-shm-usage", true},
	{"password-store", "basic"},
	{"use-mock-keychain", true},
	{"metrics-recording-only", true},
	{"disable-gpu", true},
}

// allocatorOptions turns the configuration into chromedp's options: the
// binary, the profile folder dir, the base flags, headless or not, the
// flags of the options, and out for Chromium's output.
func (cfg config) allocatorOptions(dir string, out io.Writer) []chromedp.ExecAllocatorOption {
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(cfg.execPath),
		chromedp.UserDataDir(dir),
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
	}
	for _, f := range baseFlags {
		opts = append(opts, chromedp.Flag(f.name, f.value))
	}
	opts = append(opts, chromedp.WindowSize(1024, 768), chromedp.CombinedOutput(out))
	if !cfg.headful {
		opts = append(opts, chromedp.Headless)
	}
	for _, f := range cfg.flags {
		opts = append(opts, chromedp.Flag(f.name, f.value))
	}
	if cfg.headful {
		opts = append(opts, chromedp.VisibleWindow)
	}
	return opts
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

// WithTrustedKeys accepts the certificates of servers whose public key is
// one of spkis (base64 SHA-256 of the SubjectPublicKeyInfo, as
// signaling/server.SPKIFingerprint gives it) as valid. Unlike
// WithIgnoreCertErrors alone, Chromium then caches what those servers send,
// as a browser does for a server with a real certificate.
func WithTrustedKeys(spkis ...string) Option {
	return WithFlag("ignore-certificate-errors-spki-list", strings.Join(spkis, ","))
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
// through it.
func WithCommandPrefix(prefix ...string) Option {
	return func(c *config) { c.prefix = prefix }
}

// prefixCommand puts prefix (if any) in front of chromedp's command.
func prefixCommand(cmd *exec.Cmd, prefix []string) {
	if len(prefix) == 0 {
		return
	}
	path, err := exec.LookPath(prefix[0])
	if err != nil {
		path = prefix[0] // Start reports it
	}
	cmd.Args = append(append([]string{}, prefix...), cmd.Args...)
	cmd.Path = path
}

// WithHeadful runs Chromium with a visible window (needs a display). The
// default comes from $ECHTZEIT_HEADFUL.
func WithHeadful(headful bool) Option { return func(c *config) { c.headful = headful } }

// WithLogger receives chromedp's own log and error lines (debug level) and
// the browser's lifecycle events. The default discards them.
func WithLogger(l *slog.Logger) Option { return func(c *config) { c.logger = l } }

// WithOutput receives Chromium's stdout and stderr.
func WithOutput(w io.Writer) Option { return func(c *config) { c.output = w } }

// outputLines is how many lines of Chromium's stdout and stderr a Browser
// keeps (each cut at child.DefaultLineLen bytes).
const outputLines = 100

// Browser is one Chromium process. Its methods are safe for concurrent use;
// each Page is used by one goroutine at a time.
type Browser struct {
	ctx         context.Context // the chromedp context of the first tab; lives until Close
	cancel      context.CancelFunc
	allocCancel context.CancelFunc
	userDataDir string
	pid         int
	logger      *slog.Logger
	output      *child.Tail
	cmd         atomic.Pointer[exec.Cmd] // as chromedp starts it

	exited    chan struct{} // closed when the process has exited
	exitOnce  sync.Once
	exitText  string        // valid after exited
	watchDone chan struct{} // closed when watchExit returns
	closeOnce sync.Once
	closeErr  error
	pages     sync.WaitGroup // console readers of open pages
}

// Launch starts Chromium and waits until it answers. ctx bounds the start
// only; the browser lives until Close. Flags: --headless (unless headful),
// --no-sandbox when root, --disable-gpu, the quiet-network flags
// (--disable-background-networking --disable-component-update
// --disable-sync --no-first-run), no throttling of background windows, and a
// fresh --user-data-dir. Chromium runs in its own process group and gets
// SIGKILL when this program dies (internal/child.Configure).
func Launch(ctx context.Context, opts ...Option) (*Browser, error) {
	cfg, err := newConfig(opts)
	if err != nil {
		return nil, err
	}
	if n := sweepStale(); n > 0 {
		cfg.logger.Info("removed profile folders of browsers that were not closed", "count", n)
	}
	dir, err := os.MkdirTemp("", userDataPrefix)
	if err != nil {
		return nil, fmt.Errorf("create user data dir: %w", err)
	}
	b := &Browser{
		userDataDir: dir, logger: cfg.logger, output: child.NewTail(outputLines, 0, nil),
		exited: make(chan struct{}), watchDone: make(chan struct{}),
	}
	var w io.Writer = b.output
	if cfg.output != nil {
		w = io.MultiWriter(b.output, cfg.output)
	}
	allocOpts := append(cfg.allocatorOptions(dir, w), chromedp.ModifyCmdFunc(func(cmd *exec.Cmd) {
		prefixCommand(cmd, cfg.prefix)
		child.Configure(cmd)
		b.cmd.Store(cmd)
	}))
	allocCtx, allocCancel := chromedp.NewExecAllocator(context.Background(), allocOpts...)
	logf := func(format string, args ...any) { cfg.logger.Debug("chromedp: " + fmt.Sprintf(format, args...)) }
	b.ctx, b.cancel = chromedp.NewContext(allocCtx, chromedp.WithLogf(logf), chromedp.WithErrorf(logf))
	b.allocCancel = allocCancel

	if err := b.start(ctx); err != nil {
		close(b.watchDone) // no watcher was started
		closeErr := b.Close()
		return nil, errors.Join(fmt.Errorf("start chromium %s: %w (output: %s)", cfg.execPath, err, strings.TrimSpace(b.Output())), closeErr)
	}
	if p := chromedp.FromContext(b.ctx).Browser.Process(); p != nil {
		b.pid = p.Pid
	}
	go b.watchExit()
	cfg.logger.Info("chromium started", "pid", b.pid, "path", cfg.execPath, "userDataDir", dir)
	return b, nil
}

// start starts the process through the first Run. That Run must not carry
// ctx's deadline (that would end the browser), so ctx stops the start from
// outside.
func (b *Browser) start(ctx context.Context) error {
	started := make(chan struct{})
	watchDone := make(chan struct{})
	go func() {
		defer close(watchDone)
		select {
		case <-ctx.Done():
			b.cancel()
		case <-started:
		}
	}()
	err := chromedp.Do(b.ctx)
	close(started)
	<-watchDone
	if err == nil && ctx.Err() != nil {
		err = ctx.Err()
	}
	return err
}

// watchExit marks the browser exited when its process ends. After Close has
// ended the context it gives up within chromedp's grace; Close then marks
// the exit itself.
func (b *Browser) watchExit() {
	defer close(b.watchDone)
	stop := make(chan struct{})
	reaped := make(chan struct{})
	go func() {
		defer close(reaped)
		b.reapGroup(stop)
	}()
	if chromedp.WaitClosed(b.ctx) == nil {
		b.markExited()
	}
	close(stop)
	<-reaped
}

// reapGroup kills what is left of Chromium's process group once its main
// process has gone without Close (killed, crashed): chromedp reports the exit
// only when the process's output closes, and the renderer, GPU and zygote
// processes hold it open until they notice on their own — on a busy machine
// that took more than 30 s. It returns when stop closes or after the kill.
func (b *Browser) reapGroup(stop <-chan struct{}) {
	if b.pid <= 0 {
		return
	}
	tick := time.NewTicker(reapPoll)
	defer tick.Stop()
	for {
		select {
		case <-stop:
			return
		case <-tick.C:
		}
		if b.closed() || probe.NewProc().Alive(b.pid) {
			continue
		}
		// The group outlives its leader while members live, so its ID is
		// not reused before they are gone.
		if err := syscall.Kill(-b.pid, syscall.SIGKILL); err == nil {
			b.logger.Info("killed the rest of chromium's process group", "pgid", b.pid)
		}
		return
	}
}

// reapPoll is how often reapGroup looks whether Chromium's main process lives.
const reapPoll = 250 * time.Millisecond

// markExited records how the process ended; call it only once the process
// has been waited for (chromedp's wait happens before WaitClosed returns nil
// and before the allocator's cancel returns).
func (b *Browser) markExited() {
	b.exitOnce.Do(func() {
		var ps *os.ProcessState
		if cmd := b.cmd.Load(); cmd != nil {
			ps = cmd.ProcessState
		}
		b.exitText = child.StateText(ps)
		close(b.exited)
	})
}

// PID returns the process ID of Chromium's main (browser) process, for CPU
// and memory sampling. The renderer, GPU and network processes are its
// descendants.
func (b *Browser) PID() int { return b.pid }

// Done is closed when Chromium's main process has exited (by itself, killed,
// or through Close).
func (b *Browser) Done() <-chan struct{} { return b.exited }

// Exited reports whether Done is closed.
func (b *Browser) Exited() bool {
	select {
	case <-b.exited:
		return true
	default:
		return false
	}
}

// ExitReason describes how Chromium ended ("chromium exited: signal:
// killed"), in the words of internal/child; "chromium is running" before.
func (b *Browser) ExitReason() string {
	if !b.Exited() {
		return "chromium is running"
	}
	return "chromium exited: " + b.exitText
}

// UserDataDir returns Chromium's fresh profile folder, removed by Close.
func (b *Browser) UserDataDir() string { return b.userDataDir }

// Output returns the last lines Chromium wrote to stdout and stderr (at most
// 100, each ended by "\n").
func (b *Browser) Output() string { return b.output.String() }

// Close closes every page and stops Chromium, then removes the user data
// directory. It is safe to call more than once.
func (b *Browser) Close() error {
	b.closeOnce.Do(func() {
		b.cancel()
		b.allocCancel() // returns when the process has been waited for
		b.pages.Wait()
		<-b.watchDone
		if b.cmd.Load() != nil && b.cmd.Load().Process != nil {
			b.markExited()
		}
		b.closeErr = os.RemoveAll(b.userDataDir)
		if b.closeErr != nil {
			b.closeErr = fmt.Errorf("remove user data dir: %w", b.closeErr)
		}
		b.logger.Info("chromium stopped", "pid", b.pid)
	})
	return b.closeErr
}

func (b *Browser) closed() bool { return b.ctx.Err() != nil }

func envBool(name string) bool {
	v, err := strconv.ParseBool(os.Getenv(name))
	return err == nil && v
}
