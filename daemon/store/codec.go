package store

import (
	"encoding/json"
	"time"

	"github.com/ringchat/ring/daemon/chat"
)

// Messages are stored as JSON rather than CBOR: chat.Message's JSON form is
// the product contract (SPEC §4, field names never change), so old records
// stay readable by any later version, and `bbolt get` shows them as they
// are. Encoding costs about a microsecond a message, small next to an fsync
// even when a commit carries thousands of them.

func encode(m chat.Message) ([]byte, error) { return json.Marshal(m) }

func decode(b []byte) (chat.Message, error) {
	var m chat.Message
	err := json.Unmarshal(b, &m)
	return m, err
}

// decodeTime reads only a stored message's time, for retention by age.
func decodeTime(b []byte) (time.Time, error) {
	var m struct {
		Time time.Time `json:"time"`
	}
	err := json.Unmarshal(b, &m)
	return m.Time, err
}
