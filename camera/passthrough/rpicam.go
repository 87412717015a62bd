package passthrough

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"time"

	"echtzeit/camera"
	"echtzeit/internal/child"

	"github.com/pion/webrtc/v4/pkg/media"
)

// DefaultRpicamCommand is the command line the rpicam source runs unless
// RpicamConfig.Command says otherwise. The placeholders {width}, {height},
// {fps}, {bitrate} (bit/s) and {intra} (frames between I-frames) are replaced
// by the requested Format. `--flush` makes rpicam-vid write each frame at once
// (stdout is buffered otherwise); `--inline` repeats SPS/PPS before every
// I-frame, so a viewer that joins late can start decoding at the next one.
const DefaultRpicamCommand = "rpicam-vid -t 0 -n --codec h264 --profile baseline --level 4.1 " +
	"--inline --intra {intra} --flush --width {width} --height {height} " +
	"--framerate {fps} -b {bitrate} -o -"

// legacyRpicamProgram replaces rpicam-vid on Raspberry Pi OS releases before
// Bookworm, where the same program was called libcamera-vid.
const legacyRpicamProgram = "libcamera-vid"

// Defaults for a Format that leaves fields at zero.
const (
	defaultWidth  = 1280
	defaultHeight = 720
	defaultFPS    = 30
)

// stderrTail is how many of the child's last stderr lines an error carries.
const stderrTail = 20

// RpicamConfig configures the rpicam source.
type RpicamConfig struct {
	// Command is the command line template (see DefaultRpicamCommand for the
	// placeholders). It is split at white space; no shell is involved, so
	// quoting is not supported. Empty means DefaultRpicamCommand; then, if
	// rpicam-vid is not in PATH, libcamera-vid is run with the same arguments.
	Command string
	// Env, if not empty, is added to the child's environment ("KEY=value").
	Env []string
	// StopTimeout is how long the child gets after SIGTERM before it is
	// killed (default 2 s).
	StopTimeout time.Duration
	// MaxNALSize bounds one NAL unit (default DefaultMaxNALSize).
	MaxNALSize int
	// Metrics, when set, get the bitrate each rpicam-vid was started with
	// (the encoder's configured bitrate).
	Metrics *camera.Metrics
}

// Rpicam passes the Raspberry Pi camera's hardware H.264 stream through: it
// runs rpicam-vid, reads Annex-B H.264 from its stdout and writes one sample
// per access unit. The child dies with the camera (SIGKILL through the
// parent-death signal on Linux) and when Stream's context ends.
type Rpicam struct {
	cfg      RpicamConfig
	logger   *slog.Logger
	lookPath func(string) (string, error)
}

var (
	_ camera.EncodedSource   = (*Rpicam)(nil)
	_ camera.FormatSupporter = (*Rpicam)(nil)
	_ camera.Adapter         = (*Rpicam)(nil)
)

// Adaptation is camera.AdaptationRestart: rpicam-vid takes its bitrate (-b)
// when it starts; the camera starts it again when the bandwidth estimate
// has moved a lot (DESIGN.md "The camera adapts").
func (s *Rpicam) Adaptation() camera.Adaptation { return camera.AdaptationRestart }

// NewRpicam returns the rpicam source. A nil logger discards the logs.
func NewRpicam(cfg RpicamConfig, logger *slog.Logger) *Rpicam {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	if cfg.StopTimeout <= 0 {
		cfg.StopTimeout = 2 * time.Second
	}
	if cfg.MaxNALSize <= 0 {
		cfg.MaxNALSize = DefaultMaxNALSize
	}
	return &Rpicam{cfg: cfg, logger: logger, lookPath: exec.LookPath}
}

// Codec returns "h264": rpicam-vid's hardware encoder output.
func (s *Rpicam) Codec() string { return camera.CodecH264 }

// Limits of the Raspberry Pi 4's hardware H.264 encoder at level 4.1
// (1080p30; level 4.1 allows 8,192 macroblocks per frame, 245,760 per second).
const (
	maxRpicamWidth  = 1920
	maxRpicamHeight = 1080
	maxRpicamMBRate = 245_760
)

