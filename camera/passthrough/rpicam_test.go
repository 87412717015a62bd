package passthrough

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/pion/webrtc/v4/pkg/media"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"echtzeit/camera"
	"echtzeit/internal/child"
)

// standin returns the absolute path of the rpicam-vid stand-in script; it
// needs ffmpeg with libx264.
func standin(t *testing.T) string {
	t.Helper()
	if _, err := exec.LookPath("ffmpeg"); err != nil {
		if os.Getenv("ECHTZEIT_REQUIRE_BROWSER") != "" {
			t.Fatal("ffmpeg is required (Debian package ffmpeg) but not in PATH")
		}
		t.Skip("ffmpeg not in PATH: install Debian's ffmpeg to run the rpicam stand-in")
	}
	p, err := filepath.Abs(filepath.Join("testdata", "rpicam-vid-standin.sh"))
	require.NoError(t, err)
	return p
}

// standinCommand is DefaultRpicamCommand with the stand-in as the program.
func standinCommand(t *testing.T) string {
	return strings.Replace(DefaultRpicamCommand, "rpicam-vid", standin(t), 1)
}

func testLogger(t *testing.T) *slog.Logger {
	return slog.New(slog.NewTextHandler(tWriter{t}, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

type tWriter struct{ t *testing.T }

func (w tWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

// recorder collects samples.
type recorder struct {
	mu      sync.Mutex
	samples []media.Sample
	arrived []time.Time
	stopAt  int // after this many pictures write returns stopErr (0: never)
	stopErr error
	got     chan struct{} // closed at stopAt pictures
}

func newRecorder(stopAt int, stopErr error) *recorder {
	return &recorder{stopAt: stopAt, stopErr: stopErr, got: make(chan struct{})}
}

func (r *recorder) write(s media.Sample) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.samples = append(r.samples, s)
	r.arrived = append(r.arrived, time.Now())
	if r.stopAt > 0 && r.pictures() == r.stopAt {
		close(r.got)
		return r.stopErr
	}
	return nil
}

func (r *recorder) pictures() int {
	n := 0
	for _, s := range r.samples {
		// Only pictures advance the clock (parameter sets alone do not).
		if s.Duration > 0 {
			n++
		}
	}
	return n
}

func (r *recorder) all() []media.Sample {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]media.Sample(nil), r.samples...)
}

// checkAccessUnit asserts that a sample is one whole picture: every slice of
// the same kind, the first one starting at macroblock 0. It returns whether the
// picture is an IDR picture.
func checkAccessUnit(t *testing.T, i int, s media.Sample) bool {
	t.Helper()
	nals, err := SplitAnnexB(s.Data)
	require.NoError(t, err, "sample %d", i)
	idr, vcl := false, 0
	for _, n := range nals {
		ty := ParseNALUnitType(n[0])
		if !ty.IsVCL() {
			assert.Zero(t, vcl, "sample %d: %s after a slice", i, ty)
			continue
		}
		if vcl == 0 {
			idr = ty == NALSliceIDR
			first, ok := firstMBInSlice(n)
			assert.True(t, ok && first == 0, "sample %d: first slice starts at macroblock %d", i, first)
		} else {
			assert.Equal(t, idr, ty == NALSliceIDR, "sample %d mixes IDR and non-IDR slices", i)
		}
		vcl++
	}
	assert.Positive(t, vcl, "sample %d has no slice", i)
	return idr
}

func TestRpicamStandin(t *testing.T) {
	const frames, fps, intra = 45, 15, 15
	src := NewRpicam(RpicamConfig{
		Command: standinCommand(t),
		Env:     []string{"STANDIN_FRAMES=" + strconv.Itoa(frames)},
	}, testLogger(t))
	rec := newRecorder(0, nil)
	ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
	defer cancel()
	start := time.Now()
	err := src.Stream(ctx, camera.Format{Width: 320, Height: 240, FPS: fps, Codec: "h264", Bitrate: 300_000, KeyframeInterval: intra}, rec.write)
	elapsed := time.Since(start)
	// The stand-in ends after its frames, like a camera that stops.
	require.ErrorIs(t, err, ErrChildExited)
	assert.Contains(t, err.Error(), "exit status 0")

	samples := rec.all()
	require.Len(t, samples, frames, "one sample per access unit")
	var keys []int
	var sum time.Duration
	for i, s := range samples {
		if checkAccessUnit(t, i, s) {
			keys = append(keys, i)
		}
		assert.Positive(t, s.Duration, "sample %d", i)
		if i < len(samples)-1 {
			sum += s.Duration
			// Durations come from arrival times: each one reaches the next
			// sample's timestamp.
			assert.True(t, samples[i+1].Timestamp.Equal(s.Timestamp.Add(s.Duration)), "sample %d", i)
		}
	}
	assert.Equal(t, []int{0, 15, 30}, keys)
	first, err := SplitAnnexB(samples[0].Data)
	require.NoError(t, err)
	sps, err := ParseSPS(first[0])
	require.NoError(t, err, "the first access unit starts with the SPS")
	assert.Equal(t, 320, sps.Width)
	assert.Equal(t, 240, sps.Height)
	assert.Equal(t, "42c029", sps.ProfileLevelID(), "constrained baseline, level 4.1")

	// The clock is the real one: the durations cannot add up to more than the
	// wall-clock time the stream took, and ffmpeg -re cannot deliver 45 frames
	// at 15 fps in much less than their 2.9 s (the bound is loose on purpose).
	assert.Less(t, sum, elapsed)
	assert.Greater(t, sum, time.Second)
	t.Logf("%d access units, durations sum to %v (%.2f fps), wall clock %v", len(samples), sum,
		float64(len(samples)-1)/sum.Seconds(), elapsed)
}

// pidFrom waits for the stand-in to write its PID.
func pidFrom(t *testing.T, path string) int {
	t.Helper()
	var pid int
	require.Eventually(t, func() bool {
		b, err := os.ReadFile(path)
		if err != nil {
			return false
		}
		pid, err = strconv.Atoi(strings.TrimSpace(string(b)))
		return err == nil
	}, 30*time.Second, 20*time.Millisecond, "stand-in wrote no PID file")
	return pid
}

// gone reports whether pid no longer runs (a zombie counts as gone).
func gone(pid int) bool {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return true
	}
	f := strings.Fields(string(b[bytes.LastIndexByte(b, ')')+1:]))
	return len(f) > 0 && (f[0] == "Z" || f[0] == "X")
}

