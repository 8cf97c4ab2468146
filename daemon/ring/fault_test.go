package ring_test

import (
	"fmt"
	"math/rand/v2"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// TestRandomFaults runs seeded random schedules of joins, says, kills, hangs,
// restarts, leaves, network cuts (both ways, one way, with frames lost or
// held), lossy links, heals, partial deliveries and ticks on 3–7 nodes. The
// safety invariants are checked after every step (ringtest.Checker); at
// the end everything heals and the ring must come together, with every
// acknowledged message. A failing seed prints its schedule as a scenario
// script, ready for testdata/scenarios.
//
// RING_FAULT_SEEDS=n runs n seeds instead of the default, from
// RING_FAULT_FIRST=f (default 1); RING_FAULT_SEED=s runs only seed s
// (RING_TRACE=1 logs its every message and event). RING_FAULT_KEEPGOING=1
// runs on after a failure; RING_FAULT_NORESTART=1 leaves restarts out.
func TestRandomFaults(t *testing.T) {
	first, count := uint64(1), 300
	if testing.Short() || raceEnabled {
		count = 200
	}
	if v := os.Getenv("RING_FAULT_SEEDS"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			t.Fatal(err)
		}
		count = n
	}
	if v := os.Getenv("RING_FAULT_FIRST"); v != "" {
		n, err := strconv.ParseUint(v, 10, 64)
		if err != nil {
			t.Fatal(err)
		}
		first = n
	}
	if v := os.Getenv("RING_FAULT_SEED"); v != "" {
		n, err := strconv.ParseUint(v, 10, 64)
		if err != nil {
			t.Fatal(err)
		}
		first, count = n, 1
	}
	keepGoing := os.Getenv("RING_FAULT_KEEPGOING") != "" // every seed, not only up to a worker's first failure
	const workers = 4
	for w := range workers {
		t.Run(fmt.Sprintf("worker%d", w), func(t *testing.T) {
			t.Parallel()
			for i := w; i < count; i += workers {
				seed := first + uint64(i)
				script := faultSchedule(seed)
				if !runFaultScript(t, seed, script) {
					if keepGoing {
						continue
					}
					t.Logf("seed %d failed; as a scenario:\n%s", seed, strings.Join(script, "\n"))
					return
				}
			}
		})
	}
}

// faultSchedule draws a random schedule in the scenario language. Targets
// such as @member are picked when the line runs, by a generator seeded with
// the seed, so the printed script replays exactly.
func faultSchedule(seed uint64) []string {
	rng := rand.New(rand.NewPCG(seed, 0x5eed))
	n := 3 + rng.IntN(5)
	names := make([]string, n)
	specs := make([]string, n)
	for i, p := range rng.Perm(n) { // random election order
		names[i] = string(rune('a' + i))
		specs[i] = fmt.Sprintf("%s=%016x", names[i], p+1)
	}
	script := []string{
		fmt.Sprintf("# random fault schedule %d", seed),
		"seeds 1",
		fmt.Sprintf("seed %d", seed),
		"nodes " + strings.Join(specs, " "),
		"found a",
		"settle",
	}
	if seed%2 == 1 { // half the schedules batch as the driver does
		script = append(script, "batch")
	}
	if seed%4 >= 2 { // half restart killed nodes with what an unsynced store loses
		script = append(script, "lagcommit")
	}
	// Most nodes join first, some later.
	for _, x := range names[1:] {
		if rng.IntN(4) > 0 {
			script = append(script, fmt.Sprintf("join %s @member", x), "settle")
		}
	}
	down, said := 0, 0
	noRestarts := os.Getenv("RING_FAULT_NORESTART") != ""
	for range 25 + rng.IntN(30) {
		r := rng.IntN(100)
		switch {
		case r < 8:
			script = append(script, "join @detached @member")
		case r < 32:
			said++
			who := "@member"
			if rng.IntN(5) == 0 {
				who = "@node"
			}
			script = append(script, fmt.Sprintf("say %s m%d", who, said))
		case r < 40 && down < n-1:
			down++
			op := []string{"kill", "hang"}[rng.IntN(2)]
			who := []string{"@member", "@leader"}[rng.IntN(2)]
			script = append(script, op+" "+who)
		case r < 45:
			script = append(script, "leave "+[]string{"@member", "@leader"}[rng.IntN(2)])
		case r < 50 && !noRestarts:
			script = append(script, "restart @killed")
			down = max(0, down-1)
		case r < 54:
			script = append(script, "resume @hung")
			down = max(0, down-1)
		case r < 61:
			script = append(script, cutLine(rng, names))
		case r < 66:
			script = append(script, "heal")
		case r < 68:
			a, b := rng.IntN(n), rng.IntN(n-1)
			if b >= a {
				b++
			}
			script = append(script, fmt.Sprintf("drop %s %s 0.%d", names[a], names[b], 1+rng.IntN(4)))
		case r < 80:
			script = append(script, fmt.Sprintf("step %d", 1+rng.IntN(15)))
		case r < 88:
			script = append(script, "settle")
		default:
			script = append(script, fmt.Sprintf("tick %d", 1+rng.IntN(8)))
		}
	}
	// Then everything heals: the cuts, the hung and the killed nodes; the
	// ring must come together in a bounded number of ticks, with every
	// node and nothing left queued, and hold every acknowledged message.
	script = append(script, "settle", "heal", "revive", "converge 600", "check")
	return script
}

