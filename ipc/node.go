package ipc

import (
	"context"

	"github.com/ringchat/ring/daemon/node"
	"github.com/ringchat/ring/daemon/chat"
)

// Node is what the local API needs of the node.
type Node interface {
	calls
	Watch(q node.Query) ([]chat.Message, *node.Subscription, error)
}

// calls are the node's methods the handlers use as they are.
type calls interface {
	Status() chat.Status
	Members() []chat.Member
	Join(ctx context.Context, addr string) (chat.Status, error)
	Leave(ctx context.Context) (chat.Status, error)
	Reform(ctx context.Context) (chat.Status, error)
	Say(ctx context.Context, text, to string) (chat.Receipt, error)
	SayAsync(ctx context.Context, text, to string) (<-chan node.SayResult, error)
}

// backend is Node with Watch behind an interface: a *node.Subscription can
// only be made by a real node, and the tests drive the handlers with fakes.
type backend interface {
	calls
	watch(q node.Query) ([]chat.Message, subscription, error)
}

// subscription is what a message stream needs of a node's watcher.
type subscription interface {
	Messages() <-chan chat.Message
	Err() error
	Close()
}

type nodeBackend struct{ Node }

func (n nodeBackend) watch(q node.Query) ([]chat.Message, subscription, error) {
	backlog, sub, err := n.Watch(q)
	if err != nil {
		return nil, nil, err
	}
	return backlog, daemonSubscription{sub}, nil
}

type daemonSubscription struct{ *node.Subscription }

func (s daemonSubscription) Messages() <-chan chat.Message { return s.C }
