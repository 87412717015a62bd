package reports

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"echtzeit/harness/results"
)

// withSenderCPU gives t its sender process's CPU and the budget's throttling.
func withSenderCPU(t results.Trial, cpu float64) results.Trial {
	t.Processes = map[string]results.ProcessStats{senderProcess(t): {CPUPct: cpu, Samples: 5}}
	if t.Params.CPUCores != nil {
		t.CPUBudget = &results.BudgetStats{Cgroup: "v1", Periods: 100, Throttled: 40}
	}
	return t
}

func TestBudgetSection(t *testing.T) {
	cam := results.KindCameraToBrowser
	ts := []results.Trial{
		withSenderCPU(gstTrial("vp8", 160, 90, 29, "host"), 35),
		withSenderCPU(gstTrial("vp8", 160, 90, 14, "pi4"), 118),
		withSenderCPU(gstTrial("vp8", 1280, 720, 4, "pi4"), 140), // over 1.2 cores + 10 %
		withSenderCPU(budgetTrial(mediaTrial(cam, "vp8", 160, 90, 30), "pi4"), 20),
		budgetTrial(mediaTrial(cam, "vp8", 1280, 720, 0), "pi4"), // failed
		mediaTrial(cam, "vp8", 160, 90, 30),                      // no budget: not in the section
	}
	for i := range ts {
		ts[i].Index = i
	}
	r := &run{env: results.Environment{CPUModel: "CPU X"}, trials: ts}
	md := string(buildDocument(r, nil).markdown())
	assert.Contains(t, md, "## Senders under CPU budgets")
	assert.Contains(t, md, "| resolution | camera VP8 cpu pi4 fps | CPU % | GStreamer VP8 cpu host fps | CPU % | GStreamer VP8 cpu pi4 fps | CPU % |",
		"trials without a budget are not in the section")
	assert.Contains(t, md, "| 160×90 | 30.0 | 20 | 29.0 | 35 | 14.0 | 118 |")
	assert.Contains(t, md, "| 1280×720 | failed | – | – | – | 4.0 | 140 |")
	assert.Contains(t, md, "| GStreamer VP8 cpu pi4 | 1.20 | 2 | 129.0 | 140.0 | 1 of 2 | 40.0 |")
	assert.Contains(t, md, "| camera VP8 cpu pi4 | 1.20 | 2 | 20.0 | 20.0 | 1 of 1 | 40.0 |")
	assert.Contains(t, md, "| GStreamer sender | pi4 | 2 of 2 |")
	assert.Contains(t, md, "| echtzeit camera | pi4 | 1 of 2 | 50.0 |")
	assert.Contains(t, md, "| 4 | 1280x720 | VP8 | – | – | pi4 | 1 | failed", "sender and cpu columns")
}
