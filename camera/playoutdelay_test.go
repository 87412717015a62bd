package camera

import (
	"strings"
	"testing"

	"github.com/pion/interceptor"
	"github.com/pion/rtp"
	"github.com/pion/webrtc/v4"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestZeroPlayoutDelayWritesExtension(t *testing.T) {
	i, err := zeroPlayoutDelayFactory{}.NewInterceptor("")
	require.NoError(t, err)
	var got []*rtp.Header
	sink := interceptor.RTPWriterFunc(func(h *rtp.Header, payload []byte, _ interceptor.Attributes) (int, error) {
		c := h.Clone()
		got = append(got, &c)
		return len(payload), nil
	})

	// Negotiated: every packet carries min = max = 0 under the negotiated ID.
	w := i.BindLocalStream(&interceptor.StreamInfo{RTPHeaderExtensions: []interceptor.RTPHeaderExtension{
		{URI: "urn:ietf:params:rtp-hdrext:sdes:mid", ID: 1}, {URI: PlayoutDelayURI, ID: 6},
	}}, sink)
	for range 2 {
		_, err := w.Write(&rtp.Header{Version: 2, PayloadType: 96}, []byte{1, 2, 3}, nil)
		require.NoError(t, err)
	}
	require.Len(t, got, 2)
	for _, h := range got {
		var ext rtp.PlayoutDelayExtension
		require.NoError(t, ext.Unmarshal(h.GetExtension(6)))
		assert.Equal(t, rtp.PlayoutDelayExtension{MinDelay: 0, MaxDelay: 0}, ext)
	}

	// Not negotiated: packets pass unchanged.
	got = nil
	w = i.BindLocalStream(&interceptor.StreamInfo{}, sink)
	_, err = w.Write(&rtp.Header{Version: 2}, []byte{1}, nil)
	require.NoError(t, err)
	require.Len(t, got, 1)
	assert.False(t, got[0].Extension)
}

func TestZeroPlayoutDelayOffered(t *testing.T) {
	for _, on := range []bool{false, true} {
		api, err := NewAPI(APIOptions{ZeroPlayoutDelay: on})
		require.NoError(t, err)
		pc, _, err := api.newPeerConnection(webrtc.Configuration{}, 0)
		require.NoError(t, err)
		track, err := newTrack(CodecVP8)
		require.NoError(t, err)
		_, err = pc.AddTrack(track)
		require.NoError(t, err)
		offer, err := pc.CreateOffer(nil)
		require.NoError(t, err)
		assert.Equal(t, on, strings.Contains(offer.SDP, PlayoutDelayURI), "offer with ZeroPlayoutDelay=%v", on)
		require.NoError(t, pc.Close())
	}
}
