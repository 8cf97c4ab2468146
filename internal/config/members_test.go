package config

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestMembersReapAfter(t *testing.T) {
	tests := []struct {
		name string
		in   input
		want time.Duration
	}{
		{"default", input{}, 24 * time.Hour},
		{"file", input{file: "members:\n  reap_after: 1s\n"}, time.Second},
		{"file zero keeps for ever", input{file: "members:\n  reap_after: 0\n"}, 0},
		{"env", input{env: []string{"RINGD_MEMBERS_REAP_AFTER=90m"}}, 90 * time.Minute},
		{"flag over env", input{env: []string{"RINGD_MEMBERS_REAP_AFTER=90m"}, args: []string{"--members-reap-after=2h"}}, 2 * time.Hour},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, _, err := load(t, tt.in)
			if err != nil {
				t.Fatalf("Load: %v", err)
			}
			if c.Members.ReapAfter != tt.want {
				t.Errorf("members.reap_after = %v, want %v", c.Members.ReapAfter, tt.want)
			}
		})
	}
}

func TestMembersReapAfterErrors(t *testing.T) {
	tests := []struct {
		name string
		in   input
		want string
	}{
		{"malformed", input{file: "members:\n  reap_after: soon\n"}, `invalid duration "soon"`},
		{"negative", input{env: []string{"RINGD_MEMBERS_REAP_AFTER=-1s"}}, "must not be negative"},
		{"no unit", input{args: []string{"--members-reap-after=10"}}, `invalid duration "10"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, _, err := load(t, tt.in)
			var ce *Error
			if !errors.As(err, &ce) {
				t.Fatalf("Load = %+v, %v; want a config error", c, err)
			}
			if ce.Key != "members.reap_after" || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %v (key %q), want key members.reap_after and %q", err, ce.Key, tt.want)
			}
		})
	}
}
