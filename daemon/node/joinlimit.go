package node

import (
	"time"

	"golang.org/x/time/rate"
)

// joinReportEvery spaces the log records about dropped join requests, so
// that a flood of them does not become a flood of log lines.
const joinReportEvery = time.Second

// joinLimiter bounds the join requests from peers that reach the ring
// machine. Each admitted one makes the leader publish a view to every
// member, and answering one dials the address it names, so a flood must
// not get through. Requests beyond the rate are dropped unanswered: the
// joiner's own timeout makes it try again.
type joinLimiter struct {
	bucket     *rate.Limiter
	dropped    int // since the last report
	lastReport time.Time
}

func newJoinLimiter(perSecond, burst int) *joinLimiter {
	return &joinLimiter{bucket: rate.NewLimiter(rate.Limit(perSecond), burst)}
}

// allow reports whether a join request received at now may go on. For one
// that may not, report is the number dropped since the last report,
// this one included, once joinReportEvery has passed since that report;
// else 0.
func (l *joinLimiter) allow(now time.Time) (ok bool, report int) {
	if l.bucket.AllowN(now, 1) {
		return true, 0
	}
	l.dropped++
	if !l.lastReport.IsZero() && now.Sub(l.lastReport) < joinReportEvery {
		return false, 0
	}
	report, l.dropped, l.lastReport = l.dropped, 0, now
	return false, report
}
