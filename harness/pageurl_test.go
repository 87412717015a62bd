package harness

import (
	"net/url"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"echtzeit/harness/results"
	"echtzeit/harness/scenario"
	"echtzeit/signaling/protocol"
)

// TestPageURLChart: a trial without the chart opens its pages with chart=0;
// with it (or unset, as for a remote camera's request URL) the URL has no chart key.
func TestPageURLChart(t *testing.T) {
	on, off := true, false
	for _, tt := range []struct {
		name  string
		chart *bool
		want  string
	}{
		{"with chart", &on, ""},
		{"without chart", &off, "0"},
		{"unset", nil, ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			mt := &mediaTrial{
				sp:   scenario.Spec{Params: results.Params{Chart: tt.chart}},
				ep:   &endpoint{baseURL: "https://127.0.0.1:8443"},
				room: protocol.NewRoomID(),
			}
			u, err := url.Parse(mt.pageURL(url.Values{"request": {"640x360@30"}}))
			require.NoError(t, err)
			assert.Equal(t, string(mt.room), u.Query().Get("room"))
			assert.Equal(t, "640x360@30", u.Query().Get("request"))
			assert.Equal(t, tt.want, u.Query().Get("chart"))
			assert.Equal(t, tt.want != "", u.Query().Has("chart"))
		})
	}
}
