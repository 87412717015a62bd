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
	assert.Equal(t, []Phase{WSOpen, Hello, Joined, Offer, Answer, ICEConnected, FirstFrame}, Setup())
}

func TestTimesJSON(t *testing.T) {
	tests := []struct {
		name string
		set  map[Phase]float64
		want string
	}{
		{"empty", nil, `{"wsOpen":null,"hello":null,"joined":null,"offer":null,"answer":null,"iceConnected":null,"firstFrame":null}`},
		{"some", map[Phase]float64{WSOpen: 10, FirstFrame: 300.5},
			`{"wsOpen":10,"hello":null,"joined":null,"offer":null,"answer":null,"iceConnected":null,"firstFrame":300.5}`},
		{"navigation", map[Phase]float64{Navigation: 1.7e12, Hello: 1.7e12 + 3},
			`{"navigation":1700000000000,"wsOpen":null,"hello":1700000000003,"joined":null,"offer":null,"answer":null,"iceConnected":null,"firstFrame":null}`},
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
