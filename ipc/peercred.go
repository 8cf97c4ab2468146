package ipc

import (
	"context"
	"net"

	"golang.org/x/sys/unix"
)

// Caller identifies the process on the other end of a local API connection.
type Caller struct {
	UID, GID uint32
	PID      int32
	Known    bool
}

type callerKey struct{}

// connContext records the caller's credentials, read once per connection
// with SO_PEERCRED, in the context of every request on that connection.
func connContext(ctx context.Context, c net.Conn) context.Context {
	if w, ok := c.(interface{ NetConn() net.Conn }); ok {
		c = w.NetConn()
	}
	uc, ok := c.(*net.UnixConn)
	if !ok {
		return ctx
	}
	raw, err := uc.SyscallConn()
	if err != nil {
		return ctx
	}
	var cred *unix.Ucred
	var credErr error
	if err := raw.Control(func(fd uintptr) {
		cred, credErr = unix.GetsockoptUcred(int(fd), unix.SOL_SOCKET, unix.SO_PEERCRED)
	}); err != nil || credErr != nil {
		return ctx
	}
	return context.WithValue(ctx, callerKey{}, Caller{UID: cred.Uid, GID: cred.Gid, PID: cred.Pid, Known: true})
}

// CallerFrom returns the caller recorded for a request's context.
func CallerFrom(ctx context.Context) Caller {
	c, _ := ctx.Value(callerKey{}).(Caller)
	return c
}
