package ipc

import (
	"bytes"
	"unicode/utf8"

	sjson "github.com/segmentio/encoding/json"

	"github.com/ringchat/ring/ipc/api"
)

// decodeSayLine decodes one line of a say stream as decodeObject does. A
// line that is one object with no unknown field, all a sayer sends, is
// parsed by segmentio/encoding (ringd links it for the watchers' lines);
// any other goes to decodeObject, which also words the refusal. With
// encoding/json alone the say lines took 3 % of the daemons' CPU at full
// throughput (docs/PERFORMANCE.md). TestSayLineIsDecodeObject checks that
// what the fast path takes, decodeObject takes the same.
func decodeSayLine(b []byte, req *api.SayRequest) error {
	if fastSayLine(b, req) {
		return nil
	}
	*req = api.SayRequest{}
	return decodeObject(b, req)
}

func fastSayLine(b []byte, req *api.SayRequest) bool {
	rest := bytes.TrimLeft(b, " \t\r\n")
	if len(rest) == 0 || rest[0] != '{' || !utf8.Valid(rest) {
		return false
	}
	tail, err := sjson.Parse(rest, req, sjson.DisallowUnknownFields)
	return err == nil && len(bytes.TrimLeft(tail, " \t\r\n")) == 0
}
