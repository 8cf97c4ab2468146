// Package ipc is the local API of ringd: HTTP/1.1 with JSON over a Unix
// socket. It is a thin layer over the node's methods; it owns the socket file,
// its permissions, and who is calling (SO_PEERCRED).
//
// Every refusal is a JSON {"error": "...", "code": "..."} with a 4xx or 5xx
// status, including those net/http makes by itself (refusal.go); the codes
// are in package api and docs/API.md, and respond.go maps the node's errors
// to them. Requests from web
// browsers (an Origin or Sec-Fetch-* header) and requests for any Host but
// "ringd", "localhost" or none are refused (guard.go). The size limits and
// timeouts are in server.go; streams are exempt from the ones that would cut
// them and bounded per line instead.
package ipc
