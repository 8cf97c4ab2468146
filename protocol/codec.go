package protocol

import (
	"errors"
	"fmt"

	"github.com/fxamacker/cbor/v2"
)

var (
	// ErrMalformed is wrapped by Decode errors for payloads that are not a
	// CBOR envelope with a body of the announced type.
	ErrMalformed = errors.New("protocol: malformed message")
	// ErrInvalidMessage is wrapped by Encode and Decode errors for messages
	// that are well-formed CBOR but fail validation.
	ErrInvalidMessage = errors.New("protocol: invalid message")
)

// UnknownTypeError reports a message type missing from this node's registry,
// typically one introduced by a newer version.
type UnknownTypeError struct {
	Type MsgType
}

func (e *UnknownTypeError) Error() string {
	return fmt.Sprintf("protocol: unknown message type %d", uint16(e.Type))
}

// Envelope is the CBOR structure of every frame payload. Body holds the
// CBOR encoding of the message identified by Type.
type Envelope struct {
	Type    MsgType         `cbor:"1,keyasint"`
	Lamport uint64          `cbor:"2,keyasint,omitempty"`
	From    string          `cbor:"3,keyasint,omitempty"` // sender node id
	Epoch   uint64          `cbor:"4,keyasint,omitempty"`
	Body    cbor.RawMessage `cbor:"5,keyasint"`
}

// Header is the per-message metadata carried by the envelope.
type Header struct {
	Lamport uint64 // sender's Lamport time when sending
	From    string // sender node id
	Epoch   uint64 // leadership epoch the sender is in
}

// Limits for untrusted input. Arrays never legitimately exceed MaxMembers or
// MaxEntries, and the largest struct has 11 fields; keeping both bounds this
// low also bounds how much a small payload can make the decoder allocate.
const (
	maxNestedLevels  = 16
	maxArrayElements = max(MaxMembers, MaxEntries)
	maxMapPairs      = MaxOrigins // CatchUpReply.Origins is the largest map
)

var (
	decMode = mustDecMode()
	encMode = mustEncMode()
)

func mustDecMode() cbor.DecMode {
	dm, err := cbor.DecOptions{
		DupMapKey:        cbor.DupMapKeyEnforcedAPF,
		IndefLength:      cbor.IndefLengthForbidden,
		TagsMd:           cbor.TagsForbidden,
		MaxNestedLevels:  maxNestedLevels,
		MaxArrayElements: maxArrayElements,
		MaxMapPairs:      maxMapPairs,
		UTF8:             cbor.UTF8RejectInvalid,
	}.DecMode()
	if err != nil {
		panic(err)
	}
	return dm
}

func mustEncMode() cbor.EncMode {
	em, err := cbor.CoreDetEncOptions().EncMode()
	if err != nil {
		panic(err)
	}
	return em
}

// Encode validates m and returns the frame payload carrying it with the
// given header fields.
func Encode(lamport uint64, from string, epoch uint64, m Message) ([]byte, error) {
	if m == nil {
		return nil, fmt.Errorf("%w: nil message", ErrInvalidMessage)
	}
	t := m.Type()
	if _, ok := registry[t]; !ok {
		return nil, &UnknownTypeError{Type: t}
	}
	if err := checkID("sender id", from); err != nil {
		return nil, fmt.Errorf("%w: envelope: %w", ErrInvalidMessage, err)
	}
	if err := m.Validate(); err != nil {
		return nil, fmt.Errorf("%w: %s: %w", ErrInvalidMessage, t, err)
	}
	body, err := encMode.Marshal(m)
	if err != nil {
		return nil, fmt.Errorf("protocol: encode %s: %w", t, err)
	}
	payload, err := encMode.Marshal(Envelope{Type: t, Lamport: lamport, From: from, Epoch: epoch, Body: body})
	if err != nil {
		return nil, fmt.Errorf("protocol: encode %s envelope: %w", t, err)
	}
	return payload, nil
}

// peekType reads the message type at the start of an envelope as Encode
// writes it (a map whose first key is 1, the type); 0, no type, otherwise.
func peekType(p []byte) MsgType {
	if len(p) < 3 || p[0] < 0xa1 || p[0] > 0xb7 || p[1] != 0x01 {
		return 0
	}
	switch v := p[2]; {
	case v <= 0x17:
		return MsgType(v)
	case v == 0x18 && len(p) > 3:
		return MsgType(p[3])
	}
	return 0
}

// Decode parses and validates one frame payload. Errors wrap ErrMalformed or
// ErrInvalidMessage, or are an *UnknownTypeError. The header is returned
// whenever the envelope itself was valid, to help log the culprit.
func Decode(payload []byte) (Header, Message, error) {
	if len(payload) == 0 {
		return Header{}, nil, fmt.Errorf("%w: empty payload", ErrMalformed)
	}
	// The common case in one pass: the CBOR is checked and decoded once,
	// not once for the envelope and again for the body.
	if k, ok := registry[peekType(payload)]; ok {
		if h, m, ok := k.decodeWhole(payload); ok {
			if err := checkID("sender id", h.From); err != nil {
				return Header{}, nil, fmt.Errorf("%w: envelope: %w", ErrInvalidMessage, err)
			}
			if err := m.Validate(); err != nil {
				return h, nil, fmt.Errorf("%w: %s: %w", ErrInvalidMessage, m.Type(), err)
			}
			return h, m, nil
		}
	}
	var env Envelope
	// The CBOR error is formatted with %v, not wrapped: it may be io.EOF,
	// which callers would mistake for the end of the stream.
	if err := decMode.Unmarshal(payload, &env); err != nil {
		return Header{}, nil, fmt.Errorf("%w: envelope: %v", ErrMalformed, err)
	}
	if err := checkID("sender id", env.From); err != nil {
		return Header{}, nil, fmt.Errorf("%w: envelope: %w", ErrInvalidMessage, err)
	}
	h := Header{Lamport: env.Lamport, From: env.From, Epoch: env.Epoch}
	k, ok := registry[env.Type]
	if !ok {
		return h, nil, &UnknownTypeError{Type: env.Type}
	}
	if len(env.Body) == 0 {
		return h, nil, fmt.Errorf("%w: %s has no body", ErrMalformed, env.Type)
	}
	m, err := k.decode(env.Body)
	if err != nil {
		return h, nil, fmt.Errorf("%w: %s body: %v", ErrMalformed, env.Type, err)
	}
	if err := m.Validate(); err != nil {
		return h, nil, fmt.Errorf("%w: %s: %w", ErrInvalidMessage, env.Type, err)
	}
	return h, m, nil
}
