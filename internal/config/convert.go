package config

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// convert stores v in the field dst points to and returns "" or a
// description of why v does not fit. Values are checked here rather than
// left to viper, whose casts silently turn "abc" into 0. An int must be
// >= 0, as every int setting is a count. A duration must be positive, or
// only not negative if zeroOK is set.
func convert(dst, v any, text, zeroOK bool) string {
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
	case *int:
		n, p := toCount(v)
		if p != "" {
			return p
		}
		*dst = n
	case *time.Duration:
		s, ok := v.(string)
		if !ok {
			if n, ok := toInt64(v); ok && n == 0 && zeroOK {
				*dst = 0 // like time.ParseDuration("0"), 0 needs no unit
				return ""
			}
			if isNumber(v) {
				return fmt.Sprintf("invalid duration %v: a unit is required (examples: 200ms, 1s)", v)
			}
			return "expected a duration such as 200ms or 1s, got " + describe(v)
		}
		d, err := time.ParseDuration(s)
		if err != nil {
			return fmt.Sprintf("invalid duration %q (examples: 200ms, 1s)", s)
		}
		switch {
		case d < 0 && zeroOK:
			return fmt.Sprintf("duration must not be negative, got %q (0 turns it off)", s)
		case d <= 0 && !zeroOK:
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

// toCount converts v to an int >= 0. It takes a YAML integer or a string
// of decimal digits; signs, fractions and exponents are refused rather
// than truncated or misread.
func toCount(v any) (int, string) {
	const want = "must be a whole number >= 0"
	if f, ok := v.(float32); ok {
		v = float64(f)
	}
	tooLarge := fmt.Sprintf("%s, got %s, which is too large (maximum %d)", want, describe(v), math.MaxInt)
	switch v := v.(type) {
	case string:
		if v != "" && strings.Trim(v, "0123456789") == "" {
			if n, err := strconv.Atoi(v); err == nil {
				return n, ""
			}
			return 0, tooLarge
		}
	case float64:
		// YAML reads 1e5 and 1.0 as floats, and so integers too large for
		// an int64.
		if v >= math.MaxInt64 && !math.IsInf(v, 1) {
			return 0, tooLarge
		}
		return 0, fmt.Sprintf("%s, got floating-point number %v (write digits only, without a decimal point or exponent)", want, v)
	default:
		n, ok := toInt64(v)
		switch {
		case ok && n >= 0 && n <= math.MaxInt:
			return int(n), ""
		case ok && n > 0, !ok && isNumber(v):
			return 0, tooLarge
		}
	}
	return 0, fmt.Sprintf("%s, got %s", want, describe(v))
}

// toInt64 returns v as an int64 if it is an integer that fits.
func toInt64(v any) (int64, bool) {
	switch v := v.(type) {
	case int:
		return int64(v), true
	case int8:
		return int64(v), true
	case int16:
		return int64(v), true
	case int32:
		return int64(v), true
	case int64:
		return v, true
	case uint:
		return int64(v), uint64(v) <= math.MaxInt64
	case uint8:
		return int64(v), true
	case uint16:
		return int64(v), true
	case uint32:
		return int64(v), true
	case uint64:
		return int64(v), v <= math.MaxInt64
	}
	return 0, false
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
