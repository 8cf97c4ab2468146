// Package transport carries ring messages between nodes over TCP: it dials
// the peers it is asked to send to, accepts the peers that send to it, and
// turns frames into protocol messages and back.
//
// Every node sends only on connections it dialled (outbound) and receives
// only on connections it accepted (inbound), so two nodes talking both ways
// use two TCP connections. Each outbound peer has its own queue and writer
// goroutine and each inbound connection its own reader, so a slow or dead
// peer only ever stalls itself: Send never blocks, a peer whose queue
// overflows or whose writes stall is dropped and reported on Down, and a
// reader waiting for room in Receive only holds back its own connection.
//
// Frames to one peer are written in Send order on one connection. Frames
// sent to the same node under two keys (its address alone, then its id) use
// two connections and are not ordered with respect to each other.
package transport
