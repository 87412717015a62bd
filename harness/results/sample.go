package results

import (
	"bufio"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"strconv"
	"time"
)

// Sample is one row of samples.csv: what one probe saw at one moment of a trial.
// Rows with Process == ProcessViewer carry the viewer page's stats; rows with a
// process name (ProcessCamera, ProcessBrowser, ...) carry CPUPct and RSSBytes.
// Float fields that a row does not measure are NaN (an empty CSV cell).
type Sample struct {
	// Trial is the Trial.Index the row belongs to.
	Trial int
	// T is the seconds since the trial's start (Trial.Start).
	T float64
	// Time is the wall-clock time of the reading.
	Time time.Time
	// Measuring is true inside the measurement window, false during warm-up and
	// setup.
	Measuring bool
	// Process is ProcessViewer, ProcessLoad or a measured process's name.
	Process string
	// Network is the trial's sender network (Params.Network), "" without one.
	Network string

	// Viewer rows.
	FPS           float64 // frames decoded per second since the previous row
	Width, Height int     // decoded frame size, 0 when unknown
	FramesDecoded float64 // cumulative, as getStats reports it
	FramesDropped float64 // cumulative
	BitrateKbps   float64
	PacketLossPct float64
	JitterMs      float64
	// LatencyMs is the median frame-code latency of the frames decoded since the
	// previous row.
	LatencyMs float64

	// Process rows.
	CPUPct   float64 // since the previous row, 100 = one core
	RSSBytes float64 // summed over the process tree

	// Load rows: signals delivered per second since the previous row.
	MessagesPerSecond float64

	// RTTMs is the viewer's candidate-pair round-trip time (viewer rows).
	RTTMs float64
	// LinkKbps is the media path's capacity over the last second (link rows).
	LinkKbps float64
	// TargetKbps is the sender's target bitrate (sender rows).
	TargetKbps float64
}

// NewSample returns a Sample with every float field NaN (unmeasured).
func NewSample(trial int, process string) Sample {
	n := math.NaN()
	return Sample{
		Trial: trial, Process: process, T: n,
		FPS: n, FramesDecoded: n, FramesDropped: n, BitrateKbps: n, PacketLossPct: n,
		JitterMs: n, LatencyMs: n, CPUPct: n, RSSBytes: n, MessagesPerSecond: n,
		RTTMs: n, LinkKbps: n, TargetKbps: n,
	}
}

// SampleColumns is the header row of samples.csv.
var SampleColumns = []string{
	"trial", "t_s", "time_unix_ms", "measuring", "process",
	"fps", "width", "height", "frames_decoded", "frames_dropped",
	"bitrate_kbps", "packet_loss_pct", "jitter_ms", "latency_ms",
	"cpu_pct", "rss_bytes", "messages_per_s",
	"network", "rtt_ms", "link_kbps", "target_kbps",
}

func (s Sample) record() []string {
	return []string{
		strconv.Itoa(s.Trial), formatFloat(s.T), strconv.FormatInt(s.Time.UnixMilli(), 10),
		strconv.FormatBool(s.Measuring), s.Process,
		formatFloat(s.FPS), formatInt(s.Width), formatInt(s.Height),
		formatFloat(s.FramesDecoded), formatFloat(s.FramesDropped),
		formatFloat(s.BitrateKbps), formatFloat(s.PacketLossPct), formatFloat(s.JitterMs),
		formatFloat(s.LatencyMs), formatFloat(s.CPUPct), formatFloat(s.RSSBytes),
		formatFloat(s.MessagesPerSecond),
		s.Network, formatFloat(s.RTTMs), formatFloat(s.LinkKbps), formatFloat(s.TargetKbps),
	}
}

func formatFloat(f float64) string {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return ""
	}
	return strconv.FormatFloat(f, 'f', -1, 64)
}

func formatInt(i int) string {
	if i == 0 {
		return ""
	}
	return strconv.Itoa(i)
}

// SampleWriter appends rows to a samples.csv. It is not safe for concurrent use.
type SampleWriter struct {
	f *os.File
	w *csv.Writer
}

// OpenSampleWriter opens (creating or appending to) the samples file at path and
// writes the header when the file is new or empty.
func OpenSampleWriter(path string) (*SampleWriter, error) {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644)
	if err != nil {
		return nil, fmt.Errorf("open samples: %w", err)
	}
	st, err := f.Stat()
	if err != nil {
		_ = f.Close()
		return nil, fmt.Errorf("stat samples: %w", err)
	}
	sw := &SampleWriter{f: f, w: csv.NewWriter(f)}
	if st.Size() == 0 {
		if err := sw.w.Write(SampleColumns); err != nil {
			_ = f.Close()
			return nil, fmt.Errorf("write samples header: %w", err)
		}
	}
	return sw, nil
}