// cutLine draws a cut: the nodes split in two parts, both ways or one way,
// the frames under way lost or held.
func cutLine(rng *rand.Rand, names []string) string {
	perm := rng.Perm(len(names))
	k := 1 + rng.IntN(len(names)-1)
	var a, b []string
	for i, p := range perm {
		if i < k {
			a = append(a, names[p])
		} else {
			b = append(b, names[p])
		}
	}
	slices.Sort(a)
	slices.Sort(b)
	verb, sep := "cut", "|"
	if rng.IntN(4) == 0 {
		verb = "hold"
	}
	if rng.IntN(4) == 0 {
		sep = "->"
	}
	return verb + " " + strings.Join(a, " ") + " " + sep + " " + strings.Join(b, " ")
}

// runFaultScript replays a schedule, checking the safety invariants each time
// the network is quiet; it reports whether the run passed.
func runFaultScript(t *testing.T, seed uint64, script []string) bool {
	sc := &scenario{name: fmt.Sprintf("fault-%d", seed), seed: seed, seeds: 1}
	for i, l := range script {
		words, _ := splitWords(l)
		if len(words) == 0 || words[0] == "seed" || words[0] == "seeds" || strings.HasPrefix(words[0], "#") {
			continue
		}
		sc.lines = append(sc.lines, scriptLine{no: i + 1, words: words, source: l})
	}
	return t.Run(fmt.Sprint(seed), func(t *testing.T) {
		runScenario(t, sc, seed)
	})
}

// TestWriteFaultScenario writes the schedules of the seeds listed in
// RING_FAULT_WRITE (comma-separated) to testdata/scenarios/fault-<seed>.txt,
// to keep a seed that found a bug as a scenario. It does nothing otherwise.
func TestWriteFaultScenario(t *testing.T) {
	list := os.Getenv("RING_FAULT_WRITE")
	if list == "" {
		t.Skip("RING_FAULT_WRITE is not set")
	}
	for _, f := range strings.Split(list, ",") {
		seed, err := strconv.ParseUint(strings.TrimSpace(f), 10, 64)
		if err != nil {
			t.Fatal(err)
		}
		path := fmt.Sprintf("testdata/scenarios/fault-%d.txt", seed)
		if err := os.WriteFile(path, []byte(strings.Join(faultSchedule(seed), "\n")+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("wrote %s", path)
	}
}
