package access

import "net/netip"

// ClientKey is the limiter's key for a client address (an IP address, with or without a port):
// an IPv4 address as it is, an IPv6 address by its /64 network (one subscriber's usual
// allocation, so hopping within it gains nothing), hashed so that the store holds no address.
// Anything that is no address shares the key of "unknown".
func ClientKey(addr string) string {
	var ip netip.Addr
	if ap, err := netip.ParseAddrPort(addr); err == nil {
		ip = ap.Addr()
	} else if ip, err = netip.ParseAddr(addr); err != nil {
		return hashSecret("client:unknown")[:32]
	}
	ip = ip.WithZone("").Unmap()
	s := ip.String()
	if ip.Is6() {
		p, _ := ip.Prefix(64)
		s = p.String()
	}
	return hashSecret("client:" + s)[:32]
}
