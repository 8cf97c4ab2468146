// Package ring is the ring protocol as a deterministic state machine: joins,
// Chang–Roberts elections, leader sequencing, failure detection and repair,
// and graceful leave. It owns no sockets, clocks or goroutines. A driver feeds
// it received messages (Step), lost connections (PeerDown), the passage of
// time (Tick) and local requests (Found, Join, Leave, Submit), and after each
// call collects what to send and what happened with Ready. The same inputs
// always give the same outputs, so tests replay any interleaving exactly.
package ring