func TestRpicamStopsChild(t *testing.T) {
	errStop := errors.New("viewer gone")
	tests := []struct {
		name    string
		cancel  bool // cancel the context instead of failing write
		wantErr error
	}{
		{"context cancelled", true, context.Canceled},
		{"write fails", false, errStop},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pidFile := filepath.Join(t.TempDir(), "pid")
			src := NewRpicam(RpicamConfig{
				Command: standinCommand(t),
				Env:     []string{"STANDIN_PIDFILE=" + pidFile},
			}, testLogger(t))
			var rec *recorder
			if tt.cancel {
				rec = newRecorder(5, nil)
			} else {
				rec = newRecorder(5, errStop)
			}
			ctx, cancel := context.WithCancel(t.Context())
			defer cancel()
			done := make(chan error, 1)
			go func() { done <- src.Stream(ctx, camera.Format{Width: 160, Height: 120, FPS: 30}, rec.write) }()
			pid := pidFrom(t, pidFile)
			select {
			case <-rec.got:
			case err := <-done:
				t.Fatalf("stream ended early: %v", err)
			case <-time.After(30 * time.Second):
				t.Fatal("no 5 pictures within 30 s")
			}
			if tt.cancel {
				cancel()
			}
			select {
			case err := <-done:
				require.ErrorIs(t, err, tt.wantErr)
			case <-time.After(30 * time.Second):
				t.Fatal("Stream did not return")
			}
			assert.True(t, gone(pid), "camera process %d still runs", pid)
		})
	}
}

