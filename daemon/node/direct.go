package node

import (
	"fmt"
	"strings"
	"time"

	"github.com/ringchat/ring/daemon/chat"
	"github.com/ringchat/ring/daemon/store"
	"github.com/ringchat/ring/daemon/transport"
	"github.com/ringchat/ring/protocol"
)

// Direct messages go from the author's node to the recipient's node over
// the same authenticated connections as the ring's traffic, but not
// through the leader: they are never sequenced. The recipient stores the
// message and acknowledges it; the author stores it on that ack and only
// then answers `say --to`. A recipient that is not a member of the ring
// right now is an error, not a queue: the author learns at once that
// nobody got the message.

// directSend is a direct message waiting for its recipient's ack.
type directSend struct {
	entry  protocol.Entry
	to     protocol.NodeInfo
	reply  chan SayResult
	until  time.Time
	resend time.Time // sent again then, unless acknowledged
}

// directs is the driver's state of direct messages: those this node sent
// and waits on, and the ids of those it stored as recipient lately, so
// that one sent again (its ack was lost) is acknowledged, not stored twice.
type directs struct {
	pending map[uint64]*directSend // by origin counter
	last    uint64                 // the last origin counter used
	stored  map[string]bool
	order   []string // stored, oldest first
}

// directsRemembered bounds the ids a recipient keeps to recognise a
// message sent again.
const directsRemembered = 4096

func (d *directs) remember(id string) {
	if d.stored == nil {
		d.stored = map[string]bool{}
	}
	d.stored[id] = true
	d.order = append(d.order, id)
	if len(d.order) > directsRemembered {
		delete(d.stored, d.order[0])
		d.order = d.order[1:]
	}
}

// directWait is how long the author waits for the recipient's ack.
func (n *Node) directWait() time.Duration { return max(2*n.opts.FailureTimeout, 2*time.Second) }

// sayDirect runs on the driver: it finds the recipient among the members
// and sends it the message.
func (n *Node) sayDirect(to, text string, reply chan SayResult) {
	peer, err := n.recipient(to)
	if err != nil {
		reply <- SayResult{Err: err}
		return
	}
	if n.dm.pending == nil {
		n.dm.pending = map[uint64]*directSend{}
	}
	// Counters of direct messages are apart from the ring's (those must
	// have no gaps); taken from the clock, they stay unique across
	// restarts without being stored.
	n.dm.last = max(n.dm.last+1, uint64(n.now().UnixNano()))
	e := protocol.Entry{
		OriginID: n.self.ID, OriginCounter: n.dm.last, Lamport: n.machine.Stamp(),
		Kind: protocol.KindDirect, FromName: n.self.Name, FromAddr: n.self.Addr,
		To: peer.Name, Text: text, TimeUnixNano: n.now().UnixNano(),
	}
	p := &directSend{entry: e, to: peer, reply: reply, until: n.now().Add(n.directWait())}
	n.dm.pending[e.OriginCounter] = p
	n.sendDirect(p)
}

// sendDirect sends p (again), and sets when to send it once more should no
// ack come: a lost connection loses what it carried.
func (n *Node) sendDirect(p *directSend) {
	p.resend = n.now().Add(n.opts.FailureTimeout)
	n.tr.Send(p.to, n.machine.Lamport(), n.machine.Epoch(), protocol.Direct{Entry: p.entry})
}

// recipient finds the member that to names: its node id, else its name.
func (n *Node) recipient(to string) (protocol.NodeInfo, error) {
	var byName []protocol.NodeInfo
	for _, m := range n.machine.View().Members {
		if m.ID == to {
			if m.ID == n.self.ID {
				return protocol.NodeInfo{}, &InputError{Field: "recipient", Problem: "that is this node"}
			}
			return m, nil
		}
		if m.Name == to && m.ID != n.self.ID {
			byName = append(byName, m)
		}
	}
	switch len(byName) {
	case 1:
		return byName[0], nil
	case 0:
		if to == n.self.Name {
			return protocol.NodeInfo{}, &InputError{Field: "recipient", Problem: "that is this node"}
		}
		return protocol.NodeInfo{}, &InputError{Field: "recipient", Problem: fmt.Sprintf(
			"no member of the ring is named %q or has that id right now (it may be offline; see ringctl members)", to)}
	}
	ids := make([]string, len(byName))
	for i, m := range byName {
		ids[i] = m.ID
	}
	return protocol.NodeInfo{}, &InputError{Field: "recipient", Problem: fmt.Sprintf(
		"%d members are named %q (%s); give the node id", len(byName), to, strings.Join(ids, ", "))}
}

