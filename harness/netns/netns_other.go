//go:build !linux

package netns

import (
	"context"
	"net"
	"os"
)

// Do returns ErrUnsupported off Linux.
func Do(string, func() error) error { return ErrUnsupported }

// Dial returns ErrUnsupported off Linux.
func Dial(context.Context, string, string, string) (net.Conn, error) { return nil, ErrUnsupported }

// Listen returns ErrUnsupported off Linux.
func Listen(string, string, string) (net.Listener, error) { return nil, ErrUnsupported }

// ListenPacket returns ErrUnsupported off Linux.
func ListenPacket(string, string, string) (net.PacketConn, error) { return nil, ErrUnsupported }

// OpenTUN returns ErrUnsupported off Linux.
func OpenTUN(string, string) (*os.File, error) { return nil, ErrUnsupported }
