package chat

import (
	"strings"
	"testing"
)

func TestCheckTextLimit(t *testing.T) {
	tests := []struct {
		text string
		max  int
		want string // "" for accepted
	}{
		{"hello, wörld ☃", 100, ""},
		{strings.Repeat("x", 10), 10, ""},
		{strings.Repeat("x", 11), 10, "message of 11 bytes, the limit is 10"},
		{"ééééé", 9, "message of 10 bytes, the limit is 9"}, // bytes, not characters
		{"", 10, "empty message"},
		{"bad\xff", 10, "not valid UTF-8"},
		{"a\x1b[2J", 10, "control character U+001B at byte 1"},
		{"tab\there", 10, "control character U+0009 at byte 3"},
		{"c1\u0085", 10, "control character U+0085 at byte 2"},
	}
	for _, tt := range tests {
		err := CheckTextLimit(tt.text, tt.max)
		switch {
		case tt.want == "" && err != nil:
			t.Errorf("CheckTextLimit(%q, %d) = %v, want nil", tt.text, tt.max, err)
		case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
			t.Errorf("CheckTextLimit(%q, %d) = %v, want %q", tt.text, tt.max, err, tt.want)
		}
	}
}

func TestCheckTextAllowsUpToTheProtocolLimit(t *testing.T) {
	if err := CheckText(strings.Repeat("x", MaxText)); err != nil {
		t.Fatalf("CheckText at MaxText: %v", err)
	}
	if err := CheckText(strings.Repeat("x", MaxText+1)); err == nil {
		t.Fatal("CheckText accepted a message over MaxText")
	}
}
