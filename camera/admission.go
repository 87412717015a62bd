package camera

import (
	"time"

	"golang.org/x/time/rate"

	"echtzeit/signaling/protocol"
)

// maxPeerRecords bounds the viewers whose backoff the camera remembers; the
// oldest records go first when more viewers than this churned recently.
const maxPeerRecords = 4096

// admission decides when a viewer's session may start (issue #14): each start
// costs a PeerConnection, ICE gathering and signals, so a viewer whose sessions
// end before they connect (join/leave churn, no answer, broken bounds) waits
// longer each time (per-viewer backoff), and all starts together are paced
// (Limits.StartRate). It belongs to the goroutine of Camera.serve.
type admission struct {
	limits Limits
	starts *rate.Limiter
	peers  map[protocol.ParticipantID]*peerRecord
}

// peerRecord is what the camera remembers of a viewer that churned.
type peerRecord struct {
	backoff   time.Duration // the last wait given; doubles with each early end
	notBefore time.Time     // no session before this
}

func newAdmission(l Limits) *admission {
	return &admission{
		limits: l,
		starts: rate.NewLimiter(rate.Limit(l.StartRate), l.StartBurst),
		peers:  map[protocol.ParticipantID]*peerRecord{},
	}
}

// admit says when viewer's session may start: now (zero delay), or after delay
// for reason (delayViewerBackoff, delayStartRate). For the start rate a token is
// reserved: the caller gives it back with reservation.CancelAt when the start
// does not happen.
func (a *admission) admit(viewer protocol.ParticipantID, now time.Time) (delay time.Duration, reason string, res *rate.Reservation) {
	if rec := a.peers[viewer]; rec != nil && now.Before(rec.notBefore) {
		return rec.notBefore.Sub(now), delayViewerBackoff, nil
	}
	res = a.starts.ReserveN(now, 1)
	if d := res.DelayFrom(now); d > 0 {
		return d, delayStartRate, res
	}
	return 0, "", nil
}

// ended records the end of viewer's session (or of its delayed start): one
// that was connected clears the viewer's backoff, one that was not doubles it.
func (a *admission) ended(viewer protocol.ParticipantID, connected bool, now time.Time) {
	if connected {
		delete(a.peers, viewer)
		return
	}
	a.prune(now)
	rec := a.peers[viewer]
	if rec == nil {
		rec = &peerRecord{}
		a.peers[viewer] = rec
	}
	rec.backoff = min(max(2*rec.backoff, a.limits.ViewerBackoffMin), a.limits.ViewerBackoffMax)
	rec.notBefore = now.Add(rec.backoff)
}

// prune forgets viewers that have been quiet for ViewerBackoffMax after their
// last wait (their next early end starts again from ViewerBackoffMin), and the
// oldest records beyond maxPeerRecords.
func (a *admission) prune(now time.Time) {
	for id, rec := range a.peers {
		if now.Sub(rec.notBefore) > a.limits.ViewerBackoffMax {
			delete(a.peers, id)
		}
	}
	for len(a.peers) >= maxPeerRecords {
		var oldest protocol.ParticipantID
		var at time.Time
		for id, rec := range a.peers {
			if oldest == "" || rec.notBefore.Before(at) {
				oldest, at = id, rec.notBefore
			}
		}
		delete(a.peers, oldest)
	}
}
