package discovery

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strconv"
)

// DefaultGroup is the multicast group and UDP port of discovery: an address
// of the IPv4 organisation-local scope 239.255.0.0/16 (RFC 2365), which
// routers do not forward off the site, and the port after the default peer
// port 7733.
const DefaultGroup = "239.255.77.33:7734"

// ParseGroup parses a group as host:port: an IPv4 multicast address and a
// port from 1 to 65535.
func ParseGroup(s string) (netip.AddrPort, error) {
	host, port, err := splitHostPort(s)
	if err != nil {
		return netip.AddrPort{}, err
	}
	ip, err := netip.ParseAddr(host)
	if err != nil || !ip.Is4() || !ip.IsMulticast() {
		return netip.AddrPort{}, fmt.Errorf("%q is not an IPv4 multicast address (224.0.0.0 to 239.255.255.255), e.g. %s", host, DefaultGroup)
	}
	if port == 0 {
		return netip.AddrPort{}, fmt.Errorf("group %q has port 0", s)
	}
	return netip.AddrPortFrom(ip, port), nil
}

func splitHostPort(s string) (string, uint16, error) {
	host, p, err := net.SplitHostPort(s)
	if err != nil {
		return "", 0, fmt.Errorf("%q is not host:port", s)
	}
	port, err := strconv.ParseUint(p, 10, 16)
	if err != nil {
		return "", 0, fmt.Errorf("%q: port %q is not a number from 0 to 65535", s, p)
	}
	return host, uint16(port), nil
}

// errNoInterface says that no interface can carry discovery.
var errNoInterface = errors.New("no network interface is up with an IPv4 address and multicast")

// interfaces returns the interfaces discovery uses: the one named, or else
// every one that is up, has an IPv4 address and can multicast. The loopback
// counts, so that rings on this host are found without a network.
func interfaces(name string) ([]net.Interface, error) {
	if name != "" {
		ifi, err := net.InterfaceByName(name)
		if err != nil {
			return nil, fmt.Errorf("interface %q: %w", name, err)
		}
		if ifi.Flags&net.FlagUp == 0 {
			return nil, fmt.Errorf("interface %q is down", name)
		}
		if !hasIPv4(ifi) {
			return nil, fmt.Errorf("interface %q has no IPv4 address", name)
		}
		return []net.Interface{*ifi}, nil
	}
	all, err := net.Interfaces()
	if err != nil {
		return nil, err
	}
	var use []net.Interface
	for _, ifi := range all {
		if ifi.Flags&net.FlagUp == 0 || ifi.Flags&(net.FlagMulticast|net.FlagLoopback) == 0 {
			continue
		}
		if hasIPv4(&ifi) {
			use = append(use, ifi)
		}
	}
	if len(use) == 0 {
		return nil, errNoInterface
	}
	return use, nil
}

func hasIPv4(ifi *net.Interface) bool {
	addrs, err := ifi.Addrs()
	if err != nil {
		return false
	}
	for _, a := range addrs {
		if n, ok := a.(*net.IPNet); ok && n.IP.To4() != nil {
			return true
		}
	}
	return false
}
