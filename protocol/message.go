package protocol

import "strconv"

// Message is implemented by every message body. Decode returns messages as
// values (Hello, not *Hello), so type switches should use value types.
type Message interface {
	Type() MsgType
	// Validate reports whether the message is well-formed. Encode refuses
	// and Decode rejects messages that fail it.
	Validate() error
}

// MsgType identifies a message on the wire. Values are part of the protocol:
// never renumber, only append.
type MsgType uint16

const (
	TypeHello          MsgType = 1
	TypeJoinRequest    MsgType = 2
	TypeJoinReply      MsgType = 3
	TypeView           MsgType = 4
	TypeHeartbeat      MsgType = 5
	TypeElection       MsgType = 6
	TypeElected        MsgType = 7
	TypeSubmit         MsgType = 8
	TypeDeliver        MsgType = 9
	TypeAck            MsgType = 10
	TypeLeave          MsgType = 11
	TypeCatchUpRequest MsgType = 12
	TypeCatchUpReply   MsgType = 13
	TypeRefuse         MsgType = 14
	TypeDirect         MsgType = 15
	TypeDirectAck      MsgType = 16
)

// msgKind is what the codec needs to know about one message type.
type msgKind struct {
	name   string
	decode func(body []byte) (Message, error)
	// decodeWhole decodes a whole envelope of this type in one pass; false
	// if it is not one (Decode then takes the envelope and body apart to
	// say what is wrong).
	decodeWhole func(payload []byte) (Header, Message, bool)
}

// typedEnvelope is Envelope with the body of a known type.
type typedEnvelope[M Message] struct {
	Type    MsgType `cbor:"1,keyasint"`
	Lamport uint64  `cbor:"2,keyasint,omitempty"`
	From    string  `cbor:"3,keyasint,omitempty"`
	Epoch   uint64  `cbor:"4,keyasint,omitempty"`
	Body    *M      `cbor:"5,keyasint"`
}

func kind[M Message](name string) msgKind {
	return msgKind{
		name: name,
		decode: func(body []byte) (Message, error) {
			var m M
			if err := decMode.Unmarshal(body, &m); err != nil {
				return nil, err
			}
			return m, nil
		},
		decodeWhole: func(payload []byte) (Header, Message, bool) {
			var env typedEnvelope[M]
			if err := decMode.Unmarshal(payload, &env); err != nil || env.Body == nil || env.Type != (*env.Body).Type() {
				return Header{}, nil, false
			}
			return Header{Lamport: env.Lamport, From: env.From, Epoch: env.Epoch}, *env.Body, true
		},
	}
}

// registry lists every message type Decode accepts. Adding a type means a
// new MsgType constant, a struct with Type and Validate, and a line here.
var registry = map[MsgType]msgKind{
	TypeHello:          kind[Hello]("Hello"),
	TypeJoinRequest:    kind[JoinRequest]("JoinRequest"),
	TypeJoinReply:      kind[JoinReply]("JoinReply"),
	TypeView:           kind[View]("View"),
	TypeHeartbeat:      kind[Heartbeat]("Heartbeat"),
	TypeElection:       kind[Election]("Election"),
	TypeElected:        kind[Elected]("Elected"),
	TypeSubmit:         kind[Submit]("Submit"),
	TypeDeliver:        kind[Deliver]("Deliver"),
	TypeAck:            kind[Ack]("Ack"),
	TypeLeave:          kind[Leave]("Leave"),
	TypeCatchUpRequest: kind[CatchUpRequest]("CatchUpRequest"),
	TypeCatchUpReply:   kind[CatchUpReply]("CatchUpReply"),
	TypeRefuse:         kind[Refuse]("Refuse"),
	TypeDirect:         kind[Direct]("Direct"),
	TypeDirectAck:      kind[DirectAck]("DirectAck"),
}

func (t MsgType) String() string {
	if k, ok := registry[t]; ok {
		return k.name
	}
	return "MsgType(" + strconv.Itoa(int(t)) + ")"
}