// SupportsFormat accepts H.264 up to what the Pi's hardware encoder delivers
// at level 4.1 (camera.FormatSupporter), and fails with ErrInvalidCommand for
// a command template that cannot be expanded.
func (s *Rpicam) SupportsFormat(f camera.Format) error {
	if f.Codec != "" && f.Codec != camera.CodecH264 {
		return fmt.Errorf("%w: the rpicam source delivers h264 only, not %s", camera.ErrUnsupportedFormat, f.Codec)
	}
	f = withDefaults(f)
	if _, err := ExpandCommand(s.cfg.Command, f); err != nil {
		return err // a broken --rpicam-command shows at start, not per viewer
	}
	mbs := ((f.Width + 15) / 16) * ((f.Height + 15) / 16)
	switch {
	case f.Width > maxRpicamWidth || f.Height > maxRpicamHeight:
		return fmt.Errorf("%w: %dx%d is larger than the Pi encoder's %dx%d", camera.ErrUnsupportedFormat,
			f.Width, f.Height, maxRpicamWidth, maxRpicamHeight)
	case mbs*f.FPS > maxRpicamMBRate:
		return fmt.Errorf("%w: %dx%d at %d fps is over H.264 level 4.1's %d macroblocks/s", camera.ErrUnsupportedFormat,
			f.Width, f.Height, f.FPS, maxRpicamMBRate)
	}
	return nil
}

// withDefaults fills the zero fields of f.
func withDefaults(f camera.Format) camera.Format {
	if f.Width <= 0 || f.Height <= 0 {
		f.Width, f.Height = defaultWidth, defaultHeight
	}
	if f.FPS <= 0 {
		f.FPS = defaultFPS
	}
	if f.Bitrate <= 0 {
		// About 0.1 bit per pixel, within what the Pi's encoder handles well.
		f.Bitrate = min(max(f.Width*f.Height*f.FPS/10, 200_000), 10_000_000)
	}
	if f.KeyframeInterval <= 0 {
		f.KeyframeInterval = f.FPS
	}
	return f
}

// ExpandCommand returns the argument vector of template (DefaultRpicamCommand
// if empty) for the format f. It fails with ErrInvalidCommand for an empty
// template or an unknown placeholder.
func ExpandCommand(template string, f camera.Format) ([]string, error) {
	if strings.TrimSpace(template) == "" {
		template = DefaultRpicamCommand
	}
	values := map[string]string{
		"{width}":   strconv.Itoa(f.Width),
		"{height}":  strconv.Itoa(f.Height),
		"{fps}":     strconv.Itoa(f.FPS),
		"{bitrate}": strconv.Itoa(f.Bitrate),
		"{intra}":   strconv.Itoa(f.KeyframeInterval),
	}
	args := strings.Fields(template)
	for i, a := range args {
		for k, v := range values {
			a = strings.ReplaceAll(a, k, v)
		}
		if open := strings.IndexByte(a, '{'); open >= 0 {
			if end := strings.IndexByte(a[open:], '}'); end > 0 {
				return nil, fmt.Errorf("%w: unknown placeholder %s in %q", ErrInvalidCommand, a[open:open+end+1], args[i])
			}
		}
		args[i] = a
	}
	return args, nil
}

