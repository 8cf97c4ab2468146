package kv

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

func keysOf(x index, from string, down bool) []string {
	var out []string
	walk := x.AscendFrom
	if down {
		walk = x.DescendFrom
	}
	walk(from, func(it item) bool {
		out = append(out, it.key+"="+string(it.val))
		return true
	})
	return out
}

// The deque answers every call as the B-tree does, under writes at the
// ends (as the history gets them) and anywhere else, and a clone leaves
// the index it came from as it was.
func TestDequeIndexAgreesWithBtree(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	var d, b index = newDequeIndex(), newBtreeIndex()
	key := func(n int) string { return fmt.Sprintf("%06d", n) }
	next := 0
	for round := range 40 {
		frozenD, frozenB := d, b
		wantFrozen := keysOf(frozenB, "", false)
		d, b = d.clone(), b.clone()
		for range 300 {
			var k string
			switch r := rng.IntN(10); {
			case r < 5: // the end
				next += 1 + rng.IntN(3)
				k = key(next)
			case r < 7: // anywhere
				k = key(rng.IntN(next + 1))
			default: // the front or the back
				if it, ok := b.Min(); ok && r == 7 {
					k = it.key
				} else if it, ok := b.Max(); ok {
					k = it.key
				}
			}
			if rng.IntN(3) == 0 {
				if d.Delete(k) != b.Delete(k) {
					t.Fatalf("round %d: Delete(%s) disagrees", round, k)
				}
			} else {
				it := item{key: k, val: []byte(fmt.Sprint(round))}
				d.Set(it)
				b.Set(it)
			}
		}
		if d.Len() != b.Len() {
			t.Fatalf("round %d: Len %d, want %d", round, d.Len(), b.Len())
		}
		for _, from := range []string{"", key(rng.IntN(next + 2)), key(next + 5)} {
			for _, down := range []bool{false, true} {
				if got, want := keysOf(d, from, down), keysOf(b, from, down); fmt.Sprint(got) != fmt.Sprint(want) {
					t.Fatalf("round %d: walk from %q (down %v):\n%v\nwant\n%v", round, from, down, got, want)
				}
			}
		}
		for range 20 {
			k := key(rng.IntN(next + 2))
			gd, okd := d.Get(k)
			gb, okb := b.Get(k)
			if okd != okb || string(gd.val) != string(gb.val) {
				t.Fatalf("round %d: Get(%s) = %v %v, want %v %v", round, k, gd, okd, gb, okb)
			}
		}
		if got := keysOf(frozenD, "", false); fmt.Sprint(got) != fmt.Sprint(wantFrozen) {
			t.Fatalf("round %d: writing to a clone changed the deque it came from", round)
		}
	}
}
