package results

// Names of the files inside a run folder (see the package documentation).
const (
	FileScenario    = "scenario.yaml"
	FileEnvironment = "environment.json"
	FileTrials      = "trials.jsonl"
	FileSamples     = "samples.csv"
	FileLog         = "harness.log"
)
