package ring

// Size bounds of the frames the machine joins entries into.

import (
	"github.com/ringchat/ring/internal/limits"
	"github.com/ringchat/ring/protocol"
)

// catchUpBatch bounds one Deliver or catch-up reply (a frame holds about 250
// entries of the largest chat text).
const catchUpBatch = limits.FrameEntries

// joinedBytes bounds the estimated size of a Submit or Deliver that
// messages produced one after another join into (sendSubmit,
// extendBroadcast): never more than one message of the longest text the
// protocol carries, so a joined frame fits wherever a single one does,
// whatever limits.max_text and limits.max_frame the receiver has.
const joinedBytes = protocol.MaxTextLen + entryOverhead

// entryOverhead is a generous estimate of an entry's encoded size beyond
// its text: ids, names, addresses, numbers, CBOR framing.
const entryOverhead = limits.EntryOverhead

// memberBytes estimates one member of a view entry.
const memberBytes = 3*protocol.MaxIDLen + protocol.MaxAddrLen

func entryBytes(e protocol.Entry) int {
	return len(e.Text) + entryOverhead + len(e.Members)*memberBytes
}

func entriesBytes(es []protocol.Entry) int {
	n := 0
	for _, e := range es {
		n += entryBytes(e)
	}
	return n
}

func submitBytes(s protocol.Submit) int { return entryBytes(s.Entry) + entriesBytes(s.More) }
