package web

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"strings"
	"syscall"
	"time"
)

// denyList is the set of destination networks the provider never connects
// to (--web-deny-cidrs). In a multi-tenant cluster anyone who may create an
// AnalysisTemplate can make the controller call any URL; the list keeps such
// calls away from addresses like the cloud metadata endpoint (169.254.169.254).
type denyList []netip.Prefix

// ParseDenyCIDRs parses the --web-deny-cidrs flag: comma-separated CIDRs
// ("169.254.0.0/16,fe80::/10"); a bare address stands for itself alone.
// Host bits are cleared, so "10.1.2.3/8" is 10.0.0.0/8.
func ParseDenyCIDRs(list string) ([]netip.Prefix, error) {
	var prefixes []netip.Prefix
	for _, entry := range strings.Split(list, ",") {
		entry = strings.TrimSpace(entry)
		if entry == "" {
			continue
		}
		prefix, err := parseDenyEntry(entry)
		if err != nil {
			return nil, fmt.Errorf("%q is not a CIDR or an IP address", entry)
		}
		prefixes = append(prefixes, prefix)
	}
	return prefixes, nil
}

// parseDenyEntry parses one CIDR or bare address.
func parseDenyEntry(entry string) (netip.Prefix, error) {
	if !strings.Contains(entry, "/") {
		addr, err := netip.ParseAddr(entry)
		if err != nil {
			return netip.Prefix{}, err
		}
		return netip.PrefixFrom(addr, addr.BitLen()), nil
	}
	prefix, err := netip.ParsePrefix(entry)
	if err != nil {
		return netip.Prefix{}, err
	}
	return prefix.Masked(), nil
}

// match returns the network that denies addr, if any. Each form in which the
// kernel would reach the same host is checked: an IPv4-mapped IPv6 address
// is its IPv4 address; a zone does not change the address (and
// netip.Prefix.Contains never matches a zoned one); and the unspecified
// address (0.0.0.0, ::) connects to the host itself, so it also counts as
// its family's loopback address.
func (d denyList) match(addr netip.Addr) (netip.Prefix, bool) {
	addr = addr.WithZone("")
	candidates := []netip.Addr{addr, addr.Unmap()}
	switch unmapped := addr.Unmap(); {
	case unmapped == netip.IPv4Unspecified():
		candidates = append(candidates, netip.AddrFrom4([4]byte{127, 0, 0, 1}))
	case unmapped == netip.IPv6Unspecified():
		candidates = append(candidates, netip.IPv6Loopback())
	}
	for _, prefix := range d {
		for _, c := range candidates {
			if prefix.Contains(c) {
				return prefix, true
			}
		}
	}
	return netip.Prefix{}, false
}

// checkAddr refuses a denied address with a message that names it.
func (d denyList) checkAddr(addr netip.Addr) error {
	if prefix, denied := d.match(addr); denied {
		return fmt.Errorf("address %s is denied: it is in %s (--web-deny-cidrs)", addr.Unmap().WithZone(""), prefix)
	}
	return nil
}

// checkHost refuses a URL host that is a denied IP literal before the request
// is made. The dialer checks every connection anyway; this check also holds
// when the controller talks to the host through an HTTP proxy, where the
// dialer sees only the proxy's address. Names are left to the dialer: only
// it knows the address a name resolved to.
func (d denyList) checkHost(host string) error {
	addr, err := netip.ParseAddr(host)
	if err != nil {
		return nil
	}
	return d.checkAddr(addr)
}

// control is a net.Dialer Control function. It runs after name resolution,
// on the address actually being connected to, so a name that resolves to a
// denied address (or is re-pointed to one after a first check) is caught.
func (d denyList) control(_, address string, _ syscall.RawConn) error {
	addrPort, err := netip.ParseAddrPort(address)
	if err != nil {
		// Every TCP dial gives an IP:port here; refuse what cannot be checked.
		return fmt.Errorf("address %q cannot be checked against --web-deny-cidrs: %v", address, err)
	}
	return d.checkAddr(addrPort.Addr())
}

// dialContext is the transports' dial function: net/http's default dialer
// settings, with the deny list checked on every connection when one is set.
func (d denyList) dialContext() func(ctx context.Context, network, address string) (net.Conn, error) {
	dialer := &net.Dialer{Timeout: 30 * time.Second, KeepAlive: 30 * time.Second}
	if len(d) > 0 {
		dialer.Control = d.control
	}
	return dialer.DialContext
}
