package ipc

import (
	"context"

	"github.com/ringchat/ring/daemon/chat"
	"github.com/ringchat/ring/daemon/node"
	"github.com/ringchat/ring/daemon/watch"
)

// Node is what the local API needs of the node (*node.Node is one).
type Node interface {
	Status() chat.Status
	Members() []chat.Member
	Join(ctx context.Context, addr string) (chat.Status, error)
	Leave(ctx context.Context) (chat.Status, error)
	Reform(ctx context.Context) (chat.Status, error)
	Say(ctx context.Context, text, to string) (chat.Receipt, error)
	SayAsync(ctx context.Context, text, to string) (<-chan node.SayResult, error)
	SayMany(ctx context.Context, reqs []node.SayRequest) ([]<-chan node.SayResult, error)
	// Follow returns the stored messages matching q and a stream of every
	// later one that survives the node dropping it as too slow.
	Follow(q watch.Query) ([]chat.Message, *watch.Follower, error)
}
