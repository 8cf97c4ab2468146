package node

// directoryBatch is how many stored messages loadDirectory reads at once.
const directoryBatch = 1024

// loadDirectory rebuilds the member directory from the presence events in
// the stored history, for a node that restarted. What retention removed is
// lost: a member whose every event is older than the history's floor is
// known again only once a view lists it.
func (n *Node) loadDirectory() {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.pub.dir.Reset(n.machine.Saved().RingID)
	for after := uint64(0); ; {
		ms := n.st.After(after, directoryBatch)
		if len(ms) == 0 || ms[len(ms)-1].Seq <= after {
			return
		}
		for _, m := range ms {
			n.pub.dir.Apply(messageOfRecord(m))
		}
		after = ms[len(ms)-1].Seq
	}
}