// Write buffers one row; Flush writes it out.
func (sw *SampleWriter) Write(s Sample) error {
	if err := sw.w.Write(s.record()); err != nil {
		return fmt.Errorf("write sample: %w", err)
	}
	return nil
}

// Flush writes the buffered rows and syncs the file to disk.
func (sw *SampleWriter) Flush() error {
	sw.w.Flush()
	if err := sw.w.Error(); err != nil {
		return fmt.Errorf("flush samples: %w", err)
	}
	if err := sw.f.Sync(); err != nil {
		return fmt.Errorf("sync samples: %w", err)
	}
	return nil
}

// Close flushes and closes the file.
func (sw *SampleWriter) Close() error {
	return errors.Join(sw.Flush(), sw.f.Close())
}

// ReadSamples reads a samples.csv. Empty cells become NaN (0 for Width and
// Height). Columns are found by their header name, so files with extra columns
// (added later) read fine; a torn last row is ignored.
func ReadSamples(path string) ([]Sample, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("open samples: %w", err)
	}
	defer func() { _ = f.Close() }()
	return DecodeSamples(f)
}

// DecodeSamples reads samples in the samples.csv format from r (see ReadSamples).
func DecodeSamples(r io.Reader) ([]Sample, error) {
	cr := csv.NewReader(bufio.NewReader(r))
	cr.FieldsPerRecord = -1
	header, err := cr.Read()
	if errors.Is(err, io.EOF) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read samples header: %w", err)
	}
	col := make(map[string]int, len(header))
	for i, h := range header {
		col[h] = i
	}
	for _, need := range []string{"trial", "process"} {
		if _, ok := col[need]; !ok {
			return nil, fmt.Errorf("samples header lacks column %q", need)
		}
	}
	var out []Sample
	for row := 2; ; row++ {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return out, fmt.Errorf("samples row %d: %w", row, err)
		}
		if len(rec) != len(header) {
			// A torn last row: stop if nothing follows, else it is an error.
			if _, nerr := cr.Read(); errors.Is(nerr, io.EOF) {
				return out, nil
			}
			return out, fmt.Errorf("samples row %d: %d fields, header has %d", row, len(rec), len(header))
		}
		s, err := parseSample(rec, col)
		if err != nil {
			return out, fmt.Errorf("samples row %d: %w", row, err)
		}
		out = append(out, s)
	}
}

func parseSample(rec []string, col map[string]int) (Sample, error) {
	get := func(name string) string {
		if i, ok := col[name]; ok {
			return rec[i]
		}
		return ""
	}
	var firstErr error
	fl := func(name string) float64 {
		v := get(name)
		if v == "" {
			return math.NaN()
		}
		f, err := strconv.ParseFloat(v, 64)
		if err != nil && firstErr == nil {
			firstErr = fmt.Errorf("column %s: %w", name, err)
		}
		return f
	}
	in := func(name string) int {
		v := get(name)
		if v == "" {
			return 0
		}
		i, err := strconv.Atoi(v)
		if err != nil && firstErr == nil {
			firstErr = fmt.Errorf("column %s: %w", name, err)
		}
		return i
	}
	s := Sample{
		Trial:             in("trial"),
		T:                 fl("t_s"),
		Process:           get("process"),
		FPS:               fl("fps"),
		Width:             in("width"),
		Height:            in("height"),
		FramesDecoded:     fl("frames_decoded"),
		FramesDropped:     fl("frames_dropped"),
		BitrateKbps:       fl("bitrate_kbps"),
		PacketLossPct:     fl("packet_loss_pct"),
		JitterMs:          fl("jitter_ms"),
		LatencyMs:         fl("latency_ms"),
		CPUPct:            fl("cpu_pct"),
		RSSBytes:          fl("rss_bytes"),
		MessagesPerSecond: fl("messages_per_s"),
		Network:           get("network"),
		RTTMs:             fl("rtt_ms"),
		LinkKbps:          fl("link_kbps"),
		TargetKbps:        fl("target_kbps"),
	}
	if ms := get("time_unix_ms"); ms != "" {
		v, err := strconv.ParseInt(ms, 10, 64)
		if err != nil && firstErr == nil {
			firstErr = fmt.Errorf("column time_unix_ms: %w", err)
		}
		s.Time = time.UnixMilli(v).UTC()
	}
	if m := get("measuring"); m != "" {
		b, err := strconv.ParseBool(m)
		if err != nil && firstErr == nil {
			firstErr = fmt.Errorf("column measuring: %w", err)
		}
		s.Measuring = b
	}
	return s, firstErr
}
