package ring

import (
	"fmt"
	"math/rand/v2"
	"os"
	"strconv"
	"strings"
	"testing"
)

// TestRandomFaults runs seeded random schedules of joins, says, kills, hangs,
// leaves, partial deliveries and ticks on 3–7 nodes, checking the invariants
// whenever the network is quiet. A failing seed prints its schedule as a
// scenario script, ready for testdata/scenarios.
//
// RING_FAULT_SEEDS=n runs n seeds instead of the default, from
// RING_FAULT_FIRST=f (default 1); RING_FAULT_SEED=s runs only seed s
// (RING_TRACE=1 logs its every message and event). RING_FAULT_KEEPGOING=1
// runs on after a failure; RING_FAULT_RESUME=1 lets schedules resume hung
// nodes too (which shows the limits of a ring without a quorum: see
// docs/ELECTION.md).
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
	// Most nodes join first, some later.
	for _, x := range names[1:] {
		if rng.IntN(4) > 0 {
			script = append(script, fmt.Sprintf("join %s @member", x), "settle")
		}
	}
	faults, said := 0, 0
	resumes := os.Getenv("RING_FAULT_RESUME") != ""
	// Restarts are opt-in too: a node restarted while every member it knew
	// is dead founds its ring again alone, and may reuse an epoch that
	// members it never heard of used meanwhile (docs/ELECTION.md).
	restarts := os.Getenv("RING_FAULT_RESTART") != ""
	for range 25 + rng.IntN(30) {
		r := rng.IntN(100)
		switch {
		case r < 10:
			script = append(script, "join @detached @member")
		case r < 35:
			said++
			who := "@member"
			if rng.IntN(5) == 0 {
				who = "@node"
			}
			script = append(script, fmt.Sprintf("say %s m%d", who, said))
		case r < 45 && faults < n-2:
			faults++
			op := []string{"kill", "hang"}[rng.IntN(2)]
			who := []string{"@member", "@leader"}[rng.IntN(2)]
			script = append(script, op+" "+who)
		case r < 52:
			script = append(script, "leave "+[]string{"@member", "@leader"}[rng.IntN(2)])
		case r < 55 && resumes:
			script = append(script, "resume @hung")
		case r < 55 && restarts:
			script = append(script, "restart @killed")
		case r < 70:
			script = append(script, fmt.Sprintf("step %d", 1+rng.IntN(15)))
		case r < 80:
			script = append(script, "settle")
		default:
			script = append(script, fmt.Sprintf("tick %d", 1+rng.IntN(8)))
		}
	}
	// Let everything finish: failure detection, elections, catch-up; then
	// the nodes left detached join again, as their users would.
	script = append(script, "settle", "tick 60")
	for _, x := range names {
		script = append(script, "rejoin "+x)
	}
	script = append(script, "tick 60", "check")
	return script
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
