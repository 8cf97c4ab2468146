package ring

// Stamp advances the Lamport clock for an event of this node outside the
// ring protocol (a direct message it sends) and returns the new time.
func (m *Machine) Stamp() uint64 {
	m.clock++
	return m.clock
}

// Witness takes in the Lamport time of a received message: Step calls it
// for ring messages, the driver for direct messages.
func (m *Machine) Witness(t uint64) {
	m.clock = max(m.clock, t) + 1
}
