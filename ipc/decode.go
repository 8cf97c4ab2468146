package ipc

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"reflect"
	"strings"
	"unicode/utf8"
)

// decodeBody decodes the request body, already read by readFullBody, into v
// and answers a 400 naming the problem when it is not what v describes.
func decodeBody(w http.ResponseWriter, r *http.Request, v any) bool {
	b, err := io.ReadAll(r.Body)
	if err == nil {
		err = decodeObject(b, v)
	}
	if err != nil {
		writeError(w, http.StatusBadRequest, "malformed request body: "+err.Error())
		return false
	}
	return true
}

// decodeObject decodes b, which must hold exactly one JSON object with no
// fields other than v's, and says what is wrong otherwise.
func decodeObject(b []byte, v any) error {
	if !utf8.Valid(b) {
		return errors.New("not valid UTF-8")
	}
	rest := bytes.TrimLeft(b, " \t\r\n")
	switch {
	case len(rest) == 0:
		return errors.New("empty; expected a JSON object")
	case rest[0] != '{' && json.Valid(rest):
		return fmt.Errorf("expected a JSON object, got %s", jsonKind(rest[0]))
	case rest[0] != '{':
		return errors.New("not JSON; expected a JSON object")
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return describeJSONError(err, b, v)
	}
	if len(bytes.TrimLeft(b[dec.InputOffset():], " \t\r\n")) > 0 {
		return errors.New("more than one JSON value, or other data after the object")
	}
	return nil
}

// describeJSONError says what is wrong with b, which failed to decode
// into v with err.
func describeJSONError(err error, b []byte, v any) error {
	var syntax *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syntax):
		return fmt.Errorf("invalid JSON at byte %d: %v", syntax.Offset, syntax)
	case errors.Is(err, io.ErrUnexpectedEOF):
		return errors.New("truncated JSON")
	case errors.As(err, &typ) && typ.Field != "":
		return fmt.Errorf("field %q: expected a JSON %s, got %s", typ.Field, jsonTypeName(typ.Type), typ.Value)
	case errors.As(err, &typ):
		return fmt.Errorf("expected a JSON object, got %s", typ.Value)
	}
	msg := strings.TrimPrefix(err.Error(), "json: ")
	// encoding/json has no error value for an unknown field: the object
	// decodes with unknown fields allowed only if that was the fault.
	if json.NewDecoder(bytes.NewReader(b)).Decode(reflect.New(reflect.TypeOf(v).Elem()).Interface()) == nil {
		msg += " (known: " + knownFields(v) + ")"
	}
	return errors.New(msg)
}

// jsonKind names the kind of a valid JSON value that starts with c.
func jsonKind(c byte) string {
	switch c {
	case '[':
		return "an array"
	case '"':
		return "a string"
	case 'n':
		return "null"
	case 't', 'f':
		return "a boolean"
	}
	return "a number"
}

func jsonTypeName(t reflect.Type) string {
	switch t.Kind() {
	case reflect.String:
		return "string"
	case reflect.Bool:
		return "boolean"
	case reflect.Struct, reflect.Map:
		return "object"
	case reflect.Slice, reflect.Array:
		return "array"
	}
	return "number"
}

// knownFields lists the JSON names of the fields of the struct v points to.
func knownFields(v any) string {
	t := reflect.TypeOf(v)
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	var names []string
	for i := range t.NumField() {
		name, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ",")
		if name != "" && name != "-" {
			names = append(names, name)
		}
	}
	if len(names) == 0 {
		return "none"
	}
	return strings.Join(names, ", ")
}
