package protocol

import "testing"

func TestCandidateKeyCompare(t *testing.T) {
	k := CandidateKey{Epoch: 5, LastSeq: 100, NodeID: "b"}
	tests := []struct {
		name  string
		other CandidateKey
		want  int
	}{
		{"equal", k, 0},
		{"higher epoch wins over seq", CandidateKey{Epoch: 6, LastSeq: 0, NodeID: "a"}, -1},
		{"lower epoch loses", CandidateKey{Epoch: 4, LastSeq: 999, NodeID: "z"}, 1},
		{"higher seq wins over id", CandidateKey{Epoch: 5, LastSeq: 101, NodeID: "a"}, -1},
		{"lower seq loses", CandidateKey{Epoch: 5, LastSeq: 99, NodeID: "z"}, 1},
		{"id breaks ties", CandidateKey{Epoch: 5, LastSeq: 100, NodeID: "c"}, -1},
		{"id compared bytewise", CandidateKey{Epoch: 5, LastSeq: 100, NodeID: "B"}, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := k.Compare(tt.other); got != tt.want {
				t.Errorf("k.Compare(o) = %d, want %d", got, tt.want)
			}
			if got := tt.other.Compare(k); got != -tt.want {
				t.Errorf("o.Compare(k) = %d, want %d", got, -tt.want)
			}
		})
	}
}

func TestDirectValidate(t *testing.T) {
	good := Direct{Entry: Entry{OriginID: "a1", OriginCounter: 1, Kind: KindDirect, To: "bob", Text: "hi"}}
	if err := good.Validate(); err != nil {
		t.Fatal(err)
	}
	for name, mod := range map[string]func(*Entry){
		"chat kind":    func(e *Entry) { e.Kind = KindChat },
		"sequenced":    func(e *Entry) { e.Seq = 3 },
		"no counter":   func(e *Entry) { e.OriginCounter = 0 },
		"no recipient": func(e *Entry) { e.To = "" },
	} {
		bad := good
		mod(&bad.Entry)
		if bad.Validate() == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	if (DirectAck{}).Validate() == nil {
		t.Error("an ack naming no message was accepted")
	}
}
