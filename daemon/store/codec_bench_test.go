package store

import (
	"strings"
	"testing"
)

// BenchmarkRecordCodec measures encoding and decoding one stored record: a
// chat message of 100 bytes of text, ringbench's default.
func BenchmarkRecordCodec(b *testing.B) {
	_, chat, _, _ := legacyRecords()
	chat.Text = strings.Repeat("x", 100)
	v, err := encode(chat)
	if err != nil {
		b.Fatal(err)
	}
	b.Run("encode", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := encode(chat); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(len(v)), "bytes")
	})
	b.Run("decode", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := decode(v); err != nil {
				b.Fatal(err)
			}
		}
	})
}