// Stream runs the camera process (internal/child: own process group,
// parent-death signal) and writes its access units until ctx ends
// (then it returns ctx.Err()), write fails, or the process exits (an error
// wrapping ErrChildExited with the process's last stderr lines).
func (s *Rpicam) Stream(ctx context.Context, f camera.Format, write func(media.Sample) error) error {
	if f.Codec != "" && !strings.EqualFold(f.Codec, "h264") {
		s.logger.Warn("rpicam source delivers H.264 only; ignoring the requested codec", "codec", f.Codec)
	}
	f = withDefaults(f)
	args, err := ExpandCommand(s.cfg.Command, f)
	if err != nil {
		return err
	}
	path, err := s.lookPath(args[0])
	if err != nil && strings.TrimSpace(s.cfg.Command) == "" {
		if legacy, lerr := s.lookPath(legacyRpicamProgram); lerr == nil {
			s.logger.Info("rpicam-vid not found, using libcamera-vid", "path", legacy)
			path, err, args[0] = legacy, nil, legacyRpicamProgram
		}
	}
	if err != nil {
		return fmt.Errorf("find camera program %q: %w", args[0], err)
	}

	s.logger.Info("starting camera process", "cmd", strings.Join(args, " "),
		"width", f.Width, "height", f.Height, "fps", f.FPS, "bitrate", f.Bitrate)
	s.cfg.Metrics.SetEncoderConfiguredBitrate(f.Bitrate)
	logger := s.logger.With("process", args[0])
	p, err := child.Start(child.Config{
		Name:       args[0],
		Path:       path,
		Args:       args[1:],
		Env:        s.cfg.Env,
		PipeStdout: true,
		TailLines:  stderrTail,
		OnLine:     func(line string) { logStderr(logger, line) },
	})
	if err != nil {
		return err
	}
	stdout := p.Stdout()
	// Unblock the reader at once when the context ends.
	stopRead := context.AfterFunc(ctx, func() { _ = stdout.Close() })
	readErr := s.pump(stdout, f, write)
	stopRead()
	_ = stdout.Close()
	if errors.Is(readErr, io.EOF) {
		// After a plain end of its output let the child exit by itself, so
		// that its exit status tells why.
		select {
		case <-p.Done():
		case <-ctx.Done():
		}
	}
	// SIGTERM, then SIGKILL after StopTimeout; nothing when it has exited.
	if err := p.Stop(s.cfg.StopTimeout); err != nil {
		s.logger.Warn("camera process", "err", err)
	}
	waitErr := p.Wait(context.Background()) // returns at once: it has exited

	switch {
	case ctx.Err() != nil:
		return ctx.Err()
	case readErr != nil && !errors.Is(readErr, io.EOF):
		return fmt.Errorf("%s: %w", args[0], readErr)
	}
	last := strings.Join(p.TailLines(), "\n")
	if last == "" {
		last = "(none)"
	}
	return fmt.Errorf("%w: %s: %s; last stderr lines:\n%s", ErrChildExited, args[0], child.ExitText(waitErr), last)
}

// pump reads access units from r and writes them as samples until r ends
// (io.EOF) or fails, or write fails.
func (s *Rpicam) pump(r io.Reader, f camera.Format, write func(media.Sample) error) error {
	nr := NewNALReader(r, WithMaxNALSize(s.cfg.MaxNALSize))
	var asm AccessUnitAssembler
	var clock arrivalClock
	frames := 0
	emit := func(au AccessUnit, next time.Time) error {
		if frames == 0 && au.SPS != nil {
			s.logSPS(au.SPS, f)
		}
		if au.HasVCL {
			frames++
		}
		if err := write(clock.sample(au, next)); err != nil {
			return fmt.Errorf("write sample: %w", err)
		}
		return nil
	}
	for {
		nal, err := nr.Next()
		if errors.Is(err, io.EOF) {
			if au, ok := asm.Flush(); ok {
				if err := emit(au, time.Time{}); err != nil {
					return err
				}
			}
			return io.EOF
		}
		if err != nil {
			return fmt.Errorf("read H.264: %w", err)
		}
		au, ok, err := asm.Push(nal)
		if ok {
			if err := emit(au, nal.Arrival); err != nil {
				return err
			}
		}
		if err != nil {
			return fmt.Errorf("read H.264: %w", err)
		}
	}
}

// logSPS logs the stream's parameters once and warns when they differ from
// what was asked for.
func (s *Rpicam) logSPS(nal []byte, f camera.Format) {
	sps, err := ParseSPS(nal)
	if err != nil {
		s.logger.Warn("cannot parse the stream's SPS", "err", err)
		return
	}
	s.logger.Info("camera stream", "width", sps.Width, "height", sps.Height,
		"profile_level_id", sps.ProfileLevelID(), "vui_fps", sps.FPS())
	if sps.Width != f.Width || sps.Height != f.Height {
		s.logger.Warn("camera delivers another size than requested",
			"requested", fmt.Sprintf("%dx%d", f.Width, f.Height),
			"delivered", fmt.Sprintf("%dx%d", sps.Width, sps.Height))
	}
}

// problemLine matches stderr lines worth a warning in the log.
var problemLine = regexp.MustCompile(`(?i)\b(error|warn(ing)?|fail(ed|ure)?|fatal|cannot|no cameras?)\b`)

// logStderr logs a line of the camera program's stderr. rpicam-vid prints a
// status line per frame ("#123 (30.00 fps) exp …") and libcamera its INFO
// lines: debug level, unless the line reports a problem.
func logStderr(logger *slog.Logger, line string) {
	level := slog.LevelDebug
	if problemLine.MatchString(line) {
		level = slog.LevelWarn
	}
	logger.Log(context.Background(), level, line)
}
