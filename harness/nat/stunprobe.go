package nat

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"time"

	"github.com/pion/stun/v4"
)

// ServeSTUN answers STUN binding requests on conn with the sender's address
// as XOR-MAPPED-ADDRESS (RFC 8489 §7.3.1) until conn is closed. It is the
// far end of the NAT probe: two of them on different ports are two
// destinations.
func ServeSTUN(conn net.PacketConn) error {
	buf := make([]byte, 1500)
	for {
		n, from, err := conn.ReadFrom(buf)
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return nil
			}
			return fmt.Errorf("stun responder: %w", err)
		}
		req := &stun.Message{Raw: append([]byte(nil), buf[:n]...)}
		if req.Decode() != nil || req.Type != stun.BindingRequest {
			continue
		}
		ua, ok := from.(*net.UDPAddr)
		if !ok {
			continue
		}
		res, err := stun.Build(stun.NewTransactionIDSetter(req.TransactionID), stun.BindingSuccess,
			&stun.XORMappedAddress{IP: ua.IP, Port: ua.Port}, stun.Fingerprint)
		if err != nil {
			continue
		}
		_, _ = conn.WriteTo(res.Raw, from)
	}
}

// Mapped asks the STUN server at server which address conn's packets come
// from (a binding request, retransmitted every 200 ms until ctx ends).
func Mapped(ctx context.Context, conn net.PacketConn, server netip.AddrPort) (netip.AddrPort, error) {
	req, err := stun.Build(stun.TransactionID, stun.BindingRequest, stun.Fingerprint)
	if err != nil {
		return netip.AddrPort{}, err
	}
	dst := net.UDPAddrFromAddrPort(server)
	buf := make([]byte, 1500)
	for {
		if _, err := conn.WriteTo(req.Raw, dst); err != nil {
			return netip.AddrPort{}, fmt.Errorf("stun probe to %s: %w", server, err)
		}
		if err := conn.SetReadDeadline(time.Now().Add(200 * time.Millisecond)); err != nil {
			return netip.AddrPort{}, err
		}
		for {
			n, _, err := conn.ReadFrom(buf)
			if err != nil {
				break // deadline: send again
			}
			res := &stun.Message{Raw: append([]byte(nil), buf[:n]...)}
			if res.Decode() != nil || res.TransactionID != req.TransactionID {
				continue
			}
			var xor stun.XORMappedAddress
			if err := xor.GetFrom(res); err != nil {
				return netip.AddrPort{}, fmt.Errorf("stun probe to %s: %w", server, err)
			}
			ip, ok := netip.AddrFromSlice(xor.IP)
			if !ok {
				return netip.AddrPort{}, fmt.Errorf("stun probe to %s: bad mapped address %v", server, xor.IP)
			}
			return netip.AddrPortFrom(ip.Unmap(), uint16(xor.Port)), nil
		}
		if err := ctx.Err(); err != nil {
			return netip.AddrPort{}, fmt.Errorf("stun probe to %s: no answer: %w", server, err)
		}
	}
}
