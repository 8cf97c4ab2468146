package config

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/ringchat/ring/daemon/discovery"
)

// checkName checks what peers would refuse in a name; its length against
// limits.max_name is checked once that key is known to be valid.
func checkName(c *Config) string {
	switch {
	case c.Name == "":
		return "must not be empty"
	case !utf8.ValidString(c.Name):
		return fmt.Sprintf("%q is not valid UTF-8", c.Name)
	case strings.ContainsFunc(c.Name, unicode.IsControl):
		return fmt.Sprintf("%q contains control characters", c.Name)
	}
	return ""
}

func checkNotEmpty(s string) string {
	if s == "" {
		return "must not be empty"
	}
	return ""
}

// checkOneOf lower-cases *s and checks that it is one of allowed.
func checkOneOf(s *string, allowed ...string) string {
	*s = strings.ToLower(*s)
	if slices.Contains(allowed, *s) {
		return ""
	}
	return fmt.Sprintf("%q is not one of %s", *s, strings.Join(allowed, ", "))
}

// splitAddr splits a host:port address with a numeric port.
func splitAddr(addr string) (host string, port uint64, problem string) {
	host, p, err := net.SplitHostPort(addr)
	if err != nil {
		why := err.Error()
		if ae, ok := errors.AsType[*net.AddrError](err); ok {
			why = ae.Err
		}
		return "", 0, fmt.Sprintf("invalid address %q: %s (want host:port, e.g. 127.0.0.1:7733)", addr, why)
	}
	port, err = strconv.ParseUint(p, 10, 16)
	if err != nil {
		return "", 0, fmt.Sprintf("invalid address %q: port %q is not a number from 0 to 65535", addr, p)
	}
	return host, port, ""
}

func checkListenAddr(addr string) string {
	_, _, p := splitAddr(addr)
	return p
}

func checkOptionalListenAddr(addr string) string {
	if addr == "" {
		return ""
	}
	return checkListenAddr(addr)
}

// checkOptionalDialAddr checks advertise, which is empty only when listen
// uses port 0 and the node advertises what it binds.
func checkOptionalDialAddr(addr string) string {
	if addr == "" {
		return ""
	}
	return checkDialAddr(addr)
}

// checkDialAddr checks an address other nodes connect to, which needs a
// real host and port.
func checkDialAddr(addr string) string {
	host, port, p := splitAddr(addr)
	switch {
	case p != "":
		return p
	case host == "":
		return fmt.Sprintf("address %q has no host", addr)
	case isUnspecified(host):
		return fmt.Sprintf("address %q has unspecified host %s, which peers cannot dial", addr, host)
	case port == 0:
		return fmt.Sprintf("address %q has port 0, which peers cannot dial", addr)
	}
	return ""
}

func isUnspecified(host string) bool {
	ip, err := netip.ParseAddr(host)
	return err == nil && ip.IsUnspecified()
}

func checkJoin(c *Config) string {
	for i, addr := range c.Join {
		if p := checkDialAddr(addr); p != "" {
			return fmt.Sprintf("entry %d: %s", i, p)
		}
	}
	return ""
}

func checkGroup(group string) string {
	if _, err := discovery.ParseGroup(group); err != nil {
		return err.Error()
	}
	return ""
}

// checkInterfaceName checks the form of a network interface name; whether
// it exists is for ringd to find out when it starts discovery.
func checkInterfaceName(name string) string {
	const maxLen = 15 // IFNAMSIZ less the terminating NUL
	switch {
	case len(name) > maxLen:
		return fmt.Sprintf("%q is longer than %d bytes, too long for a network interface name", name, maxLen)
	case strings.ContainsFunc(name, func(r rune) bool { return r == '/' || unicode.IsSpace(r) || unicode.IsControl(r) }):
		return fmt.Sprintf("%q is not a network interface name", name)
	}
	return ""
}
