package config

import "fmt"

// Error is a configuration problem. Its message names where the bad value
// came from, for example:
//
//	config /etc/ringd/ringd.yaml: key "heartbeat_interval": invalid duration "2x" (examples: 200ms, 1s)
type Error struct {
	// Source is the config file path, "env RINGD_X", "flag --x", or
	// "default" for a computed default that turned out unusable.
	Source string
	// Key is the setting, such as "log.level"; "" if the problem is not
	// about one key, like invalid YAML or an unknown variable.
	Key     string
	Problem string
}

func (e *Error) Error() string {
	if e.Key == "" {
		return fmt.Sprintf("config %s: %s", e.Source, e.Problem)
	}
	return fmt.Sprintf("config %s: key %q: %s", e.Source, e.Key, e.Problem)
}
