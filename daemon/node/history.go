package node

import (
	"github.com/ringchat/ring/daemon/chat"
	"github.com/ringchat/ring/daemon/watch"
)

// committedOnly drops the sequenced messages above shown; direct messages
// (seq 0) are peer to peer and never wait for a commit.
func committedOnly(msgs []chat.Message, shown uint64) []chat.Message {
	out := msgs[:0]
	for _, m := range msgs {
		if m.Seq == 0 || m.Seq <= shown {
			out = append(out, m)
		}
	}
	return out
}

// readForWatch is History as the watchers read it.
func (n *Node) readForWatch(q watch.Query) []chat.Message {
	if n.afterSubscribe != nil {
		n.afterSubscribe()
	}
	return n.History(q)
}
