package testutil

import (
	"math/rand/v2"
	"time"

	"github.com/ringchat/ring/daemon/chat"
)

// oddPieces are what JSON encoders and decoders most often get wrong:
// characters encoding/json escapes (HTML ones, controls, U+2028 and
// U+2029), invalid UTF-8, an escape sequence written out, and plain text.
var oddPieces = []string{"a", "é", "<", ">", "&", "\"", "\\", "\n", "\t", "\x00", "\x1f", "\x7f", "\u2028", "\u2029",
	"\xff", "\xe2\x82", "🙂", " ", "\ufffd", "\\u0041"}

// OddText is up to a dozen oddPieces, chosen by rng.
func OddText(rng *rand.Rand) string {
	var b []byte
	for range rng.IntN(12) {
		b = append(b, oddPieces[rng.IntN(len(oddPieces))]...)
	}
	return string(b)
}

// OddMessage is a chat message of OddText fields and random numbers, at
// time t; a quarter have an About, a quarter Members.
func OddMessage(rng *rand.Rand, t time.Time) chat.Message {
	ref := func() chat.NodeRef { return chat.NodeRef{ID: OddText(rng), Name: OddText(rng), Addr: OddText(rng)} }
	m := chat.Message{
		Seq: rng.Uint64(), Epoch: rng.Uint64N(100), Lamport: rng.Uint64(), ID: OddText(rng), Kind: OddText(rng),
		From: ref(), To: OddText(rng), Text: OddText(rng), Time: t, Presence: OddText(rng),
	}
	switch rng.IntN(4) {
	case 0:
		a := ref()
		m.About = &a
	case 1:
		for range 1 + rng.IntN(4) {
			m.Members = append(m.Members, ref())
		}
	}
	return m
}
