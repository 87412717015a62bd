package results

import (
	"encoding/json"
	"fmt"
	"os"
	"time"
)

// Environment describes the machine and software a run measured on
// (environment.json).
type Environment struct {
	// Scenario is the scenario's name (its "name" key, or the file's base name).
	Scenario string `json:"scenario"`
	// ScenarioFile is the path the scenario was loaded from.
	ScenarioFile string `json:"scenarioFile,omitempty"`
	// StartTime is when the run started (UTC).
	StartTime time.Time `json:"startTime"`
	// EndTime is when the run ended; zero while it runs or when it was killed.
	EndTime  time.Time `json:"endTime,omitzero"`
	Hostname string    `json:"hostname"`
	// CPUModel is the "model name" of /proc/cpuinfo.
	CPUModel string `json:"cpuModel"`
	// Cores is the number of logical CPUs the harness may use.
	Cores int `json:"cores"`
	// Kernel is the kernel release (uname -r).
	Kernel string `json:"kernel"`
	OS     string `json:"os"`
	Arch   string `json:"arch"`
	// MemTotalBytes is MemTotal of /proc/meminfo.
	MemTotalBytes int64 `json:"memTotalBytes,omitempty"`
	// GoVersion is the Go version the harness was built with.
	GoVersion string `json:"goVersion"`
	// ChromiumVersion is the output of `chromium --version`, empty if unknown.
	ChromiumVersion string `json:"chromiumVersion"`
	// GitCommit is the commit of the working tree the binaries were built from;
	// GitDirty is true when it had uncommitted changes.
	GitCommit string `json:"gitCommit"`
	GitDirty  bool   `json:"gitDirty"`
	// Remote is true when the camera was not started by the harness (a Pi).
	Remote bool `json:"remote"`
	// SignalingURL is the signaling server the trials used in remote mode.
	SignalingURL string `json:"signalingURL,omitempty"`
	// CameraMetricsURL is the remote camera's Prometheus /metrics URL, if any.
	CameraMetricsURL string `json:"cameraMetricsURL,omitempty"`
	// Binaries maps a binary's role (camera, signaling) to the path that was run.
	Binaries map[string]string `json:"binaries,omitempty"`
	// Warnings lists what the harness noticed about the environment (e.g. "not in
	// a private network namespace").
	Warnings []string `json:"warnings,omitempty"`
}

// WriteEnvironment writes env to path as indented JSON, replacing the file, and
// syncs it to disk.
func WriteEnvironment(path string, env Environment) error {
	data, err := json.MarshalIndent(env, "", "  ")
	if err != nil {
		return fmt.Errorf("encode environment: %w", err)
	}
	data = append(data, '\n')
	return writeFileSync(path, data)
}

// ReadEnvironment reads an environment.json.
func ReadEnvironment(path string) (Environment, error) {
	var env Environment
	data, err := os.ReadFile(path)
	if err != nil {
		return env, fmt.Errorf("read environment: %w", err)
	}
	if err := json.Unmarshal(data, &env); err != nil {
		return env, fmt.Errorf("decode environment %s: %w", path, err)
	}
	return env, nil
}

func writeFileSync(path string, data []byte) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return fmt.Errorf("create %s: %w", path, err)
	}
	if _, err := f.Write(data); err != nil {
		_ = f.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := f.Sync(); err != nil {
		_ = f.Close()
		return fmt.Errorf("sync %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("close %s: %w", path, err)
	}
	return nil
}
