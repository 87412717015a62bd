package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"echtzeit/camera"
	"echtzeit/signaling/protocol"
)

func TestViewerLink(t *testing.T) {
	room := protocol.RoomID(strings.Repeat("ab", 32))
	tests := []struct {
		in, want string
		bad      bool
	}{
		{"wss://cam.example:8443/ws", "https://cam.example:8443/?room=" + string(room), false},
		{"ws://127.0.0.1:8080/ws", "http://127.0.0.1:8080/?room=" + string(room), false},
		{"https://x/ws", "", true},
		{"wss:///ws", "", true},
	}
	for _, tt := range tests {
		got, err := viewerLink(tt.in, room)
		if tt.bad {
			require.Error(t, err, tt.in)
			continue
		}
		require.NoError(t, err)
		assert.Equal(t, tt.want, got)
	}
}

func TestParseFlags(t *testing.T) {
	var stderr bytes.Buffer
	o, err := parseFlags([]string{"--source", "rpicam", "--width", "640", "--height", "480", "--metrics-addr", "off"}, &stderr)
	require.NoError(t, err)
	assert.Equal(t, "rpicam", o.source)
	assert.Equal(t, 640, o.width)
	assert.False(t, o.codecSet, "--codec not given: the source's codec is used")
	o, err = parseFlags([]string{"--codec", "h264"}, &stderr)
	require.NoError(t, err)
	assert.True(t, o.codecSet)

	// --ice-loopback: auto by default, a bare flag forces it on, =false off.
	for _, tt := range []struct {
		args []string
		want camera.LoopbackMode
	}{
		{nil, camera.LoopbackAuto},
		{[]string{"--ice-loopback"}, camera.LoopbackOn},
		{[]string{"--ice-loopback=false"}, camera.LoopbackOff},
		{[]string{"--ice-loopback=auto"}, camera.LoopbackAuto},
	} {
		o, err := parseFlags(tt.args, &stderr)
		require.NoError(t, err, tt.args)
		assert.Equal(t, tt.want, o.iceLoopback, tt.args)
	}
	_, err = parseFlags([]string{"--ice-loopback=sometimes"}, &stderr)
	require.Error(t, err)

	_, err = parseFlags([]string{"--help"}, &stderr)
	require.ErrorIs(t, err, flag.ErrHelp)
	for _, name := range []string{"--signaling", "--tls-ca", "--tls-fingerprint", "--tls-insecure", "--room", "--room-file",
		"--source", "--device", "--width", "--height", "--fps", "--codec", "--bitrate", "--keyframe-interval",
		"--metrics-addr", "--ice-loopback", "--log-level", "--rpicam-command", "--file", "--max-viewers",
		"--congestion-control", "--degradation"} {
		flagLine := "\n  -" + strings.TrimLeft(name, "-")
		assert.True(t, strings.Contains(stderr.String(), flagLine+" ") || strings.Contains(stderr.String(), flagLine+"\n"), "help lists %s", name)
	}
	_, err = parseFlags([]string{"stray"}, &stderr)
	require.Error(t, err)
}

func TestTLSFlagsExcludeEachOther(t *testing.T) {
	o := options{tlsCA: "ca.pem", tlsInsecure: true}
	_, err := o.clientOptions(nil)
	require.Error(t, err)
}

func TestRoomFromFile(t *testing.T) {
	dir := t.TempDir()
	o := options{stateDir: dir}
	id, path, created, err := o.roomID()
	require.NoError(t, err)
	assert.True(t, created)
	assert.Equal(t, filepath.Join(dir, "room-id"), path)
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	assert.Equal(t, string(id)+"\n", string(data))
	again, _, created, err := o.roomID()
	require.NoError(t, err)
	assert.False(t, created)
	assert.Equal(t, id, again)

	_, _, _, err = options{room: "nope"}.roomID()
	require.ErrorIs(t, err, protocol.ErrBadID)
}

// TestRunRefusesBadConfig: configuration errors end run at once with a message
// that names the flag; nothing is left running.
func TestRunRefusesBadConfig(t *testing.T) {
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"--source", "webcam"}, "--source"},
		{[]string{"--codec", "av1"}, "--codec"},
		{[]string{"--source", "file"}, "--file"},
		{[]string{"--room", "xyz"}, "--room"},
		{[]string{"--log-level", "loud"}, "--log-level"},
		{[]string{"--vp8-encoder", "fast"}, "--vp8-encoder"},
		{[]string{"--h264-encoder", "openh264"}, "--h264-encoder"},
		{[]string{"--h264-preset", "warp"}, "--h264-preset"},
		{[]string{"--vp8-cpu-used", "-20"}, "--vp8-cpu-used"},
		{[]string{"--source", "rpicam", "--codec", "vp8"}, "rpicam"},
		{[]string{"--tls-ca", "/nonexistent/ca.pem"}, "--tls-ca"},
		{[]string{"--tls-fingerprint", "zz"}, "--tls-fingerprint"},
		{[]string{"--congestion-control", "bbr"}, "--congestion-control"},
		{[]string{"--degradation", "quality"}, "--degradation"},
		{[]string{"--max-viewers", "0"}, "--max-viewers"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			args := append([]string{"--state-dir", t.TempDir(), "--metrics-addr", "off"}, tt.args...)
			var out, errOut bytes.Buffer
			err := run(context.Background(), args, &out, &errOut)
			require.Error(t, err)
			assert.False(t, errors.Is(err, flag.ErrHelp))
			assert.Contains(t, err.Error(), tt.want)
		})
	}
}
