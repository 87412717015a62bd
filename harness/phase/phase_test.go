package phase

import (
	"encoding/json"
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func ptr(v float64) *float64 { return &v }

func TestParseAndString(t *testing.T) {
	for _, p := range All() {
		got, err := Parse(p.String())
		require.NoError(t, err)
		assert.Equal(t, p, got)
	}
	tests := []struct {
		in      string
		wantErr bool
	}{
		{"wsOpen", false}, {"firstFrame", false}, {"unknown", true}, {"", true}, {"WSOPEN", true},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			_, err := Parse(tc.in)
			assert.Equal(t, tc.wantErr, err != nil)
		})
	}
	assert.Equal(t, "unknown", Phase(99).String())
	assert.Equal(t, Navigation, All()[0])
	assert.Equal(t, []Phase{PageLoaded, WSOpen, Hello, Joined, Offer, Answer, ICEConnected, DTLSConnected, FirstFrame}, Setup())
}

func TestTimesJSON(t *testing.T) {
	tests := []struct {
		name string
		set  map[Phase]float64
		want string
	}{
		{"empty", nil, `{"pageLoaded":null,"wsOpen":null,"hello":null,"joined":null,"offer":null,"answer":null,"iceConnected":null,"dtlsConnected":null,"firstFrame":null}`},
		{"some", map[Phase]float64{WSOpen: 10, FirstFrame: 300.5},
			`{"pageLoaded":null,"wsOpen":10,"hello":null,"joined":null,"offer":null,"answer":null,"iceConnected":null,"dtlsConnected":null,"firstFrame":300.5}`},
		{"navigation", map[Phase]float64{Navigation: 1.7e12, Hello: 1.7e12 + 3},
			`{"navigation":1700000000000,"pageLoaded":null,"wsOpen":null,"hello":1700000000003,"joined":null,"offer":null,"answer":null,"iceConnected":null,"dtlsConnected":null,"firstFrame":null}`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var ts Times
			for p, v := range tc.set {
				ts.Set(p, ptr(v))
			}
			b, err := json.Marshal(ts)
			require.NoError(t, err)
			assert.Equal(t, tc.want, string(b))
			var back Times
			require.NoError(t, json.Unmarshal(b, &back))
			assert.Equal(t, ts, back)
		})
	}
}

func TestTimesUnmarshalIgnoresUnknown(t *testing.T) {
	var ts Times
	require.NoError(t, json.Unmarshal([]byte(`{"navigation":5,"offer":null,"dtls":7,"answer":9}`), &ts))
	assert.Equal(t, 5.0, *ts.Get(Navigation))
	assert.Nil(t, ts.Get(Offer))
	assert.Equal(t, 9.0, *ts.Get(Answer))
	assert.Error(t, json.Unmarshal([]byte(`[1]`), &ts))
}

func TestTimesSetGetShiftLast(t *testing.T) {
	var ts Times
	assert.Equal(t, Unknown, ts.Last())
	ts.Set(Navigation, ptr(1000))
	ts.Set(WSOpen, ptr(1100))
	ts.Set(ICEConnected, ptr(1400))
	ts.Set(Hello, ptr(math.NaN()))
	ts.Set(Unknown, ptr(1))
	assert.Nil(t, ts.Get(Hello))
	assert.Nil(t, ts.Get(Unknown))
	assert.Equal(t, ICEConnected, ts.Last())

	rel := ts.Shift(1000)
	assert.Nil(t, rel.Get(Navigation))
	assert.Equal(t, 100.0, *rel.Get(WSOpen))
	assert.Equal(t, 400.0, *rel.Get(ICEConnected))

	ts.Set(ICEConnected, nil)
	assert.Equal(t, WSOpen, ts.Last())
	// Get returns a copy: changing it does not change the times.
	*ts.Get(WSOpen) = 0
	assert.Equal(t, 1100.0, *ts.Get(WSOpen))
}

func TestSegments(t *testing.T) {
	// Milliseconds from navigation, as a trial records them.
	var ts Times
	for p, v := range map[Phase]float64{PageLoaded: 120, WSOpen: 130, Hello: 135, Joined: 140, Offer: 150, Answer: 170,
		ICEConnected: 185, DTLSConnected: 200, FirstFrame: 260} {
		ts.Set(p, ptr(v))
	}
	var names []string
	sum := 0.0
	for _, s := range Segments() {
		d, ok := s.Duration(ts)
		require.True(t, ok, s.Name)
		names = append(names, s.Name)
		sum += d
	}
	assert.Equal(t, []string{"page load", "signaling", "ICE + DTLS", "first frame"}, names)
	assert.Equal(t, 260.0, sum, "the segments add up to the setup time")
	d, _ := Segments()[0].Duration(ts)
	assert.Equal(t, 120.0, d)

	// On the page's clock (Unix ms, navigation set) the same durations.
	abs := Times{}
	abs.Set(Navigation, ptr(1e12))
	for _, p := range Setup() {
		if v := ts.Get(p); v != nil {
			abs.Set(p, ptr(1e12+*v))
		}
	}
	for _, s := range Segments() {
		a, _ := s.Duration(abs)
		r, _ := s.Duration(ts)
		assert.Equal(t, r, a, s.Name)
	}
	ts.Set(DTLSConnected, nil)
	_, ok := Segments()[2].Duration(ts)
	assert.False(t, ok, "a bound not reached")
}
