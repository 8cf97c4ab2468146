package metrics

import (
	"net"
	"net/http"
	"strings"
)

// browserGuard refuses what a web page could send: a request with an
// Origin or a Sec-Fetch-Site header (browsers add them), and, from a local
// client, a Host that is neither an IP address nor localhost (a page whose
// domain was rebound to 127.0.0.1). Scrapers and go tool pprof send none
// of these; a scraper on another host may name this one by its DNS name.
func browserGuard(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Origin") != "" || r.Header.Get("Sec-Fetch-Site") != "" {
			http.Error(w, "requests from web pages are refused", http.StatusForbidden)
			return
		}
		if fromLoopback(r) && !localHost(r.Host) {
			http.Error(w, "host "+r.Host+" is refused: use an IP address or localhost", http.StatusForbidden)
			return
		}
		next.ServeHTTP(w, r)
	})
}

func fromLoopback(r *http.Request) bool {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return false
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

func localHost(hostport string) bool {
	host := hostport
	if h, _, err := net.SplitHostPort(hostport); err == nil {
		host = h
	}
	host = strings.TrimSuffix(strings.TrimPrefix(host, "["), "]")
	return host == "" || strings.EqualFold(host, "localhost") || net.ParseIP(host) != nil
}
