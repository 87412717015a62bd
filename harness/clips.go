package harness

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
)

// sourceFile is the camera's pass-through source that loops a clip.
const sourceFile = "file"

// clipSeconds is the length of a generated pass-through clip (it loops).
const clipSeconds = 4

// passthroughClip returns an H.264 clip of w×h at fps for the camera's file
// source, encoding it with ffmpeg (libx264, Constrained Baseline, SPS/PPS at
// every I-frame, one I-frame a second, as rpicam-vid --inline sends) into the
// run folder once per format. The encoding runs outside any CPU budget: it
// stands for a Raspberry Pi's hardware encoder, and the trial measures what
// the camera costs beyond it (pass-through).
func (r *runner) passthroughClip(ctx context.Context, w, h, fps int) (string, error) {
	dir := filepath.Join(r.dir, "clips")
	path := filepath.Join(dir, fmt.Sprintf("%dx%d-%dfps.h264", w, h, fps))
	if st, err := os.Stat(path); err == nil && st.Size() > 0 {
		return path, nil
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", fmt.Errorf("clip folder: %w", err)
	}
	ffmpeg, err := exec.LookPath("ffmpeg")
	if err != nil {
		return "", fmt.Errorf("pass-through clip: %w (scripts/install-deps.sh installs ffmpeg)", err)
	}
	tmp := path + ".tmp"
	g := strconv.Itoa(fps)
	cmd := exec.CommandContext(ctx, ffmpeg, "-hide_banner", "-loglevel", "error", "-nostdin", "-y",
		"-f", "lavfi", "-i", fmt.Sprintf("testsrc2=size=%dx%d:rate=%d", w, h, fps), "-t", strconv.Itoa(clipSeconds),
		"-c:v", "libx264", "-preset", "veryfast", "-tune", "zerolatency", "-profile:v", "baseline",
		"-pix_fmt", "yuv420p", "-g", g, "-keyint_min", g, "-bf", "0",
		"-x264-params", "repeat-headers=1", "-f", "h264", tmp)
	out, err := cmd.CombinedOutput()
	if err != nil {
		_ = os.Remove(tmp)
		return "", fmt.Errorf("encode pass-through clip %dx%d@%d: %w: %s", w, h, fps, err, tailLines(string(out), 5))
	}
	if err := os.Rename(tmp, path); err != nil {
		return "", errors.Join(fmt.Errorf("pass-through clip: %w", err), os.Remove(tmp))
	}
	r.logger.Info("encoded pass-through clip", "path", path)
	return path, nil
}
