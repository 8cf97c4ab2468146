package store

import (
	"github.com/ringchat/ring/daemon/store/kv"
)

// A job is one write. The committer runs every job queued since its last
// commit in one transaction, in submission order.
type job struct {
	// check refuses the job without writing anything; the other jobs of
	// the transaction go on. It may be nil.
	check func(w *txn) error
	// apply writes. An error from it aborts the whole transaction.
	apply func(w *txn) error
	done  chan error
}

// txn is the transaction being built, with the bookkeeping as it will be
// once it commits.
type txn struct {
	s      *Store
	tx     *kv.Tx
	msgs   *kv.Bucket
	views  *kv.Bucket
	epochs *kv.Bucket
	meta   *kv.Bucket
	t      tip
	// origins holds the origin table entries this transaction changed, as
	// they will be: written once each when the transaction ends, 0 deleted.
	origins map[string]uint64
}

// bind looks up the buckets in the transaction.
func (w *txn) bind() {
	w.msgs, w.epochs, w.meta = w.tx.Bucket(bucketMsgs), w.tx.Bucket(bucketEpochs), w.tx.Bucket(bucketMeta)
	w.views = w.tx.Bucket(bucketViews)
}

// submit queues a job; its result arrives on the returned channel once the
// transaction holding it is durable.
func (s *Store) submit(check, apply func(w *txn) error) <-chan error {
	j := &job{check: check, apply: apply, done: make(chan error, 1)}
	s.qmu.Lock()
	defer s.qmu.Unlock()
	if s.closing {
		j.done <- ErrClosed
		return j.done
	}
	s.queue = append(s.queue, j)
	s.qcond.Signal()
	return j.done
}

// Group runs fn, which submits writes, and has the committer take them
// together: it starts no transaction while fn runs, so writes submitted in
// fn (and those queued before) share one transaction and one fsync instead
// of the first going alone. A transaction under way when fn starts goes
// on. fn must not wait for a write (it would wait for itself).
func (s *Store) Group(fn func()) {
	s.qmu.Lock()
	s.grouping++
	s.qmu.Unlock()
	defer func() {
		s.qmu.Lock()
		s.grouping--
		s.qcond.Signal()
		s.qmu.Unlock()
	}()
	fn()
}

// failed is the result channel of a write refused before it was queued.
func failed(err error) <-chan error {
	done := make(chan error, 1)
	done <- err
	return done
}

// do runs a job and waits for it to be durable.
func (s *Store) do(check, apply func(w *txn) error) error {
	return <-s.submit(check, apply)
}

func (s *Store) commitLoop() {
	defer close(s.stopped)
	var spare []*job
	for {
		s.qmu.Lock()
		for (len(s.queue) == 0 || s.grouping > 0) && !s.closing {
			s.qcond.Wait()
		}
		jobs := s.queue
		s.queue = spare[:0]
		s.qmu.Unlock()
		if len(jobs) == 0 {
			return // closing, and nothing left
		}
		s.commit(jobs)
		clear(jobs)
		spare = jobs
	}
}

// commit runs jobs in one transaction and reports to each.
func (s *Store) commit(jobs []*job) {
	results := make([]error, len(jobs))
	var t tip
	err := s.db.Update(func(tx *kv.Tx) error {
		w := &txn{s: s, tx: tx, t: *s.tip.Load()}
		w.bind()
		for i, j := range jobs {
			if j.check != nil {
				if results[i] = j.check(w); results[i] != nil {
					continue
				}
			}
			if err := j.apply(w); err != nil {
				return err
			}
		}
		if err := w.flushOrigins(); err != nil {
			return err
		}
		if _, err := w.retain(false); err != nil {
			return err
		}
		t = w.t
		return nil
	})
	if err != nil {
		s.log.Error("store: commit failed", "jobs", len(jobs), "err", err)
		for i := range results {
			if results[i] == nil {
				results[i] = err
			}
		}
	} else {
		s.tip.Store(&t)
		s.commits.Add(1)
	}
	for i, j := range jobs {
		j.done <- results[i]
	}
}
