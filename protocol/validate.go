package protocol

import (
	"fmt"
	"net"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Field limits enforced by Validate.
const (
	MaxIDLen     = 64       // node ids and origin ids, in bytes
	MaxNameLen   = 128      // display names and direct-message recipients
	MaxAddrLen   = 255      // host:port
	MaxTextLen   = 64 << 10 // chat text
	MaxReasonLen = 1024     // refusal and error strings
	MaxMembers   = 4096     // members of a View
	MaxEntries   = 4096     // entries in Deliver or CatchUpReply, and CatchUpRequest.Limit
	MaxOrigins   = 8192     // origin counters in a CatchUpReply
)

// checkString checks a name, id, address or reason: within maxLen bytes,
// UTF-8 and free of control characters, which would let a peer rewrite the
// terminal of whoever reads a log or a member list.
func checkString(what, s string, maxLen int) error {
	if err := checkText(what, s, maxLen); err != nil {
		return err
	}
	if i := strings.IndexFunc(s, unicode.IsControl); i >= 0 {
		r, _ := utf8.DecodeRuneInString(s[i:])
		return fmt.Errorf("%s carries control character %U at byte %d", what, r, i)
	}
	return nil
}

// checkText checks chat text, which may carry control characters: the
// display neutralises them, and the node that took the text from its user
// has refused them already.
func checkText(what, s string, maxLen int) error {
	if len(s) > maxLen {
		return fmt.Errorf("%s is %d bytes, limit %d", what, len(s), maxLen)
	}
	if !utf8.ValidString(s) {
		return fmt.Errorf("%s is not valid UTF-8", what)
	}
	return nil
}

func checkID(what, id string) error {
	if id == "" {
		return fmt.Errorf("%s is empty", what)
	}
	return checkString(what, id, MaxIDLen)
}

func checkAddr(what, addr string) error {
	if addr == "" {
		return fmt.Errorf("%s is empty", what)
	}
	if err := checkString(what, addr, MaxAddrLen); err != nil {
		return err
	}
	if _, _, err := net.SplitHostPort(addr); err != nil {
		return fmt.Errorf("%s %q is not host:port", what, addr)
	}
	return nil
}

func checkReason(what, s string) error {
	if s == "" {
		return fmt.Errorf("%s is empty", what)
	}
	return checkString(what, s, MaxReasonLen)
}

// checkSequenced checks entries as the leader broadcasts them: each valid,
// numbered from 1 and in strictly increasing order.
func checkSequenced(entries []Entry) error {
	if len(entries) > MaxEntries {
		return fmt.Errorf("%d entries, limit %d", len(entries), MaxEntries)
	}
	var prev uint64
	for i, e := range entries {
		if err := e.Validate(); err != nil {
			return fmt.Errorf("entry %d: %w", i, err)
		}
		if e.Seq == 0 {
			return fmt.Errorf("entry %d: sequence number is 0", i)
		}
		if e.Seq <= prev {
			return fmt.Errorf("entry %d: sequence number %d does not follow %d", i, e.Seq, prev)
		}
		prev = e.Seq
	}
	return nil
}
