package config

import "strings"

// closest returns the candidate nearest to s if one is near enough to be
// a likely typo, else "".
func closest(s string, candidates []string) string {
	best, bestDist := "", max(2, len(s)/4)+1
	for _, c := range candidates {
		if d := distance(strings.ToLower(s), strings.ToLower(c)); d < bestDist {
			best, bestDist = c, d
		}
	}
	if best != "" || strings.Contains(s, ".") {
		return best
	}
	// A top-level key that belongs in a section, like "level: debug".
	for _, c := range candidates {
		if strings.HasSuffix(c, "."+s) {
			return c
		}
	}
	return ""
}

// distance is the Levenshtein edit distance between a and b, in bytes.
func distance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
