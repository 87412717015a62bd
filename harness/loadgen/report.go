package loadgen

import (
	"echtzeit/harness/results"
	"time"
)

// Phase names.
const (
	PhaseConnect = "connect" // dialing and joining (idle, steady)
	PhaseSettle  = "settle"  // connected, nothing sent
	PhaseIdle    = "idle"    // the measured idle phase (ModeIdle), or the idle rest of a session window
	PhaseSteady  = "steady"  // the measured signalling phase (ModeSteady)
	PhaseDrain   = "drain"   // senders stopped, signals in flight still counted
	PhaseSetup   = "setup"   // ModeSession: first dial until every pair has exchanged its session
	PhaseWindow  = "window"  // ModeSession: setup and idle together, Config.Duration long
)

// Phase is one stretch of a run with the CPU spent in it.
type Phase struct {
	// LoadPhase is what a trial records of the phase (name, seconds, the
	// server's CPU and RSS, the generator's CPU); its JSON fields are the
	// Phase's own.
	results.LoadPhase
	Start time.Time `json:"start"`
	End   time.Time `json:"end"`
}

// Report is the outcome of a run.
type Report struct {
	Mode         Mode     `json:"mode"`
	URLs         []string `json:"urls"`
	Participants int      `json:"participants"`
	// Connected is the number of participants that joined their room.
	Connected  int     `json:"connected"`
	Failures   int     `json:"failures"`
	FirstError string  `json:"firstError,omitempty"`
	Sources    int     `json:"sources"`
	ConnectMs  float64 `json:"connectMs"`
	// Rate and SignalBytes of ModeSteady.
	Rate        float64 `json:"rate,omitempty"`
	SignalBytes int     `json:"signalBytes,omitempty"`
	Aligned     bool    `json:"aligned,omitempty"`
	Phases      []Phase `json:"phases"`
	// ServerBaselineRSSBytes is the server's RSS before the first dial.
	ServerBaselineRSSBytes *int64 `json:"serverBaselineRssBytes,omitempty"`
	// Messages counts signals sent and received by the participants.
	MessagesSent      int64 `json:"messagesSent"`
	MessagesDelivered int64 `json:"messagesDelivered"`
	MessagesLost      int64 `json:"messagesLost"`
	// Relay latency (send → receive, same clock) of steady signals sent in the
	// measured phase.
	LatencyP50Ms *float64 `json:"latencyP50Ms,omitempty"`
	LatencyP95Ms *float64 `json:"latencyP95Ms,omitempty"`
	// SetupP50Ms/P95Ms: ModeSession, a pair's first dial until both have
	// the other's description and end of candidates.
	SetupP50Ms *float64 `json:"setupP50Ms,omitempty"`
	SetupP95Ms *float64 `json:"setupP95Ms,omitempty"`
	// SessionsDone is the number of pairs that finished their exchange.
	SessionsDone int `json:"sessionsDone,omitempty"`
	// Host is where the generator ran; LoadgenCPUPct its CPU over the whole
	// run, LoadgenPeakRSSBytes its peak RSS.
	Host                string  `json:"host"`
	LoadgenCPUPct       float64 `json:"loadgenCpuPct"`
	LoadgenPeakRSSBytes int64   `json:"loadgenPeakRssBytes"`
}

// Phase returns the phase called name, if the run had it.
func (r *Report) Phase(name string) (Phase, bool) {
	for _, p := range r.Phases {
		if p.Name == name {
			return p, true
		}
	}
	return Phase{}, false
}

// Event is a progress report: a phase began or ended, or (EventProgress,
// every Config.ProgressEvery) the counters so far.
type Event struct {
	// Event is "phase-start", "phase-end" or "progress".
	Event string    `json:"event"`
	Phase string    `json:"phase,omitempty"`
	At    time.Time `json:"at"`
	// Connected is the number of joined participants so far.
	Connected int `json:"connected"`
	// Sent and Delivered count the signals so far.
	Sent      int64 `json:"sent,omitempty"`
	Delivered int64 `json:"delivered,omitempty"`
}

// Event kinds.
const (
	EventPhaseStart = "phase-start"
	EventPhaseEnd   = "phase-end"
	EventProgress   = "progress"
)
