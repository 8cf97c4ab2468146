package node

import (
	"fmt"
	"log/slog"
	"slices"

	"github.com/ringchat/ring/daemon/chat"
	"github.com/ringchat/ring/daemon/ring"
	"github.com/ringchat/ring/daemon/store"
	"github.com/ringchat/ring/protocol"
)

// historyDir is the store's directory in data_dir; legacyHistoryFile the
// bbolt file of versions before it, imported once (store.Options.Import).
const (
	historyDir        = "history"
	legacyHistoryFile = "ring.db"
)

// persisted is what the store holds of the machine's state and outbox, so
// that the driver writes only what changed.
type persisted struct {
	state      store.State
	outbox     map[uint64]outboxSlot
	mark       uint64 // syncOutbox's: slots it did not mark are gone
	outboxVer  uint64
	stateSaved bool
	commit     uint64 // the commit point handed to the store
}

type outboxKey struct {
	counter uint64
	ring    string
}

type outboxSlot struct {
	key  outboxKey
	mark uint64
}

// heldEvent is a Delivered or Acked event that waits until its entry is
// durable here: a caller is told a message is stored, and a watcher sees
// it, only once a crash can no longer take it back.
type heldEvent struct {
	ev  ring.Event
	seq uint64
}

// restore gives the machine what the store kept of a previous run.
func (n *Node) restore() error {
	st, err := n.st.State()
	if err != nil {
		return err
	}
	items, err := n.st.Outbox()
	if err != nil {
		return err
	}
	saved := ring.Saved{RingID: st.RingID, Epoch: st.Epoch, Leader: st.Leader, Left: st.Left, Counter: st.Counter,
		Term: st.Term, Vote: st.Vote, Commit: n.st.Commit()}
	for _, m := range st.Members {
		saved.Members = append(saved.Members, protocol.NodeInfo{ID: m.ID, Name: m.Name, Addr: m.Addr})
	}
	outbox := make([]ring.Pending, 0, len(items))
	n.drv.persisted.outbox = map[uint64]outboxSlot{}
	for _, it := range items {
		e := it.Msg.Entry()
		e.Seq, e.Epoch = 0, 0
		if e.OriginID != n.self.ID || e.OriginCounter == 0 {
			return fmt.Errorf("history store: outbox item %d is not a message of this node (%q)", it.ID, it.Msg.ID())
		}
		outbox = append(outbox, ring.Pending{ID: it.ID, Ring: it.Ring, Entry: e})
		n.drv.persisted.outbox[it.ID] = outboxSlot{key: outboxKey{e.OriginCounter, it.Ring}}
	}
	n.machine.Restore(saved, outbox)
	n.drv.persisted.state, n.drv.persisted.stateSaved = st, true
	n.drv.persisted.outboxVer = n.machine.OutboxVersion()
	n.drv.persisted.commit = n.st.Commit()
	if len(outbox) > 0 || st.RingID != "" {
		n.log.Info("restored from the store", "ring", st.RingID, "left", st.Left, "outbox", len(outbox), "last_seq", n.st.LastSeq())
	}
	return nil
}

// persist writes what changed of the machine's state and outbox. The
// writes queue behind the history's, in order; a failure is logged by the
// store.
func (n *Node) persist(events []ring.Event) {
	if v := n.machine.OutboxVersion(); v != n.drv.persisted.outboxVer {
		n.drv.persisted.outboxVer = v
		n.syncOutbox()
	}
	if c := n.machine.Commit(); c > n.drv.persisted.commit {
		n.drv.persisted.commit = c
		n.st.SaveCommitAsync(c)
	}
	for _, ev := range events {
		switch ev.(type) {
		case ring.ViewChanged, ring.StateChanged, ring.LeaveDone, ring.LeaderChanged: // a vote: persistVote
			if st := stateOf(n.machine.Saved()); !n.drv.persisted.stateSaved || !sameState(st, n.drv.persisted.state) {
				n.drv.persisted.state, n.drv.persisted.stateSaved = st, true
				n.st.SaveStateAsync(st)
			}
			return
		}
	}
}

// persistVote writes a vote the machine just cast and waits for it, before
// the messages that carry it go out: a node that forgot its vote in a
// crash could vote twice in one epoch. It reports false if the vote could
// not be stored: then nothing may go out, and the node stops (storeErr).
func (n *Node) persistVote(events []ring.Event) bool {
	if !castsVote(events) {
		return true
	}
	if err := n.saveState(n.machine.Saved()); err != nil {
		n.drv.storeErr = err
		return false
	}
	return true
}

