package node

import (
	"fmt"
	"strings"
	"time"

	"github.com/ringchat/ring/daemon/chat"
	"github.com/ringchat/ring/daemon/direct"
	"github.com/ringchat/ring/daemon/store"
	"github.com/ringchat/ring/daemon/transport"
	"github.com/ringchat/ring/internal/idset"
	"github.com/ringchat/ring/protocol"
)

// The author's side of direct messages is package direct; this file sends
// what it says, stores and answers what it completes, and is the
// recipient's side: it stores a message addressed to this node and
// acknowledges it, once, however often it comes.

// directsRemembered bounds the ids a recipient keeps to recognise a
// message sent again (its ack was lost).
const directsRemembered = 4096

// directState is the driver's state of direct messages.
type directState struct {
	out     *direct.Outbox
	replies map[uint64]chan SayResult // by origin counter, the callers waiting
	stored  *idset.Set                // the ids stored as recipient lately
}

func newDirectState(failureTimeout time.Duration) directState {
	// The ack wait: two failure timeouts, so that a message survives one
	// reconnection, and never less than 2 s.
	return directState{
		out:     direct.NewOutbox(max(2*failureTimeout, 2*time.Second), failureTimeout),
		replies: map[uint64]chan SayResult{},
		stored:  idset.New(directsRemembered),
	}
}

// sayDirect runs on the driver: it finds the recipient among the members
// and sends it the message.
func (n *Node) sayDirect(to, text string, reply chan SayResult) {
	peer, err := n.recipient(to)
	if err != nil {
		reply <- SayResult{Err: err}
		return
	}
	now := n.now()
	e := protocol.Entry{
		OriginID: n.self.ID, OriginCounter: n.drv.dm.out.NextCounter(now), Lamport: n.machine.Stamp(),
		Kind: protocol.KindDirect, FromName: n.self.Name, FromAddr: n.self.Addr,
		To: peer.Name, Text: text, TimeUnixNano: now.UnixNano(),
	}
	m := direct.Message{Entry: e, To: peer}
	n.drv.dm.out.Add(m, now)
	n.drv.dm.replies[e.OriginCounter] = reply
	n.sendDirect(m)
}

func (n *Node) sendDirect(m direct.Message) {
	n.tr.Send(m.To, n.machine.Lamport(), n.machine.Epoch(), protocol.Direct{Entry: m.Entry})
}

// finishDirect answers the caller of a message the outbox is done with.
func (n *Node) finishDirect(out direct.Outcome) {
	reply := n.drv.dm.replies[out.Entry.OriginCounter]
	delete(n.drv.dm.replies, out.Entry.OriginCounter)
	if reply == nil {
		return
	}
	if out.Err != nil {
		reply <- SayResult{Err: out.Err}
		return
	}
	if !n.storeDirect(out.Entry) {
		reply <- SayResult{Err: ErrStopped}
		return
	}
	m := messageOf(out.Entry)
	reply <- SayResult{Receipt: chat.Receipt{Seq: 0, Lamport: m.Lamport, ID: m.ID}}
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
	if id := messageOf(e).ID; !n.drv.dm.stored.Has(id) {
		if !n.storeDirect(e) {
			return
		}
		n.drv.dm.stored.Add(id)
	}
	n.tr.Send(author, n.machine.Stamp(), n.machine.Epoch(), protocol.DirectAck{Counter: e.OriginCounter})
}

// directAcked completes a direct message this node sent.
func (n *Node) directAcked(from string, ack protocol.DirectAck) {
	if out, ok := n.drv.dm.out.Acked(from, ack); ok {
		n.finishDirect(out)
	}
}

// storeDirect writes a direct message to the history and shows it to the
// watchers. A store that fails stops the node, as for the ring's messages.
func (n *Node) storeDirect(e protocol.Entry) bool {
	m := messageOf(e)
	if err := n.st.Append(store.RecordOf(e)); err != nil {
		n.drv.storeErr = err
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
	inView := func(id string) bool {
		_, ok := n.machine.View().Member(id)
		return ok
	}
	for _, out := range n.drv.dm.out.PeerDown(peer, inView, n.now()) {
		n.finishDirect(out)
	}
}

// expireDirects sends again the direct messages whose ack is late, and
// fails those not acknowledged in time.
func (n *Node) expireDirects() {
	resend, expired := n.drv.dm.out.Tick(n.now())
	for _, m := range resend {
		n.sendDirect(m)
	}
	for _, out := range expired {
		n.log.Info("direct message not acknowledged", "to", out.To.Name)
		n.finishDirect(out)
	}
}

// failDirects ends every direct message still waiting, with err.
func (n *Node) failDirects(err error) {
	for _, out := range n.drv.dm.out.FailAll(err) {
		n.finishDirect(out)
	}
}
