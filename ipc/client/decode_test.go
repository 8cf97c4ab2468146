package client

import (
	"encoding/json"
	"math/rand/v2"
	"reflect"
	"testing"
	"time"

	"github.com/ringchat/ring/daemon/chat"
	"github.com/ringchat/ring/internal/testutil"
	"github.com/ringchat/ring/ipc/api"
)

// TestDecodeLineIsEncodingJSON: decodeLine gives encoding/json's values for
// the lines ringd writes (random messages with characters JSON escapes,
// invalid UTF-8, zones; say stream receipts and refusals), keeps nothing of
// the buffer it decoded, and does not panic on damaged lines.
func TestDecodeLineIsEncodingJSON(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	zones := []*time.Location{time.UTC, time.FixedZone("", 3600), time.FixedZone("", -(9*3600 + 1800))}
	accepted := 0 // damaged lines encoding/json still took
	for range 20000 {
		m := testutil.OddMessage(rng, time.Unix(rng.Int64N(100e9), rng.Int64N(1e9)).In(zones[rng.IntN(len(zones))]))
		line, err := json.Marshal(m)
		if err != nil {
			t.Fatal(err)
		}
		damaged := append([]byte(nil), line...) // sameAsEncodingJSON overwrites line
		sameAsEncodingJSON[chat.Message](t, line)

		for range 1 + rng.IntN(3) {
			const junk = "{}[]\",:\\x0 "
			damaged[rng.IntN(len(damaged))] = junk[rng.IntN(len(junk))]
		}
		var std chat.Message
		if json.Unmarshal(damaged, &std) == nil {
			accepted++
			sameAsEncodingJSON[chat.Message](t, damaged)
		} else {
			var got chat.Message
			_ = decodeLine(damaged, &got) // must not panic; it may be laxer than encoding/json
		}
	}
	if accepted == 0 {
		t.Error("encoding/json accepted none of the damaged lines: the comparison of damaged lines never ran")
	}
	// Raw invalid UTF-8 (ringd writes none: encoding/json replaces it):
	// the same replacement either way.
	sameAsEncodingJSON[chat.Message](t, []byte("{\"seq\":1,\"text\":\"a\xffb\xe2\x82\",\"from\":{\"name\":\"\xc0\"}}"))
	for _, l := range []api.SayLine{
		{Receipt: chat.Receipt{Seq: 7, Lamport: 9, ID: "0123456789abcdef/3"}},
		{Error: api.Error{Error: "no quorum: 2 of 5 members reachable", Code: "no_quorum", Queued: true}},
		{Error: api.Error{Error: "line 3: text has a control character", Code: "bad_request"}},
	} {
		line, _ := json.Marshal(l)
		sameAsEncodingJSON[api.SayLine](t, line)
	}
}

// sameAsEncodingJSON decodes line with encoding/json and with decodeLine,
// then overwrites line, and fails unless both values are equal.
func sameAsEncodingJSON[T any](t *testing.T, line []byte) {
	t.Helper()
	var want, got T
	if err := json.Unmarshal(line, &want); err != nil {
		t.Fatalf("encoding/json: %v: %q", err, line)
	}
	if err := decodeLine(line, &got); err != nil {
		t.Fatalf("decodeLine: %v: %q", err, line)
	}
	orig := string(line)
	for i := range line {
		line[i] = 'X'
	}
	if !reflect.DeepEqual(want, got) {
		t.Fatalf("line %q:\ndecodeLine    %#v\nencoding/json %#v", orig, got, want)
	}
}
