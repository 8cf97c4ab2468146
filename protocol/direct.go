package protocol

import "errors"

// Direct carries a direct message from its author's node to its
// recipient's, not through the leader: it is never sequenced.
type Direct struct {
	Entry Entry `cbor:"1,keyasint"`
}

func (Direct) Type() MsgType { return TypeDirect }

func (m Direct) Validate() error {
	e := m.Entry
	switch {
	case e.Kind != KindDirect:
		return errors.New("entry: a direct message must be of kind direct")
	case e.Seq != 0 || e.Epoch != 0:
		return errors.New("entry: a direct message carries no sequence number or epoch")
	case e.OriginCounter == 0:
		return errors.New("entry: a direct message needs its origin's counter")
	}
	return wrapField("entry", e.Validate())
}

// DirectAck answers a Direct, naming it by its origin counter: the
// recipient stored it (Error empty), or refused it and says why.
type DirectAck struct {
	Counter uint64 `cbor:"1,keyasint"`
	Error   string `cbor:"2,keyasint,omitempty"`
}

func (DirectAck) Type() MsgType { return TypeDirectAck }

func (m DirectAck) Validate() error {
	if m.Counter == 0 {
		return errors.New("direct ack names no message")
	}
	if m.Error != "" {
		return checkReason("refusal", m.Error)
	}
	return nil
}
