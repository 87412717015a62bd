package scenario

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"

	"echtzeit/harness/link"
	"echtzeit/harness/results"
	"echtzeit/internal/contract"
)

// Errors of this package.
var (
	// ErrDecode wraps every error of the YAML decode (syntax, unknown or
	// duplicate keys, values of the wrong kind).
	ErrDecode = errors.New("scenario decode")
	// ErrInvalid wraps every error of Validate.
	ErrInvalid = errors.New("invalid scenario")
)

// MaxFileSize bounds the scenario files Load accepts.
const MaxFileSize = 1 << 20

// Defaults of a scenario and of its trial blocks.
const (
	DefaultWarmup      = Duration(2e9)
	DefaultSettle      = Duration(1e9)
	DefaultMeasure     = Duration(8e9)
	DefaultTimeout     = Duration(45e9)
	DefaultRepeats     = 1
	DefaultFPS         = 30
	DefaultSignalRate  = 1.0
	DefaultSignalBytes = 1000
	DefaultLoadMode    = "steady"
)

// Scenario is one experiment definition.
type Scenario struct {
	// Name names the run folder and the report; defaults to the file's base name.
	Name        string `yaml:"name"`
	Description string `yaml:"description"`
	// Warmup, Measure, Timeout and Repeats are defaults for the trial blocks.
	Warmup  Duration `yaml:"warmup"`
	Measure Duration `yaml:"measure"`
	Timeout Duration `yaml:"timeout"`
	Repeats int      `yaml:"repeats"`
	// SampleInterval is how often the viewer and the processes are sampled (1s).
	SampleInterval Duration `yaml:"sample-interval"`
	// Settle is how long a media trial's first viewer tab is open before it
	// navigates (1s; 0 for none): Chromium's work for a new tab is over, as
	// for a person who opens the link in a browser already open
	// (harness/settle.go).
	Settle    Duration  `yaml:"settle"`
	Signaling Signaling `yaml:"signaling"`
	Camera    Camera    `yaml:"camera"`
	// CPUFactors overrides the per-core speed factor of named CPU budgets
	// (board name → factor relative to one core of this machine), e.g. from
	// camera --benchmark run on the board and here (DESIGN.md "CPU budgets").
	CPUFactors map[string]float64 `yaml:"cpu-factors"`
	// Networks defines network profiles beside the built-in ones (package
	// link): name → the same fields, plus trace and schedule.
	Networks map[string]link.Spec `yaml:"networks"`
	Trials   []Block              `yaml:"trials"`

	// Source is the file's bytes as loaded (written to the run folder as is).
	Source []byte `yaml:"-"`
	// Dir is the folder the file was loaded from: trace paths of Networks
	// are relative to it ("" is the working directory).
	Dir string `yaml:"-"`
	// profiles are the resolved Networks (Validate).
	profiles map[string]*link.Profile
	// lines maps a key path ("trials[1].warmup") to its line in the file.
	lines map[string]int
}

// Signaling says which signaling server the trials use. Without URL the harness
// starts its own bin/signaling on a free loopback port.
type Signaling struct {
	// URL is a wss:// (or ws://) URL ending in /ws of a server the harness does
	// not start.
	URL string `yaml:"url"`
	// CAFile, Fingerprint (SHA-256 hex of the certificate) and Insecure say how
	// the harness and Chromium trust a remote server's TLS certificate.
	CAFile      string `yaml:"ca-file"`
	Fingerprint string `yaml:"fingerprint"`
	Insecure    bool   `yaml:"insecure"`
	// MetricsURL is the remote server's /metrics (for its CPU and RSS).
	MetricsURL string `yaml:"metrics-url"`
	// RoomCapacity is passed to a signaling server the harness starts.
	RoomCapacity int `yaml:"room-capacity"`
}

// Camera describes the camera of camera-to-browser trials.
type Camera struct {
	// Remote is true for a camera the harness does not start (a Pi): the harness
	// joins Room and asks for each format with a request signal.
	Remote bool `yaml:"remote"`
	// Room is the remote camera's room ID (64 hex characters).
	Room string `yaml:"room"`
	// MetricsURL is the remote camera's Prometheus /metrics URL.
	MetricsURL string `yaml:"metrics-url"`
	// Bitrate is passed to a camera the harness starts, in bit/s (0 = its default).
	Bitrate int `yaml:"bitrate"`
	// Args are extra command-line arguments for a camera the harness starts.
	Args []string `yaml:"args"`
}

