package store

import (
	"encoding/json"
	"fmt"

	"github.com/ringchat/ring/daemon/store/kv"
)

// State is what a node knows of its ring when it stops, to rejoin on start.
type State struct {
	Epoch   uint64 `json:"epoch"`
	RingID  string `json:"ring_id"`
	Members []Node `json:"members"`
	Leader  string `json:"leader"`
	Left    bool   `json:"left"`    // left on purpose: stay detached on start
	Counter uint64 `json:"counter"` // this node's last origin counter
	// Term and Vote: the highest epoch the node voted in or followed, and
	// whom it voted for there (ring.Saved).
	Term uint64 `json:"term,omitempty"`
	Vote string `json:"vote,omitempty"`
}

// NodeID returns the stored node id, "" if none was set.
func (s *Store) NodeID() (string, error) {
	var id string
	err := s.db.View(func(tx *kv.Tx) error {
		id = string(tx.Bucket(bucketNode).Get(keyNodeID))
		return nil
	})
	return id, err
}

// SetNodeID stores the node id durably.
func (s *Store) SetNodeID(id string) error {
	return s.do(nil, func(w *txn) error {
		return w.tx.Bucket(bucketNode).Put(keyNodeID, []byte(id))
	})
}

// State returns the stored ring state, the zero State if none was saved.
func (s *Store) State() (State, error) {
	var st State
	err := s.db.View(func(tx *kv.Tx) error {
		v := tx.Bucket(bucketNode).Get(keyState)
		if v == nil {
			return nil
		}
		if err := json.Unmarshal(v, &st); err != nil {
			return fmt.Errorf("store: node state: %w", err)
		}
		return nil
	})
	return st, err
}

// SaveState stores the ring state and returns once it is durable.
func (s *Store) SaveState(st State) error {
	return <-s.SaveStateAsync(st)
}

// SaveStateAsync is SaveState without the wait: it queues the write behind
// every write submitted before it and returns at once; the channel yields
// the result once it is durable.
func (s *Store) SaveStateAsync(st State) <-chan error {
	v, err := json.Marshal(st)
	if err != nil {
		return failed(fmt.Errorf("store: node state: %w", err))
	}
	return s.submit(nil, func(w *txn) error {
		return w.tx.Bucket(bucketNode).Put(keyState, v)
	})
}
