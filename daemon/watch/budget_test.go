package watch

import (
	"testing"
	"time"
)

// TestResumeBudget: a stream may resume maxResumes times within
// resumeWindow; one more ends it, and resumes spread out are never refused.
func TestResumeBudget(t *testing.T) {
	var b resumeBudget
	start := time.Unix(1_700_000_000, 0)
	for i := range maxResumes {
		if !b.allow(start.Add(time.Duration(i) * time.Second)) {
			t.Fatalf("resume %d refused", i+1)
		}
	}
	if b.allow(start.Add(maxResumes * time.Second)) {
		t.Fatalf("resume %d within %v allowed", maxResumes+1, resumeWindow)
	}
	var spread resumeBudget
	for i := range 5 * maxResumes {
		if !spread.allow(start.Add(time.Duration(i) * resumeWindow / maxResumes * 2)) {
			t.Fatalf("resume %d refused though resumes are %v apart", i+1, resumeWindow/maxResumes*2)
		}
	}
}
