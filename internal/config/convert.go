package config

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// convert stores v in the field dst points to and returns "" or a
// description of why v does not fit. Values are checked here rather than
// left to viper, whose casts silently turn "abc" into 0.
func convert(dst, v any, text bool) string {
	switch dst := dst.(type) {
	case *string:
		s, ok := v.(string)
		if !ok {
			return "expected a string, got " + describe(v) + quoteHint(v)
		}
		*dst = s
	case *bool:
		switch v := v.(type) {
		case bool:
			*dst = v
			return ""
		case string:
			if b, err := strconv.ParseBool(v); err == nil && text {
				*dst = b
				return ""
			}
		}
		return "expected true or false, got " + describe(v)
	case *time.Duration:
		s, ok := v.(string)
		if !ok {
			if isNumber(v) {
				return fmt.Sprintf("invalid duration %v: a unit is required (examples: 200ms, 1s)", v)
			}
			return "expected a duration such as 200ms or 1s, got " + describe(v)
		}
		d, err := time.ParseDuration(s)
		if err != nil {
			return fmt.Sprintf("invalid duration %q (examples: 200ms, 1s)", s)
		}
		if d <= 0 {
			return fmt.Sprintf("duration must be positive, got %q", s)
		}
		*dst = d
	case *[]string:
		list, p := toList(v, text)
		if p != "" {
			return p
		}
		*dst = list
	default:
		panic(fmt.Sprintf("config: no conversion to %T", dst))
	}
	return ""
}

func toList(v any, text bool) ([]string, string) {
	switch v := v.(type) {
	case []string:
		return append([]string{}, v...), ""
	case string:
		if !text {
			return nil, fmt.Sprintf("expected a list such as [%q], got %s", v, describe(v))
		}
		list := []string{}
		for item := range strings.SplitSeq(v, ",") {
			if item = strings.TrimSpace(item); item != "" {
				list = append(list, item)
			}
		}
		return list, ""
	case []any:
		list := make([]string, 0, len(v))
		for i, item := range v {
			s, ok := item.(string)
			if !ok {
				return nil, fmt.Sprintf("item %d: expected a string, got %s%s", i, describe(item), quoteHint(item))
			}
			list = append(list, s)
		}
		return list, ""
	}
	return nil, "expected a list, got " + describe(v)
}

// describe names a raw YAML value for an error message.
func describe(v any) string {
	switch v := v.(type) {
	case nil:
		return "null"
	case string:
		return strconv.Quote(v)
	case bool:
		return fmt.Sprintf("boolean %v", v)
	case []any, []string:
		return "a list"
	case map[string]any, map[any]any:
		return "a mapping"
	case time.Time:
		return "timestamp " + v.Format(time.RFC3339Nano)
	}
	if isNumber(v) {
		return fmt.Sprintf("number %v", v)
	}
	return fmt.Sprintf("a value of type %T", v)
}

func isNumber(v any) bool {
	switch v.(type) {
	case int, int8, int16, int32, int64, uint, uint8, uint16, uint32, uint64, float32, float64:
		return true
	}
	return false
}

func quoteHint(v any) string {
	switch v.(type) {
	case bool, time.Time:
		return " (quote it to make it a string)"
	}
	if isNumber(v) {
		return " (quote it to make it a string)"
	}
	return ""
}
