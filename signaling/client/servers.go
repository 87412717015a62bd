package client

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
)

// Servers is an ordered list of signaling server URLs (the nodes of a cluster,
// or one server and its stand-ins) that Dial walks on failure. It is safe for
// concurrent use.
type Servers struct {
	urls []string

	mu  sync.Mutex
	cur int // the URL to try first: the last that worked, or the one after the last failure
}

// NewServers returns the list; every URL must be ws:// or wss://.
func NewServers(urls ...string) (*Servers, error) {
	if len(urls) == 0 {
		return nil, errors.New("signaling servers: no URL")
	}
	for _, u := range urls {
		if !strings.HasPrefix(u, "ws://") && !strings.HasPrefix(u, "wss://") {
			return nil, fmt.Errorf("signaling servers: %q is not a ws:// or wss:// URL", u)
		}
	}
	return &Servers{urls: append([]string(nil), urls...)}, nil
}

// ParseServers splits a comma-separated list of URLs (a flag's value).
func ParseServers(list string) (*Servers, error) {
	var urls []string
	for _, u := range strings.Split(list, ",") {
		if u = strings.TrimSpace(u); u != "" {
			urls = append(urls, u)
		}
	}
	return NewServers(urls...)
}

// URLs returns the list in its configured order.
func (s *Servers) URLs() []string { return append([]string(nil), s.urls...) }

// Current is the URL Dial tries first.
func (s *Servers) Current() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.urls[s.cur]
}

// Dial connects to the first server that answers, trying each URL once in
// order, starting with Current. A URL that fails moves Current to the next;
// the URL that answers becomes Current. It returns the errors of every URL
// tried when none answers, or ctx's error once ctx ends.
func (s *Servers) Dial(ctx context.Context, opts ...Option) (*Client, error) {
	s.mu.Lock()
	start := s.cur
	s.mu.Unlock()
	var errs []error
	for i := range s.urls {
		idx := (start + i) % len(s.urls)
		c, err := Dial(ctx, s.urls[idx], opts...)
		if err == nil {
			s.mu.Lock()
			s.cur = idx
			s.mu.Unlock()
			return c, nil
		}
		errs = append(errs, err)
		if ctx.Err() != nil {
			break
		}
		s.mu.Lock()
		if s.cur == idx {
			s.cur = (idx + 1) % len(s.urls)
		}
		s.mu.Unlock()
	}
	return nil, fmt.Errorf("no signaling server answered: %w", errors.Join(errs...))
}

// Failed tells the list that the connection to url ended with an error, so the
// next Dial starts with the URL after it.
func (s *Servers) Failed(url string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.urls[s.cur] == url {
		s.cur = (s.cur + 1) % len(s.urls)
	}
}
