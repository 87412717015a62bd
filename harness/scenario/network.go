package scenario

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"echtzeit/harness/link"
)

// DefaultViewerNetwork is the viewers' access link of a block that sweeps
// only the sender's.
const DefaultViewerNetwork = "lan"

// Profile returns the network profile name: one of the scenario's networks
// or a built-in one. It is valid after Validate.
func (s *Scenario) Profile(name string) (*link.Profile, error) {
	if p, ok := s.profiles[name]; ok {
		return p, nil
	}
	return link.Builtin(name)
}

// resolveNetworks checks the scenario's own network profiles and resolves
// them (traces relative to Dir).
func (s *Scenario) resolveNetworks(p *problems) {
	s.profiles = make(map[string]*link.Profile, len(s.Networks))
	for _, name := range slices.Sorted(maps.Keys(s.Networks)) {
		key := "networks." + name
		if !nameRE.MatchString(name) {
			p.add(key, "must be named with 1 to 64 letters, digits, '.', '_' or '-'")
			continue
		}
		if link.IsBuiltin(name) {
			p.add(key, "is a built-in profile (%s); give yours another name", strings.Join(link.BuiltinNames(), ", "))
			continue
		}
		prof, err := link.Resolve(name, s.Networks[name], link.DirTraceReader(s.Dir))
		if err != nil {
			p.add(key, "%s", strings.TrimPrefix(err.Error(), link.ErrProfile.Error()+": "))
			continue
		}
		s.profiles[name] = prof
	}
}

// validateNetworks checks a media block's network axes.
func (s *Scenario) validateNetworks(p *problems, i int, b Block) {
	at := func(key string) string { return fmt.Sprintf("trials[%d].%s", i, key) }
	if len(b.Networks) == 0 && len(b.ViewerNetworks) == 0 {
		return
	}
	if s.Camera.Remote {
		p.add(at("networks"), "need a camera the harness starts: a remote camera is not in the emulated network (camera.remote is set)")
	}
	if s.Signaling.URL != "" {
		p.add(at("networks"), "need the harness's own signaling server (it runs in the network's core): remove signaling.url")
	}
	for _, axis := range []struct {
		key   string
		names []string
	}{{"networks", b.Networks}, {"viewer-networks", b.ViewerNetworks}} {
		seen := map[string]bool{}
		for j, name := range axis.names {
			key := fmt.Sprintf("%s[%d]", at(axis.key), j)
			switch {
			case seen[name]:
				p.add(key, "names %q twice", name)
			case !link.IsBuiltin(name) && !hasKey(s.Networks, name):
				p.add(key, "is not a network profile: want a built-in one (%s) or one defined under 'networks', got %q", strings.Join(link.BuiltinNames(), ", "), name)
			}
			seen[name] = true
		}
	}
}

func hasKey[V any](m map[string]V, k string) bool {
	_, ok := m[k]
	return ok
}

// networkAxes returns a media block's sender and viewer networks to sweep:
// [""] and [""] without an emulated network.
func networkAxes(b Block) (senders, viewers []string) {
	if len(b.Networks) == 0 && len(b.ViewerNetworks) == 0 {
		return []string{""}, []string{""}
	}
	senders, viewers = b.Networks, b.ViewerNetworks
	if len(senders) == 0 {
		senders = []string{DefaultViewerNetwork}
	}
	if len(viewers) == 0 {
		viewers = []string{DefaultViewerNetwork}
	}
	return senders, viewers
}
