// Package ringtest is a simulated network and safety checker for tests of
// package ring and others: machines of package ring run over FIFO links
// whose delivery order a seeded random source chooses, every message goes
// through the real codec, links can be cut, held or lossy, nodes can be
// killed, hung and restarted, and after every step a checker asserts the
// ring's safety invariants.
package ringtest
