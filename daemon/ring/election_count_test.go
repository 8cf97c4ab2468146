package ring_test

import (
	"fmt"
	"math/rand/v2"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/ringchat/ring/daemon/ring"
	"github.com/ringchat/ring/daemon/ring/ringtest"
	"github.com/ringchat/ring/protocol"
)

// TestElectionCounts measures the Chang–Roberts election's message counts
// on the simulator, through the real codec, over seeded random placements of
// the node ids around the ring (docs/ELECTION.md has the numbers):
//
//   - every node stands at once (a ring formed, equal histories, so the ids
//     decide): Election messages never exceed n(n+1)/2, their mean is close
//     to n·H(n), Elected messages are exactly n, and the count is exactly the
//     one Chang–Roberts predicts for the placement (each candidacy travels to
//     the next larger id; the largest goes all the way round);
//   - a single node stands: Election messages are exactly d+n, where d is the
//     distance from the initiator to the largest id, so at most 2n−1, and
//     with the n Elected messages at most 3n−1.
func TestElectionCounts(t *testing.T) {
	t.Parallel()
	placements := 200
	if testing.Short() || raceEnabled {
		placements = 40
	}
	type row struct {
		n                                int
		worst, best                      int
		mean, bound, nHn                 float64
		singleWorst, singleElected       int
		singleMean                       float64
		electedPerElection, singleRounds int
	}
	var rows []row
	for _, n := range []int{3, 5, 10, 20, 50} {
		rng := rand.New(rand.NewPCG(uint64(n), 0xe1ec7))
		r := row{n: n, best: 1 << 30, bound: float64(n*(n+1)) / 2, nHn: float64(n) * harmonic(n)}
		total := 0
		singleTotal := 0
		for p := range placements {
			ranks := rng.Perm(n) // ranks[i]: the id rank of the i-th node round the ring
			// Every node at once.
			el, ed := runElectionCount(t, ranks, uint64(p), nil)
			if want := crAllInitiate(ranks); el != want {
				t.Fatalf("n=%d placement %v: %d Election messages, Chang–Roberts predicts %d", n, ranks, el, want)
			}
			if el > n*(n+1)/2 {
				t.Fatalf("n=%d placement %v: %d Election messages exceed n(n+1)/2=%d", n, ranks, el, n*(n+1)/2)
			}
			if ed != n {
				t.Fatalf("n=%d placement %v: %d Elected messages, want %d", n, ranks, ed, n)
			}
			total += el
			r.worst = max(r.worst, el)
			r.best = min(r.best, el)
			// One node, chosen at random, stands.
			from := rng.IntN(n)
			el, ed = runElectionCount(t, ranks, uint64(p), &from)
			if want := crSingle(ranks, from); el != want {
				t.Fatalf("n=%d placement %v, initiator %d: %d Election messages, Chang–Roberts predicts %d", n, ranks, from, el, want)
			}
			if el > 2*n-1 || el+ed > 3*n-1 || ed != n {
				t.Fatalf("n=%d placement %v, initiator %d: %d Election + %d Elected messages, bounds 2n-1=%d and 3n-1=%d",
					n, ranks, from, el, ed, 2*n-1, 3*n-1)
			}
			singleTotal += el
			r.singleWorst = max(r.singleWorst, el)
		}
		r.mean = float64(total) / float64(placements)
		r.singleMean = float64(singleTotal) / float64(placements)
		r.electedPerElection = n
		// The mean of Chang–Roberts over random placements is n·H(n); over
		// 200 placements the sample mean stays within a few percent of it
		// (40 under the race detector: within 15%).
		if lo, hi := 0.85*r.nHn, 1.15*r.nHn; r.mean < lo || r.mean > hi {
			t.Errorf("n=%d: mean %.1f Election messages, outside [%.1f, %.1f] around n·H(n)=%.1f", n, r.mean, lo, hi, r.nHn)
		}
		rows = append(rows, r)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%d placements per n\n", placements)
	fmt.Fprintf(&b, "| n | worst | mean | best | n(n+1)/2 | n·H(n) | mean / n·H(n) | Elected | single: worst | single: mean | 2n−1 |\n")
	fmt.Fprintf(&b, "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n")
	for _, r := range rows {
		fmt.Fprintf(&b, "| %d | %d | %.1f | %d | %.0f | %.1f | %.3f | %d | %d | %.1f | %d |\n",
			r.n, r.worst, r.mean, r.best, r.bound, r.nHn, r.mean/r.nHn, r.electedPerElection, r.singleWorst, r.singleMean, 2*r.n-1)
	}
	t.Logf("Election messages (Chang–Roberts):\n%s", b.String())
}

func harmonic(n int) float64 {
	h := 0.0
	for k := 1; k <= n; k++ {
		h += 1 / float64(k)
	}
	return h
}

// crAllInitiate is what Chang–Roberts sends when every node stands at once:
// each candidacy travels until the first larger id; the largest, n hops.
func crAllInitiate(ranks []int) int {
	n := len(ranks)
	total := 0
	for i := range n {
		d := 1
		for ; d < n && ranks[(i+d)%n] < ranks[i]; d++ {
		}
		total += d
	}
	return total
}

// crSingle is what it sends when only node from stands: the running maximum
// travels to the largest id, whose candidacy then goes all the way round.
func crSingle(ranks []int, from int) int {
	n := len(ranks)
	top := slices.Index(ranks, n-1)
	return (top-from+n)%n + n
}

// runElectionCount forms a ring of len(ranks) nodes whose ids follow ranks
// round the ring, with equal (empty) histories and a leader in epoch 1, then
// makes every node (or only node *single) start an election, and returns the
// Election and Elected messages sent until the network is quiet. It checks
// that the largest id won and that every node follows it.
func runElectionCount(t *testing.T, ranks []int, seed uint64, single *int) (election, elected int) {
	t.Helper()
	s := ringtest.New(t, seed)
	if os.Getenv("RING_TRACE") != "" {
		s.Trace = t.Logf
	}
	n := len(ranks)
	nodes := make([]*ringtest.Node, n)
	infos := make([]protocol.NodeInfo, n)
	for i, r := range ranks {
		nodes[i] = s.Add(fmt.Sprintf("n%d", i), fmt.Sprintf("%016x", r+1))
		infos[i] = nodes[i].Info
	}
	// The ring as it stands after joins, set up directly: n² join messages
	// for every placement would dwarf what is measured.
	// The leader of epoch 1 is gone, and nobody has heard from it since:
	// nobody holds a candidacy back for it.
	gone := protocol.NodeInfo{ID: "ffffffffffffffff", Name: "gone", Addr: "127.0.0.1:6999"}
	v := protocol.View{Version: 1, Epoch: 1, Leader: gone.ID, Members: infos, RingID: "counted"}
	for _, nd := range nodes {
		ring.SetFollower(nd.M, v, gone)
	}
	if single != nil {
		elect(s, nodes[*single])
	} else {
		for _, nd := range nodes {
			ring.StartElection(nd.M, "counted")
		}
		for _, nd := range nodes {
			ring.Flush(nd.M)
			s.Collect(nd)
		}
	}
	// Deliver (in random order, other traffic too) until no election
	// message is left; the views and catch-ups that follow are not counted.
	for i := 0; s.InFlight(protocol.TypeElection, protocol.TypeElected); i++ {
		if i > 100*n*n || !s.Step() {
			t.Fatalf("placement %v: the election does not end", ranks)
		}
	}
	top := nodes[slices.Index(ranks, n-1)]
	if !top.M.IsLeader() || top.M.Epoch() != 2 || len(top.M.View().Members) != n {
		t.Fatalf("placement %v: the largest id %s is %s in epoch %d with %d members, want leader of all in epoch 2",
			ranks, top.Name, top.M.State(), top.M.Epoch(), len(top.M.View().Members))
	}
	for _, nd := range nodes {
		if sv := nd.M.Saved(); sv.Term != 2 || sv.Vote != top.Info.ID {
			t.Fatalf("placement %v: %s voted for %q in epoch %d, want %s in 2", ranks, nd.Name, sv.Vote, sv.Term, top.Name)
		}
	}
	return s.Counts[protocol.TypeElection], s.Counts[protocol.TypeElected]
}
