package config

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Setting is one key of a loaded Config: its value as it is in force, and
// where that value came from.
type Setting struct {
	Key    string `json:"key"`
	Value  string `json:"value"`
	Source string `json:"source"` // the file's path, "env RINGD_X", "flag --x" or "default"
}

// effective lists every key of c in documentation order with its value
// and its source in src.
func effective(c *Config, src map[string]string) []Setting {
	out := make([]Setting, 0, len(keys))
	for _, k := range keys {
		out = append(out, Setting{Key: k.name, Value: formatValue(k.field(c)), Source: src[k.name]})
	}
	return out
}

// formatValue writes a field the way the config file spells it.
func formatValue(p any) string {
	switch v := p.(type) {
	case *string:
		return *v
	case *bool:
		return strconv.FormatBool(*v)
	case *int:
		return strconv.Itoa(*v)
	case *time.Duration:
		return v.String()
	case *[]string:
		return strings.Join(*v, ",")
	}
	panic(fmt.Sprintf("config: no format for %T", p))
}