// Block is one entry of "trials": a kind and its sweep axes.
type Block struct {
	Kind        string           `yaml:"kind"`
	Resolutions []Resolution     `yaml:"resolutions"`
	Codecs      []contract.Codec `yaml:"codecs"`
	Sources     []string         `yaml:"sources"`
	FPS         []int            `yaml:"fps"`
	// Senders are the programs that stream camera-to-browser: "echtzeit" (the
	// camera, default) and "gstreamer" (the thesis's webrtcbin sender).
	Senders []string `yaml:"senders"`
	// CPU are the CPU budgets of the sender process: "host" (no quota), a
	// board ("pi4", "pi3", "pi4:1") or a number of cores ("0.5").
	CPU []string `yaml:"cpu"`
	// Charts are the pages' live chart settings to sweep (default [true]);
	// [true, false] measures the page with and without it.
	Charts []bool `yaml:"charts"`
	// Participants are the signaling-load sizes.
	Participants []int `yaml:"participants"`
	// Rate is the signals per second each load client sends.
	Rate float64 `yaml:"rate"`
	// SignalBytes is the size of each load signal's payload.
	SignalBytes int `yaml:"signal-bytes"`
	// Modes are the signaling-load models to sweep: idle, steady (default)
	// and session (harness/loadgen).
	Modes []string `yaml:"modes"`
	// Nodes are the numbers of signaling processes to sweep (default [1]);
	// more than one runs them as a local cluster.
	Nodes []int `yaml:"nodes"`
	// Aligned makes steady senders send at the same instants.
	Aligned bool     `yaml:"aligned"`
	Warmup  Duration `yaml:"warmup"`
	Measure Duration `yaml:"measure"`
	Timeout Duration `yaml:"timeout"`
	Repeats int      `yaml:"repeats"`
	// Networks are the sender's access links to sweep (media kinds): built-in
	// or scenario-defined profile names. ViewerNetworks are the viewers'
	// (default lan). Without either, trials run without an emulated network.
	Networks       []string `yaml:"networks"`
	ViewerNetworks []string `yaml:"viewer-networks"`
	// Viewers are the numbers of viewer pages in the room (media kinds).
	Viewers []int `yaml:"viewers"`
	// Paths are the NAT/relay paths (harness/nat.Paths) between the sides.
	Paths []string `yaml:"paths"`
	// CongestionControls are the camera's --congestion-control settings to
	// sweep ("gcc", "off"; camera-to-browser with the echtzeit camera only).
	// Without it the camera runs with its default and params say nothing.
	CongestionControls []string `yaml:"congestion-control"`
}

// Load reads and decodes the scenario file at path, applies defaults and
// validates it.
func Load(path string) (*Scenario, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("open scenario: %w", err)
	}
	defer func() { _ = f.Close() }()
	data, err := io.ReadAll(io.LimitReader(f, MaxFileSize+1))
	if err != nil {
		return nil, fmt.Errorf("read scenario: %w", err)
	}
	if len(data) > MaxFileSize {
		return nil, fmt.Errorf("%w: %s is larger than %d bytes", ErrDecode, path, MaxFileSize)
	}
	s, err := Decode(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	s.Dir = filepath.Dir(path)
	if _, set := s.lines["name"]; !set {
		s.Name = strings.TrimSuffix(filepath.Base(path), filepath.Ext(path))
	}
	if err := s.Validate(); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return s, nil
}

// Decode parses a scenario strictly and applies defaults; it does not validate.
func Decode(data []byte) (*Scenario, error) {
	var s Scenario
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		return nil, fmt.Errorf("%w: %s", ErrDecode, cleanYAMLError(err))
	}
	s.lines = make(map[string]int)
	if len(root.Content) > 0 {
		collectLines(root.Content[0], "", s.lines)
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&s); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, fmt.Errorf("%w: the file is empty", ErrDecode)
		}
		return nil, fmt.Errorf("%w: %s", ErrDecode, s.nameKeys(cleanYAMLError(err)))
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("%w: more than one YAML document", ErrDecode)
	}
	s.Source = append([]byte(nil), data...)
	s.applyDefaults()
	return &s, nil
}

// cleanYAMLError turns yaml's "yaml: unmarshal errors:\n  line 3: ..." into one
// line per problem.
func cleanYAMLError(err error) string {
	msg := err.Error()
	msg = strings.TrimPrefix(msg, "yaml: ")
	msg = strings.TrimPrefix(msg, "unmarshal errors:\n")
	lines := strings.Split(msg, "\n")
	for i := range lines {
		lines[i] = strings.TrimSpace(lines[i])
	}
	return strings.Join(lines, "; ")
}

var lineRE = regexp.MustCompile(`line (\d+): `)

// nameKeys adds the key path to every "line N: " of a decode error, so the
// message names the key as well as the line.
func (s *Scenario) nameKeys(msg string) string {
	byLine := make(map[int][]string)
	for p, l := range s.lines {
		p, _, _ = strings.Cut(p, "#")
		byLine[l] = append(byLine[l], p)
	}
	return lineRE.ReplaceAllStringFunc(msg, func(m string) string {
		n, err := strconv.Atoi(lineRE.FindStringSubmatch(m)[1])
		if err != nil {
			return m
		}
		if key := commonKey(byLine[n]); key != "" {
			return fmt.Sprintf("line %d: '%s': ", n, key)
		}
		return m
	})
}