func TestRpicamChildFails(t *testing.T) {
	tests := []struct {
		name     string
		env      string
		wantText []string
		minPics  int
	}{
		{"fails at start", "STANDIN_FAIL=no cameras available", []string{"exit status 3", "no cameras available"}, 0},
		{"fails while streaming", "STANDIN_FAIL_AFTER=10", []string{"exit status 4", "camera fault: frontend timeout"}, 10},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := NewRpicam(RpicamConfig{Command: standinCommand(t), Env: []string{tt.env}}, testLogger(t))
			rec := newRecorder(0, nil)
			ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
			defer cancel()
			err := src.Stream(ctx, camera.Format{Width: 160, Height: 120, FPS: 30}, rec.write)
			require.ErrorIs(t, err, ErrChildExited)
			for _, want := range tt.wantText {
				assert.Contains(t, err.Error(), want)
			}
			assert.Equal(t, tt.minPics, rec.pictures())
		})
	}
}

func TestRpicamLegacyProgram(t *testing.T) {
	script := standin(t)
	if _, err := exec.LookPath("rpicam-vid"); err == nil {
		t.Skip("rpicam-vid is installed: the fallback is not taken")
	}
	bin := t.TempDir()
	require.NoError(t, os.Symlink(script, filepath.Join(bin, "libcamera-vid")))
	t.Setenv("PATH", bin+string(os.PathListSeparator)+os.Getenv("PATH"))
	src := NewRpicam(RpicamConfig{Env: []string{"STANDIN_FRAMES=3"}}, testLogger(t))
	rec := newRecorder(0, nil)
	ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
	defer cancel()
	err := src.Stream(ctx, camera.Format{Width: 160, Height: 120, FPS: 30}, rec.write)
	require.ErrorIs(t, err, ErrChildExited)
	assert.Contains(t, err.Error(), "libcamera-vid")
	assert.Equal(t, 3, rec.pictures())
}

func TestRpicamMissingProgram(t *testing.T) {
	src := NewRpicam(RpicamConfig{Command: "/nonexistent/rpicam-vid -o -"}, nil)
	err := src.Stream(t.Context(), camera.Format{}, func(media.Sample) error { return nil })
	require.Error(t, err)
	assert.Contains(t, err.Error(), "/nonexistent/rpicam-vid")
}

// TestRpicamDiesWithParent kills a process that runs the rpicam source with
// SIGKILL: the kernel must kill the camera process too (parent-death signal).
func TestRpicamDiesWithParent(t *testing.T) {
	if os.Getenv("PASSTHROUGH_HELPER") == "stream" {
		src := NewRpicam(RpicamConfig{Command: standinCommand(t)}, testLogger(t))
		_ = src.Stream(context.Background(), camera.Format{Width: 160, Height: 120, FPS: 15}, func(media.Sample) error { return nil })
		return
	}
	standin(t)
	pidFile := filepath.Join(t.TempDir(), "pid")
	helper := exec.Command(os.Args[0], "-test.run=^TestRpicamDiesWithParent$", "-test.timeout=2m")
	helper.Env = append(os.Environ(), "PASSTHROUGH_HELPER=stream", "STANDIN_PIDFILE="+pidFile)
	require.NoError(t, helper.Start())
	defer func() { _ = helper.Process.Kill(); _ = helper.Wait() }()
	pid := pidFrom(t, pidFile)
	require.False(t, gone(pid))
	require.NoError(t, helper.Process.Signal(syscall.SIGKILL))
	_ = helper.Wait()
	require.Eventually(t, func() bool { return gone(pid) }, 10*time.Second, 20*time.Millisecond,
		"camera process %d outlived its parent", pid)
}

