package reports

import (
	"cmp"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"

	"echtzeit/harness/results"
)

// run is everything Render reads from a run folder.
type run struct {
	env      results.Environment
	trials   []results.Trial // ordered by Index
	samples  []results.Sample
	scenario []byte
	// notes say what was missing or odd in the folder; they go into the report.
	notes []string
	// byTrial indexes samples by trial (built on first use, trialSamples).
	byTrial map[int][]results.Sample
}

// loadRun reads the run folder dir. environment.json is required; a missing
// trials.jsonl or samples.csv (a run killed early) is noted, not an error.
func loadRun(dir string) (*run, error) {
	r := &run{}
	env, err := results.ReadEnvironment(filepath.Join(dir, results.FileEnvironment))
	if err != nil {
		return nil, fmt.Errorf("run folder %s: %w", dir, err)
	}
	r.env = env

	r.trials, err = results.ReadTrials(filepath.Join(dir, results.FileTrials))
	switch {
	case errors.Is(err, fs.ErrNotExist):
		r.notes = append(r.notes, results.FileTrials+" is missing: the run recorded no trial.")
	case err != nil:
		return nil, fmt.Errorf("run folder %s: %w", dir, err)
	}
	slices.SortStableFunc(r.trials, func(a, b results.Trial) int { return cmp.Compare(a.Index, b.Index) })

	r.samples, err = results.ReadSamples(filepath.Join(dir, results.FileSamples))
	switch {
	case errors.Is(err, fs.ErrNotExist):
		r.notes = append(r.notes, results.FileSamples+" is missing: no once-a-second series.")
	case err != nil:
		return nil, fmt.Errorf("run folder %s: %w", dir, err)
	}

	r.scenario, err = os.ReadFile(filepath.Join(dir, results.FileScenario))
	switch {
	case errors.Is(err, fs.ErrNotExist):
		r.notes = append(r.notes, results.FileScenario+" is missing.")
	case err != nil:
		return nil, fmt.Errorf("run folder %s: read scenario: %w", dir, err)
	}
	return r, nil
}

// ofKind returns the trials of kind k, in run order.
func (r *run) ofKind(k results.Kind) []results.Trial {
	var out []results.Trial
	for _, t := range r.trials {
		if t.Kind == k {
			out = append(out, t)
		}
	}
	return out
}

// media returns the camera-to-browser and browser-to-browser trials that
// ran under the thesis's conditions (no emulated network, or lan on both
// sides; one viewer, no NAT/relay path): the plots per resolution and the
// thesis comparison use them; the others are in the Networks, Paths and
// viewers sections.
func (r *run) media() []results.Trial {
	var out []results.Trial
	for _, t := range r.trials {
		if isMedia(t.Kind) && plain(t) && single(t) {
			out = append(out, t)
		}
	}
	return out
}

func isMedia(k results.Kind) bool {
	return k == results.KindCameraToBrowser || k == results.KindBrowserToBrowser
}
