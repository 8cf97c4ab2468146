package node

import (
	"log/slog"

	"github.com/ringchat/ring/daemon/chat"
	"github.com/ringchat/ring/daemon/transport"
	"github.com/ringchat/ring/protocol"
)

// checkText checks text said on this node against its limits.max_text, as
// an InputError, which the local API answers with 400.
func (n *Node) checkText(text string) error {
	if err := chat.CheckTextLimit(text, n.opts.Limits.MaxText); err != nil {
		p := err.Error()
		if len(text) > n.opts.Limits.MaxText {
			p += " (limits.max_text of this ringd)"
		}
		return &InputError{Field: "text", Problem: p}
	}
	return nil
}

// admitJoinRequest reports whether in may go to the machine: anything but
// a join request over limits.join_rate.
func (n *Node) admitJoinRequest(in transport.Inbound) bool {
	if _, ok := in.Msg.(protocol.JoinRequest); !ok {
		return true
	}
	ok, report := n.drv.joinLimit.allow(n.now())
	if ok {
		return true
	}
	n.joinsDropped.Add(1)
	if report > 0 {
		n.ringLog(slog.LevelWarn, "dropping join requests over limits.join_rate",
			"dropped", report, "rate", n.opts.Limits.JoinRate, "burst", n.opts.Limits.JoinBurst,
			"from", in.Header.From, "remote", in.Remote)
	}
	return false
}
