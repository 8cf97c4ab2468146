package node

import (
	"github.com/ringchat/ring/daemon/chat"
	"github.com/ringchat/ring/daemon/watch"
)

// History returns stored messages matching q, up to the commit point:
// what a majority does not hold yet is not shown (it may still be cut).
func (n *Node) History(q watch.Query) []chat.Message {
	n.mu.Lock()
	shown := n.pub.status.CommitSeq
	n.mu.Unlock()
	if q.HasSince {
		return committedOnly(messagesOf(n.st.Since(q.Since)), shown)
	}
	k := q.N // negative: all of them
	if last := n.st.LastSeq(); k >= 0 && last > shown {
		k += int(last - shown) // the uncommitted ones are dropped below
	}
	msgs := committedOnly(messagesOf(n.st.Last(k)), shown)
	if q.N >= 0 && len(msgs) > q.N {
		msgs = msgs[len(msgs)-q.N:]
	}
	return msgs
}

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

// Watch returns the stored messages matching q and, atomically with them, a
// subscription to every later message (package watch).
func (n *Node) Watch(q watch.Query) ([]chat.Message, *watch.Subscription, error) {
	return n.hub.Watch(q)
}

// Follow is Watch for a stream that goes on when it falls behind
// (watch.Follower). A stream that starts with the last messages resumes
// after what was stored when it began, if it shows no sequenced message
// before it falls behind.
func (n *Node) Follow(q watch.Query) ([]chat.Message, *watch.Follower, error) {
	floor := q.Since
	if !q.HasSince {
		floor = n.Status().LastSeq
	}
	return n.hub.Follow(q, floor)
}
