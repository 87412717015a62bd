package camera

import (
	"context"
	"fmt"

	"echtzeit/signaling/client"
)

// The camera's signaling URL may list several servers, comma-separated: the
// nodes of a signaling cluster (DESIGN.md, "Signaling cluster"). It dials
// them in turn, starting with the one that worked last, and after a lost
// connection starts with the next, so a node that died is skipped at once.

// servers parses Config.SignalingURL.
func (c Config) servers() (*client.Servers, error) {
	s, err := client.ParseServers(c.SignalingURL)
	if err != nil {
		return nil, fmt.Errorf("'signaling': %w", err)
	}
	return s, nil
}

// dial connects to the first server of the list that answers.
func (c *Camera) dial(ctx context.Context) (*client.Client, error) {
	return c.servers.Dial(ctx, c.cfg.ClientOptions...)
}

// lost tells the list that cl's server dropped the connection.
func (c *Camera) lost(cl *client.Client) {
	if cl.Err() != nil {
		c.servers.Failed(cl.URL())
	}
}
