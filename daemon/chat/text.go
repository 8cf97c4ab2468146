package chat

import (
	"errors"
	"fmt"
	"unicode"
	"unicode/utf8"
)

// MaxTextBytes bounds one chat message.
const MaxTextBytes = 4096

// CheckText refuses chat text that is empty, too long, not UTF-8 or that
// carries control characters, which would let one user rewrite another's
// screen. ringctl checks before sending; the node checks again.
func CheckText(text string) error {
	switch {
	case text == "":
		return errors.New("empty message")
	case len(text) > MaxTextBytes:
		return fmt.Errorf("message of %d bytes, the limit is %d", len(text), MaxTextBytes)
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
