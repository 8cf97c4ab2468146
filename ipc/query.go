package ipc

import (
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strconv"

	"github.com/ringchat/ring/daemon/watch"
	"github.com/ringchat/ring/ipc/api"
)

// parseQuery reads the parameters of GET /v1/messages: n, since and follow,
// each at most once; anything else is refused by name.
func parseQuery(r *http.Request) (watch.Query, bool, error) {
	q := watch.Query{N: 20}
	v, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		return q, false, fmt.Errorf("malformed query %q: %v", r.URL.RawQuery, err)
	}
	for _, key := range slices.Sorted(maps.Keys(v)) {
		switch key {
		case api.ParamN, api.ParamSince, api.ParamFollow:
		default:
			return q, false, fmt.Errorf("unknown parameter %q (known: n, since, follow)", key)
		}
		if n := len(v[key]); n > 1 {
			return q, false, fmt.Errorf("parameter %s given %d times", key, n)
		}
	}
	if s := v.Get(api.ParamN); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 0 {
			return q, false, fmt.Errorf("parameter n: %q is not a count (0 or more)", s)
		}
		q.N = n
	}
	if s := v.Get(api.ParamSince); s != "" {
		seq, err := strconv.ParseUint(s, 10, 64)
		if err != nil {
			return q, false, fmt.Errorf("parameter since: %q is not a sequence number", s)
		}
		q.Since, q.HasSince = seq, true
	}
	follow := false
	if s := v.Get(api.ParamFollow); s != "" {
		b, err := strconv.ParseBool(s)
		if err != nil {
			return q, false, fmt.Errorf("parameter follow: %q is not true or false", s)
		}
		follow = b
	}
	return q, follow, nil
}
