package config

import (
	"fmt"

	"github.com/ringchat/ring/internal/limits"
)

// Bounds of the limits.* keys. The upper bounds of max_text and max_name
// are what peers accept on the wire: a node must not say what others refuse.
const (
	minFrame      = 64 << 10
	maxFrame      = 64 << 20
	maxHandshakes = 4096
	maxJoinRate   = 10000
	minPeerQueue  = 64
	maxPeerQueue  = 1 << 20
)

const (
	frameEntries  = limits.FrameEntries
	entryOverhead = limits.EntryOverhead
)

// frameFor is the smallest limits.max_frame that carries a full batch of
// messages of maxText bytes.
func frameFor(maxText int) int { return frameEntries * (maxText + entryOverhead) }

func checkRange(n, lo, hi int, unit string) string {
	if n < lo || n > hi {
		return fmt.Sprintf("must be from %d to %d%s, got %d", lo, hi, unit, n)
	}
	return ""
}

// checkLimits checks what involves two keys, once each key is valid on its
// own. It returns the key to blame and the problem, or "" and "".
func checkLimits(c *Config, fromDefault func(key string) bool) (key, problem string) {
	l := c.Limits
	if need := frameFor(l.MaxText); l.MaxFrame < need {
		key = "limits.max_frame"
		if fromDefault(key) {
			key = "limits.max_text"
		}
		return key, fmt.Sprintf("limits.max_frame (%d bytes) cannot carry a batch of %d messages of "+
			"limits.max_text (%d bytes); raise limits.max_frame to at least %d or lower limits.max_text",
			l.MaxFrame, frameEntries, l.MaxText, need)
	}
	if len(c.Name) > l.MaxName {
		return "name", fmt.Sprintf("%q is %d bytes long, the maximum is %d (limits.max_name)",
			c.Name, len(c.Name), l.MaxName)
	}
	return "", ""
}
