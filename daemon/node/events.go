package node

import (
	"errors"
	"fmt"
	"log/slog"
	"strconv"

	"github.com/ringchat/ring/daemon/chat"
	"github.com/ringchat/ring/daemon/ring"
)

func (n *Node) handle(ev ring.Event) {
	switch ev := ev.(type) {
	case ring.Delivered, ring.Acked:
		if d, ok := ev.(ring.Delivered); ok && d.Entry.Presence != "" {
			n.mu.Lock()
			n.pub.dir.Apply(messageOf(d.Entry))
			n.mu.Unlock()
		}
		n.hold(ev)
	case ring.StateChanged:
		n.ringLog(slog.LevelInfo, "state changed", "state", string(ev.State))
		if ev.State == ring.NoQuorum && !n.drv.quorumLost {
			n.drv.quorumLost = true
			m := n.machine
			n.ringLog(slog.LevelWarn, "no quorum", "reachable", m.Reachable(), "members", len(m.View().Members), "quorum", m.Quorum())
			n.notice(fmt.Sprintf("no quorum: this node reaches %d of %d members, %d are needed; what is said here waits until the ring heals",
				m.Reachable(), len(m.View().Members), m.Quorum()))
		}
		if ev.State == ring.Detached {
			n.drv.quorumLost = false
		}
	case ring.LeaderChanged:
		n.ringLog(slog.LevelInfo, "leader", "leader", ev.Leader.Name, "leader_id", ev.Leader.ID, "epoch", ev.Epoch)
		if n.drv.quorumLost {
			n.drv.quorumLost = false
			n.notice(fmt.Sprintf("quorum regained: %s leads epoch %d", ev.Leader.Display(), ev.Epoch))
		}
	case ring.ViewChanged:
		n.ringLog(slog.LevelInfo, "view", "version", ev.View.Version, "epoch", ev.View.Epoch, "members", len(ev.View.Members))
		n.mu.Lock()
		n.pub.dir.SetView(ev.View, n.now())
		n.mu.Unlock()
	case ring.PeerGone:
		n.ringLog(slog.LevelWarn, "peer gone", "peer", ev.Peer.Name, "peer_id", ev.Peer.ID, "why", ev.Why)
		// A dead peer's connection was dropped in process, before the batch was sent.
	case ring.PeerBack:
		n.ringLog(slog.LevelInfo, "peer back", "peer", ev.Peer.Name, "peer_id", ev.Peer.ID)
	case ring.ElectionStarted:
		n.ringLog(slog.LevelInfo, "election started", "epoch", ev.Epoch, "why", ev.Why)
	case ring.ElectionLost:
		n.ringLog(slog.LevelInfo, "election lost", "epoch", ev.Epoch, "why", ev.Why)
	case ring.SteppedDown:
		n.ringLog(slog.LevelWarn, "stepped down as leader", "why", ev.Why)
	case ring.HistoryYielded:
		n.ringLog(slog.LevelWarn, "committed history cut after a forced view (ringctl reform)", "from_seq", ev.From, "to_seq", ev.To)
	case ring.JoinDone:
		var err error
		if ev.Err != "" {
			err = errors.New(ev.Err)
			n.ringLog(slog.LevelWarn, "join failed", "err", ev.Err)
		}
		n.finishJoins(err)
	case ring.LeaveDone:
		var err error
		if ev.Err != "" {
			err = errors.New(ev.Err)
		}
		for _, c := range n.drv.leaves {
			c <- err
		}
		n.drv.leaves = nil
	}
}

// notice shows this node's watchers a system message about the node itself
// (quorum lost and regained): it is no part of the ring's history, so it
// has no sequence number and is not stored.
func (n *Node) notice(text string) {
	n.drv.notices++
	m := chat.Message{
		ID:   n.self.ID + "/n" + strconv.FormatUint(n.drv.notices, 10),
		Kind: chat.KindSystem, From: n.self, Text: text, Time: n.now().UTC(),
		Lamport: n.machine.Lamport(),
	}
	n.hub.Publish(m)
}

func (n *Node) finishJoins(err error) {
	for _, c := range n.drv.joins {
		c <- err
	}
	n.drv.joins = nil
}
