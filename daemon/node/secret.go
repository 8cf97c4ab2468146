package node

import "github.com/ringchat/ring/protocol/secure"

// SetKeys replaces the cluster secret's keys for connections opened from
// now on: the first to connect, all accepted from peers.
func (n *Node) SetKeys(keys []secure.Key) { n.tr.SetKeys(keys) }
