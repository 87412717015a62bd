package camera

import (
	"testing"

	"github.com/pion/interceptor"
	"github.com/pion/rtp"
	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestRetransmissionCounter: packets on the RTX SSRC and, without RTX, packets
// that are not newer than the newest one count as retransmissions; RTX
// packets carry their media SSRC to the pacer.
func TestRetransmissionCounter(t *testing.T) {
	m := NewMetrics()
	f := &retransmissionCounter{metrics: m}
	i, err := f.NewInterceptor("")
	require.NoError(t, err)
	var got []interceptor.Attributes
	w := i.BindLocalStream(&interceptor.StreamInfo{SSRC: 1, SSRCRetransmission: 2},
		interceptor.RTPWriterFunc(func(_ *rtp.Header, _ []byte, a interceptor.Attributes) (int, error) {
			got = append(got, a)
			return 0, nil
		}))
	write := func(ssrc uint32, seq uint16) {
		_, err := w.Write(&rtp.Header{SSRC: ssrc, SequenceNumber: seq}, make([]byte, 88), nil)
		require.NoError(t, err)
	}
	write(1, 65534)
	write(1, 65535)
	write(1, 0) // wraps: newer
	write(1, 1)
	assert.Zero(t, value(t, m.adapt.rtxPackets))
	write(2, 7)     // RTX
	write(1, 65535) // sent again without RTX
	assert.Equal(t, 2.0, value(t, m.adapt.rtxPackets))
	assert.Equal(t, 2.0*100, value(t, m.adapt.rtxBytes), "12 bytes of header and 88 of payload each")
	assert.Equal(t, uint32(1), got[4].Get(streamSSRCKey{}), "the RTX packet names its media stream")
	assert.Nil(t, got[5].Get(streamSSRCKey{}))
}

// value reads a counter.
func value(t *testing.T, c prometheus.Counter) float64 {
	t.Helper()
	var m dto.Metric
	require.NoError(t, c.Write(&m))
	return m.GetCounter().GetValue()
}
