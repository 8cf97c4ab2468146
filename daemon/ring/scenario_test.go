package ring_test

// Scripted scenarios: small text files in testdata/scenarios replayed on the
// simulator, each under several seeds (delivery orders). The language, one
// command a line, '#' starts a comment, "double quotes" group words (each
// verb has its handler in scenario_commands_test.go, each expectation in
// scenario_expect_test.go):
//
//	seed N                 first seed (default 1)
//	seeds K                how many seeds to run, N .. N+K-1 (default 20)
//	nodes a b c=00..ff     create detached nodes, optionally with explicit ids
//	                       (ids order elections when histories are equal)
//	found a                a founds a new ring
//	join b a               b joins through a (a's address only)
//	form a b c ...         a founds, each next one joins through the one before,
//	                       settling after each: the ring order is as listed
//	settle                 deliver until the network is quiet
//	step N                 deliver at most N messages
//	say b some text        b submits a chat message
//	tick [N]               N ticks (default 1), settling after each
//	kill a                 crash: a stops, its queued traffic is lost, every
//	                       connection to it closes
//	hang a                 a goes silent: no input, no ticks, no closed
//	                       connection; only timeouts find it out
//	resume a               a hung node runs again and reads what waited for it
//	restart a              a killed node runs again on its log, saved state and
//	                       outbox, and goes back to its ring by itself
//	leave b                b leaves gracefully
//	elect a [b ...]        these nodes start an election now (startElection)
//	elect-all              every running ring member starts an election at once
//	reset-counts           zero the message counters
//	cut a b | c d          cut every link between the parts, both ways: frames
//	                       vanish, as behind a blackhole route (nodes named in
//	                       no part keep their links)
//	cut a b -> c           cut only the links from a and b to c
//	hold a | b c           like cut, but frames wait and arrive at the heal
//	drop a b 0.1           lose that share of the frames between a and b
//	reset a b              the connections between a and b close (both see it)
//	heal                   every link whole again; held frames arrive
//	revive                 restart every killed node, resume every hung one
//	converge [N]           tick (at most N times, default 400) until the
//	                       running nodes form one ring with nothing pending;
//	                       detached ones join it, as their users would
//	reform a               a's operator forces a new view (ringctl reform)
//	check                  the invariants (see Sim.CheckInvariants); the safety
//	                       checks (ringtest.Checker) run after every step,
//	                       unless turned off by
//	safety off|on          (after a reform, which may lose what only the
//	                       dropped members held)
//	batch                  from now on a node may take several messages before
//	                       its output is sent, as the daemon's driver does
//	expect leader c        every running member follows c, and c leads
//	expect leader-in a b   the leader is one of these
//	expect epoch[op] N     every running member's epoch; op is one of = <= >=
//	expect members a b c   every running member's view holds exactly these
//	expect ring a b c      ... in this ring order (up to rotation)
//	expect log b "text"    b's committed history holds text exactly once
//	expect log-all "text"  every running member's committed history holds text
//	                       exactly once
//	expect nolog b "text"  b's history does not hold text
//	expect commit b[op] N  b's commit point
//	expect acked b "text"  b's message text was acknowledged (Acked)
//	expect presence b E    in every running member's log, the last presence
//	                       event about b is E (joined, left, died, leader)
//	expect pending b N     b has N messages not yet sequenced
//	expect state b S       b's state (detached, joining, member, electing,
//	                       no-quorum, leaving)
//	expect elections[op] N ElectionStarted events so far, over all nodes
//	expect count T[op] N   messages of type T (Election, Elected, View, ...)
//	                       since the last reset-counts
//	expect gone b [c ...]  the members b marks gone (found dead or seen leave)
//	                       are exactly these; none if it names none
//
// Where a command or expectation names a node, these pick one when the line
// runs (by a generator seeded with the seed; the line is skipped if there is
// none): @member (a running ring member), @leader (the leader the running
// members follow), @detached (a running detached node), @node (any running
// node), @hung (a hung node), @killed (a killed node).
//
// Every scenario ends with settle and check.

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

func TestScenarios(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "scenarios", "*.txt"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatal("no scenarios in testdata/scenarios")
	}
	for _, f := range files {
		sc, err := parseScenario(f)
		if err != nil {
			t.Fatal(err)
		}
		t.Run(sc.name, func(t *testing.T) {
			t.Parallel()
			for seed := sc.seed; seed < sc.seed+uint64(sc.seeds); seed++ {
				runScenario(t, sc, seed)
				if t.Failed() {
					return
				}
			}
		})
	}
}

type scenario struct {
	name  string
	seed  uint64
	seeds int
	lines []scriptLine
}

type scriptLine struct {
	no     int
	words  []string
	source string
}

func parseScenario(path string) (*scenario, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	sc := &scenario{name: strings.TrimSuffix(filepath.Base(path), ".txt"), seed: 1, seeds: 20}
	for i, raw := range strings.Split(string(data), "\n") {
		line := raw
		if j := strings.IndexByte(line, '#'); j >= 0 && !strings.Contains(line[:j], `"`) {
			line = line[:j]
		}
		words, err := splitWords(line)
		if err != nil {
			return nil, fmt.Errorf("%s:%d: %v", path, i+1, err)
		}
		if len(words) == 0 {
			continue
		}
		switch words[0] {
		case "seed", "seeds":
			if len(words) != 2 {
				return nil, fmt.Errorf("%s:%d: %s takes one number", path, i+1, words[0])
			}
			n, err := strconv.ParseUint(words[1], 10, 64)
			if err != nil || (words[0] == "seeds" && (n == 0 || n > 1000)) {
				return nil, fmt.Errorf("%s:%d: bad number %q", path, i+1, words[1])
			}
			if words[0] == "seed" {
				sc.seed = n
			} else {
				sc.seeds = int(n)
			}
			continue
		}
		sc.lines = append(sc.lines, scriptLine{no: i + 1, words: words, source: strings.TrimSpace(raw)})
	}
	return sc, nil
}

// splitWords splits on blanks; "double quotes" make one word.
func splitWords(line string) ([]string, error) {
	var words []string
	for {
		line = strings.TrimLeft(line, " \t\r")
		if line == "" {
			return words, nil
		}
		if line[0] == '"' {
			end := strings.IndexByte(line[1:], '"')
			if end < 0 {
				return nil, fmt.Errorf("unterminated quote")
			}
			words = append(words, line[1:1+end])
			line = line[end+2:]
			continue
		}
		end := strings.IndexAny(line, " \t\r")
		if end < 0 {
			end = len(line)
		}
		words = append(words, line[:end])
		line = line[end:]
	}
}
