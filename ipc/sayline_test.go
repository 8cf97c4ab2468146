package ipc

import (
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/ringchat/ring/ipc/api"
)

// TestSayLineIsDecodeObject: a line the fast path takes, decodeObject takes
// too, with the same request; a line decodeSayLine refuses, decodeObject
// refuses with the same words. Lines are random objects of the request's
// keys (in any case), other keys, values of every JSON kind, strings with
// escapes (lone and paired surrogates, controls), raw controls, raw
// invalid UTF-8, whitespace, and damage: cut short, trailing commas or data.
func TestSayLineIsDecodeObject(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	fast := 0
	for i := range 40000 {
		line := oddSayLine(rng)
		var got api.SayRequest
		gotErr := decodeSayLine([]byte(line), &got)
		var want api.SayRequest
		wantErr := decodeObject([]byte(line), &want)
		if (gotErr == nil) != (wantErr == nil) || (gotErr != nil && gotErr.Error() != wantErr.Error()) {
			t.Fatalf("line %d %q: error %v, decodeObject's %v", i, line, gotErr, wantErr)
		}
		if got != want {
			t.Fatalf("line %d %q: %+v, decodeObject's %+v", i, line, got, want)
		}
		if fastSayLine([]byte(line), &api.SayRequest{}) {
			fast++
		}
	}
	if fast < 10000 {
		t.Fatalf("only %d lines took the fast path: the generator makes too few good ones", fast)
	}
}

// The request must not point into the line, which the reader reuses.
func TestSayLineCopiesText(t *testing.T) {
	b := []byte(`{"text":"hello","to":"abc"}`)
	var req api.SayRequest
	if err := decodeSayLine(b, &req); err != nil {
		t.Fatal(err)
	}
	for i := range b {
		b[i] = 'x'
	}
	if req.Text != "hello" || req.To != "abc" {
		t.Fatalf("request changed with the line: %+v", req)
	}
}

func oddSayLine(rng *rand.Rand) string {
	var b strings.Builder
	b.WriteString(oddSpace(rng))
	b.WriteByte('{')
	n := rng.IntN(4)
	for k := range n {
		if k > 0 {
			b.WriteByte(',')
		}
		b.WriteString(oddSpace(rng))
		b.WriteString(oddKey(rng))
		b.WriteString(oddSpace(rng))
		b.WriteByte(':')
		b.WriteString(oddSpace(rng))
		b.WriteString(oddValue(rng, 0))
		b.WriteString(oddSpace(rng))
	}
	b.WriteByte('}')
	b.WriteString(oddSpace(rng))
	s := b.String()
	switch rng.IntN(20) {
	case 0:
		s = s[:rng.IntN(len(s)+1)] // cut short
	case 1:
		s = strings.Replace(s, "}", ",}", 1) // trailing comma
	case 2:
		s += []string{"{}", "x", "1", `"a"`, "null", "}"}[rng.IntN(6)] // more after the object
	case 3:
		s = []string{"[]", "null", "1", `"text"`, "true", ""}[rng.IntN(6)] // no object at all
	}
	return s
}

func oddSpace(rng *rand.Rand) string {
	return []string{"", "", "", " ", "\t", "\r\n ", "  "}[rng.IntN(7)]
}

func oddKey(rng *rand.Rand) string {
	keys := []string{`"text"`, `"text"`, `"to"`, `"TEXT"`, `"Text"`, `"tO"`, `"te\u0078t"`, `"texts"`, `"x"`, `""`, `"ſext"`}
	return keys[rng.IntN(len(keys))]
}

func oddValue(rng *rand.Rand, depth int) string {
	switch rng.IntN(12) {
	case 0:
		return "null"
	case 1:
		return []string{"0", "-1", "1.5e3", "true", "false", "01", "-"}[rng.IntN(7)]
	case 2:
		if depth < 2 {
			return "[" + oddValue(rng, depth+1) + "]"
		}
		return "[]"
	case 3:
		if depth < 2 {
			return `{"a":` + oddValue(rng, depth+1) + "}"
		}
		return "{}"
	default:
		return oddString(rng)
	}
}

func oddString(rng *rand.Rand) string {
	pieces := []string{
		"hello", "a b", "é", "日本", "😀", `\"`, `\\`, `\/`, `\n`, `\t`, `\u00e9`, `\u0000`, `\u001f`,
		`\ud83d\ude00`, `\ud800`, `\udc00x`, `\ud800\u0041`, `\u2028`, "\u2028", `\x`, `\u12`, "\x01", "\t",
		"\xff", "\xe2\x82", "<>&", strings.Repeat("y", 40),
	}
	var b strings.Builder
	b.WriteByte('"')
	for range rng.IntN(6) {
		b.WriteString(pieces[rng.IntN(len(pieces))])
	}
	if rng.IntN(30) > 0 {
		b.WriteByte('"')
	}
	return b.String()
}

func BenchmarkSayLine(b *testing.B) {
	line := []byte(`{"text":"` + strings.Repeat("x", 100) + `"}`)
	for _, c := range []struct {
		name   string
		decode func([]byte, *api.SayRequest) error
	}{
		{"decodeSayLine", decodeSayLine},
		{"decodeObject", func(l []byte, r *api.SayRequest) error { return decodeObject(l, r) }},
	} {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				var req api.SayRequest
				if err := c.decode(line, &req); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
