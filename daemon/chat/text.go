package chat

import (
	"errors"
	"fmt"
	"unicode"
	"unicode/utf8"

	"github.com/ringchat/ring/internal/limits"
	"github.com/ringchat/ring/protocol"
)

const (
	// DefaultMaxText is the default of ringd's limits.max_text.
	DefaultMaxText = limits.MaxText
	// MaxText is the most any node's limits.max_text may be: what peers
	// accept in one message.
	MaxText = protocol.MaxTextLen
)

// CheckText refuses chat text that is empty, longer than MaxText, not
// UTF-8 or that carries control characters, which would let one user
// rewrite another's screen. Clients check with it before sending: they do
// not know the daemon's own limit, which it checks with CheckTextLimit.
func CheckText(text string) error { return CheckTextLimit(text, MaxText) }

// CheckTextLimit is CheckText with a limit of maxBytes.
func CheckTextLimit(text string, maxBytes int) error {
	switch {
	case text == "":
		return errors.New("empty message")
	case len(text) > maxBytes:
		return fmt.Errorf("message of %d bytes, the limit is %d", len(text), maxBytes)
	case !utf8.ValidString(text):
		return errors.New("message is not valid UTF-8")
	}
	for i, r := range text {
		if unicode.IsControl(r) {
			return fmt.Errorf("message carries control character %U at byte %d", r, i)
		}
	}
	return nil
}
