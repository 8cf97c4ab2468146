package client

import (
	"encoding/json"
	"unicode/utf8"

	gojson "github.com/goccy/go-json"
)

// decodeLine decodes one line of a stream (a message, a say stream's
// receipt). Streams are where a client spends its time: encoding/json took
// about 7 µs a message line, and with one tail per node ringbench spent two
// thirds of its CPU there, on a machine it shares with the daemons.
// goccy/go-json gives the same values (TestDecodeLineIsEncodingJSON) in a
// fifth of the time, but for invalid UTF-8, which it keeps where
// encoding/json puts U+FFFD: ringd writes none, and such a line goes to
// encoding/json. ringd does not link this package, so its memory is not
// affected (docs/PERFORMANCE.md, change 8).
func decodeLine(line []byte, v any) error {
	if !utf8.Valid(line) {
		return json.Unmarshal(line, v)
	}
	return gojson.Unmarshal(line, v)
}
