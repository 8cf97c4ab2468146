package ipc

import (
	"errors"
	"io"
	"strings"
	"testing"
)

// Lines split as bufio.ScanLines splits them, lines longer than the
// reader's buffer come whole, and one over the limit is refused.
func TestLineReader(t *testing.T) {
	long := strings.Repeat("y", 100<<10) // more than the 64 KiB buffer
	lr := newLineReader(strings.NewReader("a\nb\r\n\n"+long+"\nlast"), 200<<10)
	var got []string
	for {
		b, err := lr.next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, string(b))
	}
	want := []string{"a", "b", "", long, "last"}
	if len(got) != len(want) {
		t.Fatalf("%d lines, want %d", len(got), len(want))
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("line %d: %.20q (%d bytes), want %.20q (%d bytes)", i+1, got[i], len(got[i]), want[i], len(want[i]))
		}
	}

	over := newLineReader(strings.NewReader(strings.Repeat("z", 101)+"\nnext\n"), 100)
	if _, err := over.next(); !errors.Is(err, errLineTooLong) {
		t.Fatalf("a line over the limit: %v, want errLineTooLong", err)
	}
	at := newLineReader(strings.NewReader(strings.Repeat("z", 100)+"\n"), 100)
	if b, err := at.next(); err != nil || len(b) != 100 {
		t.Fatalf("a line at the limit: %d bytes, %v", len(b), err)
	}
}

// ready tells whether the next line is buffered whole.
func TestLineReaderReady(t *testing.T) {
	pr, pw := io.Pipe()
	lr := newLineReader(pr, 1024)
	go func() { _, _ = pw.Write([]byte("one\ntwo\nthr")) }()
	if b, err := lr.next(); err != nil || string(b) != "one" {
		t.Fatalf("first line %q, %v", b, err)
	}
	if !lr.ready() {
		t.Fatal("the second line is buffered, ready says no")
	}
	if b, err := lr.next(); err != nil || string(b) != "two" {
		t.Fatalf("second line %q, %v", b, err)
	}
	if lr.ready() {
		t.Fatal("only part of the third line is buffered, ready says yes")
	}
	go func() { _, _ = pw.Write([]byte("ee\n")); pw.Close() }()
	if b, err := lr.next(); err != nil || string(b) != "three" {
		t.Fatalf("third line %q, %v", b, err)
	}
}
