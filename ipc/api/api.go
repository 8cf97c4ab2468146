// Package api is the vocabulary of the local API spoken between ringctl and
// ringd over the Unix socket: its routes, request bodies, stream lines and
// the error body with its machine-readable codes. The server (package ipc)
// and the typed client (ipc/client) both speak it. The response bodies are
// the chat types of package chat (chat.Status, chat.Member, chat.Receipt,
// chat.Message).
package api

import "github.com/ringchat/ring/daemon/chat"

// Routes of the local API. Every route takes exactly one method.
const (
	PathStatus  = "/v1/status"  // GET  -> chat.Status
	PathMembers = "/v1/members" // GET  -> []chat.Member
	PathJoin    = "/v1/join"    // POST JoinRequest -> chat.Status
	PathLeave   = "/v1/leave"   // POST -> chat.Status
	PathReform  = "/v1/reform"  // POST ReformRequest -> chat.Status
	PathSay     = "/v1/say"     // POST SayRequest -> chat.Receipt
	// POST one SayRequest per line -> an empty object (the stream is open),
	// then one SayLine per line, in the same order; the first refusal is an
	// Error line and ends the stream, but for a line refused for want of a
	// quorum (Error.Queued, CodeNoQuorum): the stream goes on.
	PathSayStream = "/v1/say/stream"
	PathMessages  = "/v1/messages" // GET ?n=&since=&follow= -> one chat.Message per line
)

// Parameters of GET PathMessages, each given at most once.
const (
	ParamN      = "n"      // the last N messages (default 20)
	ParamSince  = "since"  // the messages after this sequence number
	ParamFollow = "follow" // true: then every later one, until the client goes away
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
//
// Error is the text for people and may change; Code is for programs and
// does not (docs/API.md lists every code).
type Error struct {
	Error  string `json:"error"`
	Code   Code   `json:"code"`
	Queued bool   `json:"queued,omitempty"`
}

// SayLine is one answer line of a say stream after the opening one: a
// receipt, or an Error.
type SayLine struct {
	chat.Receipt
	Error
}

// Code is the machine-readable kind of a refusal (Error.Code).
type Code string

// The codes of the local API. A code names why a call was refused, not
// which call: the same code may come with different HTTP statuses (too_large
// is 413 for a body, 431 for headers).
const (
	// Refusals of the request itself.
	CodeBadRequest       Code = "bad_request"        // malformed HTTP, body, query or stream line
	CodeNotFound         Code = "not_found"          // no such route
	CodeMethodNotAllowed Code = "method_not_allowed" // the route takes another method
	CodeForbidden        Code = "forbidden"          // a browser, or a foreign Host
	CodeTooLarge         Code = "too_large"          // body, headers or stream line over the limit
	CodeTimeout          Code = "timeout"            // the request did not arrive in time, or the call did not finish in time
	CodeUnsupported      Code = "unsupported"        // an HTTP feature the API does not take (Transfer-Encoding, Expect, version)

	// Refusals of the node.
	CodeInvalidInput   Code = "invalid_input"    // the node refuses what the request contains (text, address, recipient)
	CodeDetached       Code = "detached"         // the node belongs to no ring
	CodeRefused        Code = "refused"          // the node's state does not allow the call now (a reform)
	CodeNoQuorum       Code = "no_quorum"        // not committed for want of a quorum; the message stays queued
	CodeStopped        Code = "stopped"          // the node is stopping
	CodeWatcherTooSlow Code = "watcher_too_slow" // a follow stream fell behind once too often
	CodeCanceled       Code = "canceled"         // the call was cancelled before it finished
	CodeFailed         Code = "failed"           // the node tried and could not (a join or leave that failed)
	CodeInternal       Code = "internal"         // a fault in ringd (see its log)
)

// Codes lists every code, in the order of docs/API.md.
var Codes = []Code{
	CodeBadRequest, CodeNotFound, CodeMethodNotAllowed, CodeForbidden, CodeTooLarge, CodeTimeout, CodeUnsupported,
	CodeInvalidInput, CodeDetached, CodeRefused, CodeNoQuorum, CodeStopped, CodeWatcherTooSlow, CodeCanceled,
	CodeFailed, CodeInternal,
}

// StatusCode is the code of a refusal with HTTP status status that names
// no more particular one: the refusals of the HTTP layer, and what a client
// reads from an answer without a code.
func StatusCode(status int) Code {
	switch status {
	case 400:
		return CodeBadRequest
	case 403:
		return CodeForbidden
	case 404:
		return CodeNotFound
	case 405:
		return CodeMethodNotAllowed
	case 408, 504:
		return CodeTimeout
	case 409:
		return CodeRefused
	case 413, 431:
		return CodeTooLarge
	case 417, 501, 505:
		return CodeUnsupported
	case 503:
		return CodeStopped
	}
	return CodeInternal
}
