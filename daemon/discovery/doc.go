// Package discovery finds rings on the local network by UDP multicast.
//
// A ringd with discovery.enabled runs a Responder: it joins an IPv4
// multicast group (DefaultGroup unless configured) on its interfaces and
// answers each query sent to that group with one announcement of its ring:
// the ring id, the leader, the member count, its own id, name and peer
// address, the peer protocol version and whether the ring needs a secret
// (never the secret). Discover, used by `ringctl discover` and `ringctl
// join` without an address, sends a query to the group, collects the
// answers for a short time and groups them by ring.
//
// Wire format (version 1), one datagram each way:
//
//	header   "RNGD" | kind 'Q' or 'A' | version 1 | 8-byte nonce   (14 bytes)
//	query    header, then zero padding to exactly QuerySize bytes
//	answer   header (the query's nonce), then one CBOR map (Announcement),
//	         at most MaxAnswer bytes in all, sent by unicast to the querier
//
// A responder never becomes a UDP amplifier: it answers only well-formed
// queries that arrived for the group, an answer is never longer than the
// query it answers, and it answers at most AnswerRate queries a second.
// Everything read from the network is validated; a bad datagram is dropped
// with a debug log, never trusted.
//
// Discovery is not authenticated: anyone on the link can announce a ring.
// A node that joins through an announced address still goes through the
// peer handshake, which with a cluster secret refuses a stranger.
package discovery
