package config

import (
	"fmt"

	"github.com/ringchat/ring/internal/limits"
)

// frameFor is the smallest limits.max_frame that carries a full batch of
// messages of maxText bytes.
func frameFor(maxText int) int { return limits.FrameEntries * (maxText + limits.EntryOverhead) }

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
			l.MaxFrame, limits.FrameEntries, l.MaxText, need)
	}
	if len(c.Name) > l.MaxName {
		return "name", fmt.Sprintf("%q is %d bytes long, the maximum is %d (limits.max_name)",
			c.Name, len(c.Name), l.MaxName)
	}
	return "", ""
}
