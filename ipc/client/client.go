// Package client is the typed Go client of ringd's local API, used by ringctl
// and by anything else that drives a node (tests, benchmarks).
package client

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"syscall"

	"github.com/ringchat/ring/daemon/chat"
	"github.com/ringchat/ring/ipc/api"
)

// maxStreamLine bounds one line of a message stream.
const maxStreamLine = 1 << 20

// Client talks to one ringd over its Unix socket.
type Client struct {
	socket string
	hc     *http.Client
}

// Option changes how a Client reaches the daemon.
type Option func(*Client)

// WithTransport makes the client send its requests through rt instead of
// dialling the socket, for tests: an in-memory http.RoundTripper, or an
// httptest server's transport. The socket is then only named in errors.
func WithTransport(rt http.RoundTripper) Option {
	return func(c *Client) { c.hc = &http.Client{Transport: rt} }
}

// New returns a client for the daemon listening on socket.
func New(socket string, opts ...Option) *Client {
	tr := &http.Transport{
		DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, "unix", socket)
		},
		MaxIdleConnsPerHost: 64,
		DisableCompression:  true,
	}
	c := &Client{socket: socket, hc: &http.Client{Transport: tr}}
	for _, o := range opts {
		o(c)
	}
	return c
}

// Socket is the path the client dials.
func (c *Client) Socket() string { return c.socket }

// NoDaemonError means nothing answers at the socket.
type NoDaemonError struct {
	Socket string
	Err    error
}

func (e *NoDaemonError) Error() string {
	return fmt.Sprintf("no ringd at %s: %v", e.Socket, e.Err)
}

func (e *NoDaemonError) Unwrap() error { return e.Err }

// PermissionError: the socket exists but this user may not open it (its
// mode lets in ringd's user and group only).
type PermissionError struct {
	Socket string
	Err    error
}

func (e *PermissionError) Error() string {
	return fmt.Sprintf("permission denied on %s: %v", e.Socket, e.Err)
}

func (e *PermissionError) Unwrap() error { return e.Err }

// Status returns the node's view of its ring.
func (c *Client) Status(ctx context.Context) (chat.Status, error) {
	var st chat.Status
	err := c.do(ctx, http.MethodGet, api.PathStatus, nil, &st)
	return st, err
}

// Members returns the member directory.
func (c *Client) Members(ctx context.Context) ([]chat.Member, error) {
	var ms []chat.Member
	err := c.do(ctx, http.MethodGet, api.PathMembers, nil, &ms)
	return ms, err
}

// Join asks the node to join the ring of the member at addr.
func (c *Client) Join(ctx context.Context, addr string) (chat.Status, error) {
	var st chat.Status
	err := c.do(ctx, http.MethodPost, api.PathJoin, api.JoinRequest{Addr: addr}, &st)
	return st, err
}

// Leave asks the node to leave its ring gracefully.
func (c *Client) Leave(ctx context.Context) (chat.Status, error) {
	var st chat.Status
	err := c.do(ctx, http.MethodPost, api.PathLeave, struct{}{}, &st)
	return st, err
}

// Reform forces a new view of the members the node reaches, once it has
// been without quorum long enough (ringctl reform --yes).
func (c *Client) Reform(ctx context.Context) (chat.Status, error) {
	var st chat.Status
	err := c.do(ctx, http.MethodPost, api.PathReform, api.ReformRequest{Confirm: true}, &st)
	return st, err
}

// Say sends text to the ring (to == "") or to one member, returning once the
// message is committed (stored by a majority of the ring); a direct message
// once the member has it.
func (c *Client) Say(ctx context.Context, text, to string) (chat.Receipt, error) {
	var rc chat.Receipt
	err := c.do(ctx, http.MethodPost, api.PathSay, api.SayRequest{Text: text, To: to}, &rc)
	return rc, err
}

// Query selects messages: the last N (N < 0 leaves the daemon's default), or
// those after Since when HasSince is set; Follow keeps the stream open.
type Query struct {
	N        int
	Since    uint64
	HasSince bool
	Follow   bool
}

// Messages streams the selected messages to fn, oldest first, until the
// stream ends, ctx is cancelled or fn returns an error.
func (c *Client) Messages(ctx context.Context, q Query, fn func(chat.Message) error) error {
	v := url.Values{}
	if q.N >= 0 {
		v.Set(api.ParamN, strconv.Itoa(q.N))
	}
	if q.HasSince {
		v.Set(api.ParamSince, strconv.FormatUint(q.Since, 10))
	}
	if q.Follow {
		v.Set(api.ParamFollow, "true")
	}
	resp, err := c.send(ctx, http.MethodGet, api.PathMessages+"?"+v.Encode(), nil)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 64<<10), maxStreamLine)
	for sc.Scan() {
		line := sc.Bytes()
		if bytes.Contains(line, []byte(`"error"`)) {
			var e api.Error
			if json.Unmarshal(line, &e) == nil && e.Error != "" {
				return newAPIError(http.StatusOK, e)
			}
		}
		var m chat.Message
		if err := decodeLine(line, &m); err != nil {
			return fmt.Errorf("bad line in message stream: %w", err)
		}
		if err := fn(m); err != nil {
			return err
		}
	}
	if err := sc.Err(); err != nil && ctx.Err() == nil {
		return fmt.Errorf("message stream: %w", err)
	}
	return ctx.Err()
}

func (c *Client) do(ctx context.Context, method, path string, body, out any) error {
	resp, err := c.send(ctx, method, path, body)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
		return fmt.Errorf("bad answer from ringd to %s %s: %w", method, path, err)
	}
	return nil
}

// send performs a request and turns refusals into *APIError and an absent
// daemon into *NoDaemonError.
func (c *Client) send(ctx context.Context, method, path string, body any) (*http.Response, error) {
	if body == nil {
		return c.sendBody(ctx, method, path, nil, "")
	}
	b, err := json.Marshal(body)
	if err != nil {
		return nil, err
	}
	return c.sendBody(ctx, method, path, bytes.NewReader(b), "application/json")
}

func (c *Client) sendBody(ctx context.Context, method, path string, rd io.Reader, contentType string) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, method, "http://"+api.Host+path, rd)
	if err != nil {
		return nil, err
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		var op *net.OpError
		if errors.As(err, &op) && op.Op == "dial" &&
			(errors.Is(err, syscall.ENOENT) || errors.Is(err, syscall.ECONNREFUSED)) {
			return nil, &NoDaemonError{Socket: c.socket, Err: op.Err}
		}
		if errors.As(err, &op) && op.Op == "dial" && errors.Is(err, syscall.EACCES) {
			return nil, &PermissionError{Socket: c.socket, Err: op.Err}
		}
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, fmt.Errorf("ringd at %s: %w", c.socket, err)
	}
	if resp.StatusCode/100 != 2 {
		defer resp.Body.Close()
		var e api.Error
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
		if json.Unmarshal(b, &e) != nil || e.Error == "" {
			e = api.Error{Error: fmt.Sprintf("ringd answered %s", resp.Status)}
		}
		return nil, newAPIError(resp.StatusCode, e)
	}
	return resp, nil
}
