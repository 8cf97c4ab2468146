package protocol

import "fmt"

// Presence events: what a system entry reports about the member in its
// About field. Nodes build their member directory from them.
const (
	PresenceJoined = "joined" // admitted to the ring (or founded it)
	PresenceLeft   = "left"   // left gracefully
	PresenceDied   = "died"   // dropped from the ring as failed
	PresenceLeader = "leader" // became the leader of a new epoch
	// PresenceReformed: the operator of About forced a new view of the
	// members its node reached (ringctl reform).
	PresenceReformed = "reformed"
)

// checkPresence validates the presence part of an entry: both or neither
// of About and Presence, and only on a system entry.
func checkPresence(e Entry) error {
	if e.Presence == "" && e.About == (NodeInfo{}) {
		return nil
	}
	if e.Kind != KindSystem {
		return fmt.Errorf("a %s entry carries a presence event", e.Kind)
	}
	switch e.Presence {
	case PresenceJoined, PresenceLeft, PresenceDied, PresenceLeader, PresenceReformed:
	default:
		return fmt.Errorf("unknown presence event %q", e.Presence)
	}
	return wrapField("about", e.About.Validate())
}
