package daemon

import (
	"fmt"
	"unicode"
	"unicode/utf8"
)

// MaxTextBytes bounds one chat message.
const MaxTextBytes = 4096

// checkText refuses chat text that is empty, too long, not UTF-8 or that
// carries control characters, which would let one user rewrite another's screen.
func checkText(text string) error {
	switch {
	case text == "":
		return &InputError{Field: "text", Problem: "empty message"}
	case len(text) > MaxTextBytes:
		return &InputError{Field: "text", Problem: fmt.Sprintf("%d bytes, the limit is %d", len(text), MaxTextBytes)}
	case !utf8.ValidString(text):
		return &InputError{Field: "text", Problem: "not valid UTF-8"}
	}
	for i, r := range text {
		if unicode.IsControl(r) {
			return &InputError{Field: "text", Problem: fmt.Sprintf("control character %U at byte %d", r, i)}
		}
	}
	return nil
}
