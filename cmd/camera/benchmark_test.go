package main

import (
	"bytes"
	"context"
	"regexp"
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var benchLine = regexp.MustCompile(`frames=(\d+) fps=([\d.]+) cpu-cores=([\d.]+) frames-per-cpu-second=([\d.]+) encode-mean-ms=([\d.]+) dropped=(\d+)`)

// TestBenchmark runs --benchmark on the synthetic source (both software
// encoders) and on a pass-through clip, and checks that frames were counted.
func TestBenchmark(t *testing.T) {
	tests := []struct {
		name    string
		args    []string
		encodes bool
	}{
		{"synthetic vp8", []string{"--source", "synthetic", "--codec", "vp8"}, true},
		{"synthetic h264", []string{"--source", "synthetic", "--codec", "h264"}, true},
		{"h264 clip", []string{"--source", "file", "--file", "../../testdata/media/testsrc-160x120-15fps-aud.h264", "--width", "160", "--height", "120", "--fps", "15"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := append([]string{"--benchmark", "--benchmark-duration", "1500ms", "--width", "160", "--height", "90", "--fps", "30",
				"--metrics-addr", "off", "--room", "ab" + string(bytes.Repeat([]byte("cd"), 31))}, tt.args...)
			var stdout, stderr bytes.Buffer
			require.NoError(t, run(context.Background(), args, &stdout, &stderr), stderr.String())
			m := benchLine.FindStringSubmatch(stdout.String())
			require.NotNil(t, m, stdout.String())
			frames, _ := strconv.Atoi(m[1])
			assert.Positive(t, frames)
			perCPU, _ := strconv.ParseFloat(m[4], 64)
			assert.Positive(t, perCPU)
			enc, _ := strconv.ParseFloat(m[5], 64)
			assert.Equal(t, tt.encodes, enc > 0, "encode time only for software encoding")
			t.Log(stdout.String())
		})
	}
	var stdout, stderr bytes.Buffer
	err := run(context.Background(), []string{"--benchmark", "--benchmark-duration", "0s", "--metrics-addr", "off"}, &stdout, &stderr)
	require.Error(t, err)
}