// commonKey returns the longest key path that every path in paths starts with,
// cut at a segment boundary ("trials[0].resolutions" for that key's items).
func commonKey(paths []string) string {
	if len(paths) == 0 {
		return ""
	}
	prefix := paths[0]
	for _, p := range paths[1:] {
		i := 0
		for i < len(prefix) && i < len(p) && prefix[i] == p[i] {
			i++
		}
		prefix = prefix[:i]
	}
	for _, p := range paths {
		if len(p) > len(prefix) && p[len(prefix)] != '.' && p[len(prefix)] != '[' {
			i := strings.LastIndexAny(prefix, ".[")
			if i < 0 {
				return ""
			}
			return commonKey([]string{prefix[:i]})
		}
	}
	return prefix
}

// collectLines records the line of every mapping key and sequence item under n.
func collectLines(n *yaml.Node, path string, out map[string]int) {
	switch n.Kind {
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			p := k.Value
			if path != "" {
				p = path + "." + k.Value
			}
			if _, seen := out[p]; !seen {
				out[p] = k.Line
			} else {
				// A duplicate key (rejected by the decoder): remember where.
				out[fmt.Sprintf("%s#%d", p, k.Line)] = k.Line
			}
			collectLines(v, p, out)
		}
	case yaml.SequenceNode:
		for i, c := range n.Content {
			p := fmt.Sprintf("%s[%d]", path, i)
			out[p] = c.Line
			collectLines(c, p, out)
		}
	}
}

// Line returns the line of the key at path ("trials[0].fps[1]"), or of its
// nearest ancestor that appears in the file, 0 if none.
func (s *Scenario) Line(path string) int {
	for p := path; p != ""; {
		if l, ok := s.lines[p]; ok {
			return l
		}
		i := strings.LastIndexAny(p, ".[")
		if i < 0 {
			break
		}
		p = p[:i]
	}
	return 0
}

func (s *Scenario) applyDefaults() {
	if _, set := s.lines["name"]; !set {
		s.Name = "scenario"
	}
	if _, set := s.lines["warmup"]; !set {
		s.Warmup = DefaultWarmup
	}
	if _, set := s.lines["settle"]; !set {
		s.Settle = DefaultSettle
	}
	if _, set := s.lines["measure"]; !set {
		s.Measure = DefaultMeasure
	}
	if _, set := s.lines["timeout"]; !set {
		s.Timeout = DefaultTimeout
	}
	if _, set := s.lines["repeats"]; !set {
		s.Repeats = DefaultRepeats
	}
	if _, set := s.lines["sample-interval"]; !set {
		s.SampleInterval = Duration(1e9)
	}
	if s.Signaling.RoomCapacity == 0 {
		s.Signaling.RoomCapacity = 2
	}
	for i := range s.Trials {
		b := &s.Trials[i]
		p := fmt.Sprintf("trials[%d].", i)
		if _, set := s.lines[p+"warmup"]; !set {
			b.Warmup = s.Warmup
		}
		if _, set := s.lines[p+"measure"]; !set {
			b.Measure = s.Measure
		}
		if _, set := s.lines[p+"timeout"]; !set {
			b.Timeout = s.Timeout
		}
		if _, set := s.lines[p+"repeats"]; !set {
			b.Repeats = s.Repeats
		}
		switch results.Kind(b.Kind) {
		case results.KindCameraToBrowser:
			if len(b.Codecs) == 0 {
				b.Codecs = []contract.Codec{contract.VP8}
			}
			if len(b.Sources) == 0 {
				b.Sources = []string{"synthetic"}
			}
			if len(b.Senders) == 0 {
				b.Senders = []string{results.SenderEchtzeit}
			}
		case results.KindBrowserToBrowser:
			if len(b.Codecs) == 0 {
				b.Codecs = []contract.Codec{contract.VP8}
			}
			if len(b.Sources) == 0 {
				b.Sources = []string{results.SourceFake}
			}
		case results.KindSignalingLoad:
			if _, set := s.lines[p+"rate"]; !set {
				b.Rate = DefaultSignalRate
			}
			if len(b.Modes) == 0 {
				b.Modes = []string{DefaultLoadMode}
			}
			if len(b.Nodes) == 0 {
				b.Nodes = []int{1}
			}
			if _, set := s.lines[p+"signal-bytes"]; !set {
				b.SignalBytes = DefaultSignalBytes
			}
		}
		if results.Kind(b.Kind) != results.KindSignalingLoad && len(b.FPS) == 0 {
			b.FPS = []int{DefaultFPS}
		}
		if results.Kind(b.Kind) != results.KindSignalingLoad && len(b.Viewers) == 0 {
			b.Viewers = []int{1}
		}
		if results.Kind(b.Kind) != results.KindSignalingLoad && len(b.Charts) == 0 {
			b.Charts = []bool{true}
		}
	}
}