// castsVote says whether the machine voted among events.
func castsVote(events []ring.Event) bool {
	for _, ev := range events {
		if _, ok := ev.(ring.Voted); ok {
			return true
		}
	}
	return false
}

func stateOf(s ring.Saved) store.State {
	st := store.State{Epoch: s.Epoch, RingID: s.RingID, Leader: s.Leader, Left: s.Left, Counter: s.Counter, Term: s.Term, Vote: s.Vote}
	for _, m := range s.Members {
		st.Members = append(st.Members, store.Node{ID: m.ID, Name: m.Name, Addr: m.Addr})
	}
	return st
}

// sameState compares all but the counter, which the outbox and the origin
// table also give: it alone is no reason to write.
func sameState(a, b store.State) bool {
	return a.Epoch == b.Epoch && a.RingID == b.RingID && a.Leader == b.Leader && a.Left == b.Left &&
		a.Term == b.Term && a.Vote == b.Vote && slices.Equal(a.Members, b.Members)
}

// saveState writes the ring state and waits for it (a vote, shutdown).
func (n *Node) saveState(s ring.Saved) error {
	st := stateOf(s)
	if err := n.st.SaveState(st); err != nil {
		n.ringLog(slog.LevelError, "saving the ring state failed", "err", err)
		return err
	}
	n.drv.persisted.state, n.drv.persisted.stateSaved = st, true
	return nil
}

// syncOutbox makes the stored outbox the machine's, in one store write:
// what is new or changed is put, what is gone is deleted. A message
// submitted and sequenced within one driver cycle is never written.
func (n *Node) syncOutbox() {
	p := &n.drv.persisted
	p.mark++
	var puts []store.OutboxItem
	n.machine.EachPending(func(x ring.Pending) {
		k := outboxKey{counter: x.Entry.OriginCounter, ring: x.Ring}
		old, ok := p.outbox[x.ID]
		p.outbox[x.ID] = outboxSlot{key: k, mark: p.mark}
		if !ok || old.key != k {
			puts = append(puts, store.OutboxItem{ID: x.ID, Ring: x.Ring, Msg: store.RecordOf(x.Entry)})
		}
	})
	var dels []uint64
	for id, s := range p.outbox {
		if s.mark != p.mark {
			delete(p.outbox, id)
			dels = append(dels, id)
		}
	}
	if len(puts) > 0 || len(dels) > 0 {
		n.st.OutboxUpdateAsync(puts, dels)
	}
}

// hold keeps a Delivered or Acked event until its entry is durable.
// An entry is committed once a majority stores it, which this node may not
// be among yet; its event waits for this node's own copy, not for the
// batches written since.
func (n *Node) hold(ev ring.Event) {
	seq := eventSeq(ev)
	if len(n.drv.held) == 0 && seq <= n.st.LastSeq() {
		n.release(ev)
		return
	}
	n.drv.held = append(n.drv.held, heldEvent{ev: ev, seq: seq})
}

func eventSeq(ev ring.Event) uint64 {
	switch ev := ev.(type) {
	case ring.Delivered:
		return ev.Entry.Seq
	case ring.Acked:
		return ev.Entry.Seq
	}
	return 0
}

// durable hears from the history that a batch is written (or failed).
func (n *Node) durable(err error) {
	if err != nil {
		if n.drv.storeErr == nil {
			n.drv.storeErr = err
			n.ringLog(slog.LevelError, "writing the history failed; stopping", "err", err)
		}
		return
	}
	n.snapshot() // last_seq: a caller told its message is stored sees it counted
	stored := n.st.LastSeq()
	i := 0
	for ; i < len(n.drv.held) && n.drv.held[i].seq <= stored; i++ {
		n.release(n.drv.held[i].ev)
	}
	n.drv.held = slices.Delete(n.drv.held, 0, i)
}

// release acts on an event whose entry is stored.
func (n *Node) release(ev ring.Event) {
	switch ev := ev.(type) {
	case ring.Delivered:
		m := messageOf(ev.Entry)
		n.hub.Publish(m)
	case ring.Acked:
		if w, ok := n.drv.says[ev.Token]; ok {
			delete(n.drv.says, ev.Token)
			m := messageOf(ev.Entry)
			w.c <- SayResult{Receipt: chat.Receipt{Seq: m.Seq, Lamport: m.Lamport, ID: m.ID}}
		}
	}
}
