package main

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/ringchat/ring/daemon/chat"
)

// sanitize neutralises text that came from the network before it reaches a
// terminal: control characters and escape sequences are shown as visible
// caret or \u notation, invalid UTF-8 as U+FFFD, so a peer cannot clear the
// screen, move the cursor, set the clipboard (OSC 52) or reverse the text.
func sanitize(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		i += size
		switch {
		case r == utf8.RuneError && size == 1:
			b.WriteRune(utf8.RuneError)
		case r < 0x20:
			b.WriteByte('^')
			b.WriteByte(byte(r) + '@')
		case r == 0x7f:
			b.WriteString("^?")
		case unicode.IsControl(r) || isBidiControl(r) || r == '\u2028' || r == '\u2029':
			fmt.Fprintf(&b, "\\u%04x", r)
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

func isBidiControl(r rune) bool {
	return (r >= '\u202a' && r <= '\u202e') || (r >= '\u2066' && r <= '\u2069') || r == '\u200e' || r == '\u200f' || r == '\u061c'
}

// formatMessage renders one chat message as a line of text, e.g.
// `#12 alice(127.0.0.1:7733)[57]: hello`.
func formatMessage(m chat.Message) string {
	author := fmt.Sprintf("%s(%s)[%d]", sanitize(m.From.Name), sanitize(m.From.Addr), m.Lamport)
	switch m.Kind {
	case chat.KindSystem:
		return fmt.Sprintf("#%d *** [%d] %s", m.Seq, m.Lamport, sanitize(m.Text))
	case chat.KindDirect:
		return fmt.Sprintf("(direct) %s -> %s: %s", author, sanitize(m.To), sanitize(m.Text))
	default:
		return fmt.Sprintf("#%d %s: %s", m.Seq, author, sanitize(m.Text))
	}
}

// writeJSONLine prints v as one compact JSON object followed by a newline.
func writeJSONLine(w io.Writer, v any) error {
	return json.NewEncoder(w).Encode(v)
}

func nodeRef(r chat.NodeRef) string {
	if r.ID == "" {
		return "-"
	}
	return fmt.Sprintf("%s (%s) %s", sanitize(r.Name), sanitize(r.ID), sanitize(r.Addr))
}