// onDirect takes a direct message or ack off the ring's traffic; it reports
// whether in was one.
func (n *Node) onDirect(in transport.Inbound) bool {
	switch m := in.Msg.(type) {
	case protocol.Direct:
		n.machine.Witness(in.Header.Lamport)
		n.receiveDirect(in.Header.From, m.Entry)
	case protocol.DirectAck:
		n.machine.Witness(in.Header.Lamport)
		n.directAcked(in.Header.From, m)
	default:
		return false
	}
	return true
}

// receiveDirect stores a direct message addressed to this node and
// acknowledges it, or tells the author why not.
func (n *Node) receiveDirect(from string, e protocol.Entry) {
	author, ok := n.machine.View().Member(from)
	if !ok || e.OriginID != from {
		n.log.Warn("direct message from a node outside the ring, dropped", "from", from)
		return
	}
	refuse := func(why string) {
		n.log.Info("direct message refused", "from", author.Name, "why", why)
		n.tr.Send(author, n.machine.Stamp(), n.machine.Epoch(), protocol.DirectAck{Counter: e.OriginCounter, Error: why})
	}
	if e.To != n.self.Name && e.To != n.self.ID {
		refuse("this node is " + n.self.Name + ", not " + e.To)
		return
	}
	if err := n.checkText(e.Text); err != nil {
		refuse(err.Error())
		return
	}
	// The author speaks under the name and address it joined with.
	e.FromName, e.FromAddr = author.Name, author.Addr
	if id := messageOf(e).ID; !n.dm.stored[id] {
		if !n.storeDirect(e) {
			return
		}
		n.dm.remember(id)
	}
	n.tr.Send(author, n.machine.Stamp(), n.machine.Epoch(), protocol.DirectAck{Counter: e.OriginCounter})
}

// directAcked completes a direct message this node sent.
func (n *Node) directAcked(from string, ack protocol.DirectAck) {
	p := n.dm.pending[ack.Counter]
	if p == nil || p.to.ID != from {
		return
	}
	delete(n.dm.pending, ack.Counter)
	if ack.Error != "" {
		p.reply <- SayResult{Err: fmt.Errorf("%s refused the direct message: %s", p.to.Name, ack.Error)}
		return
	}
	if !n.storeDirect(p.entry) {
		p.reply <- SayResult{Err: ErrStopped}
		return
	}
	m := messageOf(p.entry)
	p.reply <- SayResult{Receipt: chat.Receipt{Seq: 0, Lamport: m.Lamport, ID: m.ID}}
}

// storeDirect writes a direct message to the history and shows it to the
// watchers. A store that fails stops the node, as for the ring's messages.
func (n *Node) storeDirect(e protocol.Entry) bool {
	m := messageOf(e)
	if err := n.st.Append(store.RecordOf(e)); err != nil {
		n.storeErr = err
		n.log.Error("history store failed", "err", err)
		return false
	}
	n.hub.Publish(m)
	return true
}

// directPeerDown sends the direct messages waiting on a peer whose
// connection failed again at the next tick, on a new connection; a peer no
// longer in the ring fails them.
func (n *Node) directPeerDown(peer protocol.NodeInfo) {
	for c, p := range n.dm.pending {
		if p.to.ID != peer.ID && p.to.Addr != peer.Addr {
			continue
		}
		if _, ok := n.machine.View().Member(p.to.ID); ok {
			p.resend = n.now()
			continue
		}
		delete(n.dm.pending, c)
		p.reply <- SayResult{Err: fmt.Errorf("%s went offline before it acknowledged the direct message", p.to.Name)}
	}
}

// expireDirects sends again the direct messages whose ack is late, and
// fails those not acknowledged in time.
func (n *Node) expireDirects() {
	now := n.now()
	for c, p := range n.dm.pending {
		switch {
		case now.After(p.until):
			delete(n.dm.pending, c)
			n.log.Info("direct message not acknowledged", "to", p.to.Name)
			p.reply <- SayResult{Err: fmt.Errorf("no answer from %s within %v; it may still have got the message", p.to.Name, n.directWait())}
		case !now.Before(p.resend):
			n.sendDirect(p)
		}
	}
}

// failDirects ends every direct message still waiting, with err.
func (n *Node) failDirects(err error) {
	for c, p := range n.dm.pending {
		delete(n.dm.pending, c)
		p.reply <- SayResult{Err: err}
	}
}
