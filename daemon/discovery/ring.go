package discovery

import (
	"cmp"
	"log/slog"
	"net"
	"slices"

	"github.com/ringchat/ring/daemon/chat"
)

// Ring is one ring found on the LAN, as its answering members describe it.
type Ring struct {
	ID      string       `json:"id"`
	Leader  chat.NodeRef `json:"leader"`  // addr is set when the leader answered itself
	Members int          `json:"members"` // the largest count an answer gave
	Secret  bool         `json:"secret"`  // some answer says the ring needs the cluster secret
	Proto   uint16       `json:"proto"`   // the lowest peer protocol version an answer gave
	Nodes   []Node       `json:"nodes"`   // the members that answered, the leader first
}

// Node is one member that answered.
type Node struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	Addr string `json:"addr"` // its peer address, to join through
	From string `json:"from"` // the address its answer came from
}

// JoinAddr is the address to join the ring through: the leader's when it
// answered, else another answering member's.
func (r Ring) JoinAddr() string { return r.Nodes[0].Addr }

type answer struct {
	a    Announcement
	from string
}

// collector keeps the valid answers to one query, one per node.
type collector struct {
	nonce   Nonce
	log     *slog.Logger
	seen    map[string]bool
	answers []answer
}

func newCollector(n Nonce, log *slog.Logger) *collector {
	return &collector{nonce: n, log: log, seen: map[string]bool{}}
}

func (c *collector) count() int { return len(c.answers) }

func (c *collector) add(b []byte, src net.Addr) {
	nonce, a, err := parseAnswer(b)
	switch {
	case err != nil:
		c.log.Debug("answer ignored", "from", src.String(), "err", err)
	case nonce != c.nonce:
		c.log.Debug("answer to another query ignored", "from", src.String())
	case c.seen[a.ID]:
		// The same node again: it heard the query on two interfaces, or twice.
	default:
		c.seen[a.ID] = true
		from := src.String()
		if u, ok := src.(*net.UDPAddr); ok {
			from = u.IP.String()
		}
		c.answers = append(c.answers, answer{a: a, from: from})
	}
}

// rings groups the answers by ring id. The leader's own answer names the
// leader; without one, the first answer does. Rings are sorted by leader
// name, then id.
func (c *collector) rings() []Ring {
	byID := map[string]*Ring{}
	leaderAnswered := map[string]bool{}
	var order []string
	for _, ans := range c.answers {
		a := ans.a
		r := byID[a.Ring]
		if r == nil {
			r = &Ring{ID: a.Ring, Proto: a.Proto}
			byID[a.Ring] = r
			order = append(order, a.Ring)
		}
		isLeader := a.ID == a.LeaderID
		if isLeader || (!leaderAnswered[a.Ring] && r.Leader.ID == "") {
			r.Leader = chat.NodeRef{ID: a.LeaderID, Name: a.LeaderName}
		}
		if isLeader {
			r.Leader.Addr = a.Addr
			leaderAnswered[a.Ring] = true
		}
		r.Members = max(r.Members, a.Members)
		r.Secret = r.Secret || a.Secret
		r.Proto = min(r.Proto, a.Proto)
		r.Nodes = append(r.Nodes, Node{ID: a.ID, Name: a.Name, Addr: a.Addr, From: ans.from})
	}
	out := make([]Ring, 0, len(order))
	for _, id := range order {
		r := byID[id]
		slices.SortFunc(r.Nodes, func(x, y Node) int {
			if xl, yl := x.ID == r.Leader.ID, y.ID == r.Leader.ID; xl != yl {
				if xl {
					return -1
				}
				return 1
			}
			return cmp.Or(cmp.Compare(x.Name, y.Name), cmp.Compare(x.ID, y.ID))
		})
		out = append(out, *r)
	}
	slices.SortFunc(out, func(x, y Ring) int {
		return cmp.Or(cmp.Compare(x.Leader.Name, y.Leader.Name), cmp.Compare(x.ID, y.ID))
	})
	return out
}
