package watch

import (
	"sync"

	json "github.com/segmentio/encoding/json"

	"github.com/ringchat/ring/daemon/chat"
)

// Message is a published message as a watcher gets it: the message, and
// its JSON line, encoded once for all the watchers that ask for it.
type Message struct {
	chat.Message
	line *line // shared by every watcher of one published message; nil for one read from the history
}

type line struct {
	once sync.Once
	m    chat.Message // encoded from here: on the heap already, so the encoder boxes no copy of it
	b    []byte
	err  error
}

func published(m chat.Message) Message { return Message{Message: m, line: &line{m: m}} }

// JSON is the message as the local API streams it: its JSON object and a
// newline. A published message is encoded once, by the first watcher that
// asks, and every watcher gets the same bytes: they must not be changed.
func (m Message) JSON() ([]byte, error) {
	if m.line == nil {
		return encodeCopy(m.Message)
	}
	l := m.line
	l.once.Do(func() { l.b, l.err = encodeLine(&l.m) })
	return l.b, l.err
}

// encodeCopy encodes a message read from the history. Its own function so
// that only this path moves a copy of the message to the heap: taking
// &m.Message in JSON would move every receiver there, published or not.
func encodeCopy(m chat.Message) ([]byte, error) { return encodeLine(&m) }

// encodeLine is encoding/json's bytes of m and a newline
// (TestLineIsEncodingJSON), written by segmentio/encoding: every published
// message is encoded once on every node, and this takes half of
// encoding/json's time (docs/PERFORMANCE.md, change 11).
func encodeLine(m *chat.Message) ([]byte, error) {
	b, err := json.Append(make([]byte, 0, lineEstimate+len(m.Text)), m, json.EscapeHTML|json.SortMapKeys)
	if err != nil {
		return nil, err
	}
	return append(b, '\n'), nil
}

// lineEstimate is about what a line holds besides its text (fields, ids,
// names, addresses, time), so that most lines take one allocation.
const lineEstimate = 320
