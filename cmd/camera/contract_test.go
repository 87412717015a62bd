package main

import (
	"errors"
	"flag"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"echtzeit/internal/contract"
)

// TestFlagsMatchContract checks that the camera has every flag the harness
// passes (internal/contract).
func TestFlagsMatchContract(t *testing.T) {
	var help strings.Builder
	_, err := parseFlags([]string{"--help"}, &help)
	require.True(t, errors.Is(err, flag.ErrHelp), "err = %v", err)
	for _, name := range append(contract.CameraFlags(), contract.EchtzeitCameraFlags()...) {
		assert.Regexp(t, `\n  -`+regexp.QuoteMeta(name)+`[ \n]`, help.String(), "flag --%s", name)
	}
}
