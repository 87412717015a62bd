package main

import (
	"bytes"
	"context"
	"flag"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"echtzeit/internal/contract"
)

func TestHelpListsFlags(t *testing.T) {
	var stderr bytes.Buffer
	_, err := parseFlags([]string{"--help"}, &stderr)
	require.ErrorIs(t, err, flag.ErrHelp)
	for _, name := range []string{"signaling", "tls-ca", "tls-fingerprint", "tls-insecure", "room", "room-file", "source",
		"width", "height", "fps", "codec", "bitrate", "keyframe-interval", "h264-encoder", "encoder-options",
		"metrics-addr", "ice-loopback", "log-level", "print-pipeline"} {
		line := "\n  -" + name
		assert.True(t, strings.Contains(stderr.String(), line+" ") || strings.Contains(stderr.String(), line+"\n"), "help lists --%s", name)
	}
}

func TestPrintPipeline(t *testing.T) {
	var stdout, stderr bytes.Buffer
	err := run(context.Background(), []string{"--print-pipeline", "--codec", "H.264", "--width", "320", "--height", "180", "--fps", "15"}, &stdout, &stderr)
	require.NoError(t, err)
	assert.Contains(t, stdout.String(), "x264enc name=enc tune=zerolatency speed-preset=ultrafast")
	assert.Contains(t, stdout.String(), "webrtcbin name=webrtc")
}

func TestRunRejectsBadFlags(t *testing.T) {
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"stray"}, "unexpected arguments"},
		{[]string{"--codec", "av1"}, "--codec"},
		{[]string{"--source", "v4l2"}, "'source'"},
		{[]string{"--encoder-options", "x=1 ! fakesink"}, "'encoder-options'"},
		{[]string{"--log-level", "loud"}, "--log-level"},
		{[]string{"--room", "nothex"}, "--room"},
		{[]string{}, "--room or --room-file"},
		{[]string{"--room-file", filepath.Join(t.TempDir(), "r"), "--tls-insecure", "--tls-fingerprint", strings.Repeat("ab", 32)}, "exclude each other"},
		{[]string{"--tls-ca", filepath.Join(t.TempDir(), "missing.pem")}, "--tls-ca"},
	}
	for _, tt := range tests {
		var stdout, stderr bytes.Buffer
		err := run(context.Background(), tt.args, &stdout, &stderr)
		require.Error(t, err, tt.args)
		assert.Contains(t, err.Error(), tt.want, tt.args)
	}
}

// TestCameraFlagsAccepted: the harness starts gstsender with the camera's
// flags (internal/contract); every one of them exists here with the same
// meaning.
func TestCameraFlagsAccepted(t *testing.T) {
	var stderr bytes.Buffer
	_, err := parseFlags([]string{"--help"}, &stderr)
	require.ErrorIs(t, err, flag.ErrHelp)
	for _, name := range contract.CameraFlags() {
		line := "\n  -" + name
		assert.True(t, strings.Contains(stderr.String(), line+" ") || strings.Contains(stderr.String(), line+"\n"), "gstsender has --%s", name)
	}
}
