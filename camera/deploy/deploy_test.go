package deploy

import (
	"bufio"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"echtzeit/camera/passthrough"
)

// unit parses a systemd unit into section → key → values (keys may repeat).
func unit(t *testing.T, path string) map[string]map[string][]string {
	t.Helper()
	f, err := os.Open(path)
	require.NoError(t, err)
	defer f.Close()
	out := map[string]map[string][]string{}
	section := ""
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		switch {
		case line == "" || strings.HasPrefix(line, "#") || strings.HasPrefix(line, ";"):
		case strings.HasPrefix(line, "[") && strings.HasSuffix(line, "]"):
			section = strings.Trim(line, "[]")
			out[section] = map[string][]string{}
		default:
			k, v, ok := strings.Cut(line, "=")
			require.True(t, ok, "line %q is not key=value", line)
			require.NotEmpty(t, section, "key %s outside a section", k)
			out[section][k] = append(out[section][k], v)
		}
	}
	require.NoError(t, sc.Err())
	return out
}

// cameraFlags returns the flag names cmd/camera defines.
func cameraFlags(t *testing.T) map[string]bool {
	t.Helper()
	src, err := os.ReadFile(filepath.Join("..", "..", "cmd", "camera", "run.go"))
	require.NoError(t, err)
	flags := map[string]bool{}
	for _, m := range regexp.MustCompile(`fs\.\w+Var\(&o\.\w+, "([a-z0-9-]+)"`).FindAllSubmatch(src, -1) {
		flags[string(m[1])] = true
	}
	require.Contains(t, flags, "signaling", "cmd/camera's flags were not found")
	return flags
}

var flagRE = regexp.MustCompile(`(?:^|\s)--([a-z][a-z0-9-]*)`)

func TestUnit(t *testing.T) {
	u := unit(t, "echtzeit-camera.service")
	svc := u["Service"]
	require.NotNil(t, svc)
	one := func(k string) string {
		require.Len(t, svc[k], 1, "[Service] %s", k)
		return svc[k][0]
	}
	assert.Equal(t, "always", one("Restart"))
	assert.Equal(t, "echtzeit-camera", one("User"))
	assert.Equal(t, "echtzeit-camera", one("StateDirectory"))
	assert.Equal(t, "yes", one("NoNewPrivileges"))
	assert.Equal(t, "strict", one("ProtectSystem"))
	assert.Equal(t, "", one("CapabilityBoundingSet"), "no capabilities")
	assert.Equal(t, []string{"multi-user.target"}, u["Install"]["WantedBy"])
	assert.Equal(t, []string{"0"}, u["Unit"]["StartLimitIntervalSec"], "restarts are never rate-limited away")

	exec := strings.Fields(one("ExecStart"))
	assert.Equal(t, "/usr/local/bin/echtzeit-camera", exec[0])
	assert.Contains(t, one("ExecStart"), "--room-file %S/echtzeit-camera/room-id", "the room file lives in the state directory")
	assert.Contains(t, one("ExecStart"), "--source rpicam")
	flags := cameraFlags(t)
	for _, m := range flagRE.FindAllStringSubmatch(one("ExecStart"), -1) {
		assert.True(t, flags[m[1]], "ExecStart uses --%s, which cmd/camera does not define", m[1])
	}
}

// TestUnitVerify runs systemd-analyze verify on the unit (with a binary that
// exists here in place of /usr/local/bin/echtzeit-camera).
func TestUnitVerify(t *testing.T) {
	sa, err := exec.LookPath("systemd-analyze")
	if err != nil {
		t.Skip("systemd-analyze not installed")
	}
	text, err := os.ReadFile("echtzeit-camera.service")
	require.NoError(t, err)
	dir := t.TempDir()
	path := filepath.Join(dir, "echtzeit-camera.service")
	require.NoError(t, os.WriteFile(path, []byte(strings.ReplaceAll(string(text), "/usr/local/bin/echtzeit-camera", "/bin/true")), 0o644))
	out, err := exec.Command(sa, "verify", path).CombinedOutput()
	var problems []string
	for _, line := range strings.Split(string(out), "\n") {
		if strings.Contains(line, "echtzeit-camera.service") {
			problems = append(problems, line)
		}
	}
	assert.Empty(t, problems, "systemd-analyze verify:\n%s", out)
	if err != nil && len(problems) > 0 {
		t.Logf("systemd-analyze exit: %v", err)
	}
}

// TestReadme checks that the Pi guide (the top-level README's section) names
// flags that exist and build outputs that make pi produces.
func TestReadme(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	require.NoError(t, err)
	readme := string(b)
	require.Contains(t, readme, "## Run the camera on a Raspberry Pi")
	flags := cameraFlags(t)
	// Every --flag on a line that configures the camera.
	for _, line := range strings.Split(readme, "\n") {
		if !strings.Contains(line, "ECHTZEIT_CAMERA_ARGS=") && !strings.Contains(line, "rpicam-command") {
			continue
		}
		for _, m := range flagRE.FindAllStringSubmatch(line, -1) {
			assert.True(t, flags[m[1]], "README uses camera flag --%s, which cmd/camera does not define: %q", m[1], line)
		}
	}
	mk, err := os.ReadFile(filepath.Join("..", "..", "Makefile"))
	require.NoError(t, err)
	for _, out := range []string{"camera-linux-arm64", "camera-linux-armv7"} {
		assert.Contains(t, readme, "bin/"+out)
		assert.Contains(t, string(mk), "$(BIN)/"+out, "make pi builds %s", out)
	}
	assert.Contains(t, readme, "/var/lib/echtzeit-camera/room-id")
	assert.Contains(t, readme, passthrough.DefaultRpicamCommand, "the guide shows the real default command")
}