func TestExpandCommand(t *testing.T) {
	f := camera.Format{Width: 640, Height: 480, FPS: 25, Bitrate: 800_000, KeyframeInterval: 50}
	tests := []struct {
		name     string
		template string
		want     []string
		wantErr  error
	}{
		{
			name: "default",
			want: strings.Fields("rpicam-vid -t 0 -n --codec h264 --profile baseline --level 4.1 --inline --intra 50 " +
				"--flush --width 640 --height 480 --framerate 25 -b 800000 -o -"),
		},
		{
			name:     "custom",
			template: "  /opt/cam --size={width}x{height}  --fps {fps} --bits {bitrate} -g {intra} ",
			want:     []string{"/opt/cam", "--size=640x480", "--fps", "25", "--bits", "800000", "-g", "50"},
		},
		{name: "unknown placeholder", template: "cam --mode {mode}", wantErr: ErrInvalidCommand},
		{name: "braces without placeholder", template: "cam --json {", want: []string{"cam", "--json", "{"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ExpandCommand(tt.template, f)
			if tt.wantErr != nil {
				require.ErrorIs(t, err, tt.wantErr)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestRpicamSupportsFormat(t *testing.T) {
	src := NewRpicam(RpicamConfig{}, nil)
	tests := []struct {
		name string
		f    camera.Format
		ok   bool
	}{
		{"720p30 h264", camera.Format{Width: 1280, Height: 720, FPS: 30, Codec: "h264"}, true},
		{"1080p30", camera.Format{Width: 1920, Height: 1080, FPS: 30, Codec: "h264"}, true},
		{"160x90 (thesis)", camera.Format{Width: 160, Height: 90, FPS: 30, Codec: "h264"}, true},
		{"vp8", camera.Format{Width: 640, Height: 480, FPS: 30, Codec: "vp8"}, false},
		{"4k", camera.Format{Width: 3840, Height: 2160, FPS: 30, Codec: "h264"}, false},
		{"1080p60", camera.Format{Width: 1920, Height: 1080, FPS: 60, Codec: "h264"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := src.SupportsFormat(tt.f)
			if tt.ok {
				require.NoError(t, err)
				return
			}
			require.ErrorIs(t, err, camera.ErrUnsupportedFormat)
		})
	}
	assert.Equal(t, "h264", src.Codec())
	bad := NewRpicam(RpicamConfig{Command: "rpicam-vid --width {w}"}, nil)
	require.ErrorIs(t, bad.SupportsFormat(camera.Format{Width: 640, Height: 480, FPS: 30, Codec: "h264"}), ErrInvalidCommand)
}

// TestStderrLog feeds rpicam-vid-like stderr through the child's tail into
// logStderr: status lines at debug level, problems as warnings.
func TestStderrLog(t *testing.T) {
	var buf bytes.Buffer
	logger := slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	l := child.NewTail(3, 0, func(line string) { logStderr(logger, line) })
	for _, chunk := range []string{"#1 (30.00 fps) exp 33", "251.00\n#2 (30.00 fps)\r", "\nERROR: *** no cameras available ***\n", "line 4\nunterminated"} {
		n, err := l.Write([]byte(chunk))
		require.NoError(t, err)
		assert.Equal(t, len(chunk), n)
	}
	l.Flush()
	assert.Equal(t, []string{"ERROR: *** no cameras available ***", "line 4", "unterminated"}, l.Lines(), "the last 3 lines")
	logs := buf.String()
	assert.Contains(t, logs, `level=DEBUG msg="#1 (30.00 fps) exp 33251.00"`, "a line split across writes")
	assert.Contains(t, logs, `level=WARN msg="ERROR: *** no cameras available ***"`)
	assert.Equal(t, 5, strings.Count(logs, "\n"), "blank lines are dropped:\n%s", logs)
}
