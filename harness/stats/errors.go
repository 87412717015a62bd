package stats

import "errors"

var (
	// ErrEmpty is returned when a statistic is asked of an empty series (or of
	// a series with no usable interval).
	ErrEmpty = errors.New("no values")
	// ErrNaN is returned when a series contains NaN.
	ErrNaN = errors.New("value is NaN")
	// ErrPercentile is returned for a percentile outside 0–100.
	ErrPercentile = errors.New("percentile must be between 0 and 100")
)
