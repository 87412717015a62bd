package stats_test

import (
	"fmt"
	"time"

	"echtzeit/harness/stats"
)

func ExampleSummarize() {
	// One-second fps values of a trial's measurement window.
	fps := []float64{30, 29, 31, 15, 30}
	s, err := stats.Summarize(fps)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("n=%d mean=%.1f p5=%.1f p50=%.1f p95=%.1f\n", s.N, s.Mean, s.P5, s.P50, s.P95)
	// Output: n=5 mean=27.0 p5=17.8 p50=30.0 p95=30.8
}

func ExampleFPS() {
	t0 := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	framesDecoded := []stats.Sample{
		{Time: t0, Value: 0},
		{Time: t0.Add(time.Second), Value: 30},
		{Time: t0.Add(2500 * time.Millisecond), Value: 60},
	}
	fmt.Println(stats.FPS(framesDecoded))
	// Output: [30 20]
}
