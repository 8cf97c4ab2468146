// Package api defines the requests, routes and error body of the local API
// spoken between ringctl and ringd over the Unix socket. The response bodies
// are the chat types of package chat.
package api

// Routes of the local API.
const (
	PathStatus  = "/v1/status"  // GET  -> chat.Status
	PathMembers = "/v1/members" // GET  -> []chat.Member
	PathJoin    = "/v1/join"    // POST JoinRequest -> chat.Status
	PathLeave   = "/v1/leave"   // POST -> chat.Status
	PathReform  = "/v1/reform"  // POST ReformRequest -> chat.Status
	PathSay     = "/v1/say"     // POST SayRequest -> chat.Receipt
	// POST one SayRequest per line -> one chat.Receipt per line, in the same
	// order; the first refusal is an Error line and ends the stream, but for
	// a line refused for want of a quorum (Error.Queued): the stream goes on.
	PathSayStream = "/v1/say/stream"
	PathMessages  = "/v1/messages" // GET ?n=&since=&follow= -> one chat.Message per line
)

// Host is the Host header the typed client sends. The server answers to it,
// to "localhost" (what curl --unix-socket and most tools send) and to a
// request without Host (HTTP/1.0); any other Host is refused, so a browser
// led to the socket through a forwarding proxy or DNS rebinding gets nowhere.
const Host = "ringd"

// ContentTypeStream is the media type of line-delimited JSON streams.
const ContentTypeStream = "application/x-ndjson"

// JoinRequest asks the node to join the ring of the member at Addr.
type JoinRequest struct {
	Addr string `json:"addr"`
}

// ReformRequest forces a new view of the members the node reaches (ringctl
// reform). Confirm must be true: the operator accepts that what only the
// lost members held is lost.
type ReformRequest struct {
	Confirm bool `json:"confirm"`
}

// SayRequest sends Text to the ring, or to one member when To is set.
type SayRequest struct {
	Text string `json:"text"`
	To   string `json:"to,omitempty"`
}

// Error is the body of every refusal. In a stream it is the last line,
// but for a say stream's Queued line: that line's message could not be
// committed for want of a quorum, stays queued, and the stream goes on.
type Error struct {
	Error  string `json:"error"`
	Queued bool   `json:"queued,omitempty"`
}
