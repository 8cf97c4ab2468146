#!/usr/bin/env bash
# A live demo on loopback: starts one ringd, says a few things through
# ringctl, shows status, members and the chat, then stops it and cleans up.
# (A three-node ring with a leader failover joins this demo once the ring lands.)
set -euo pipefail
BIN=${1:-bin}
BIN=$(cd "$BIN" && pwd)
DIR=$(mktemp -d /tmp/ring-demo-XXXXXX)
SOCK="$DIR/alice/ringd.sock"
PID=""

cleanup() {
	if [[ -n "$PID" ]] && kill -0 "$PID" 2>/dev/null; then
		kill -TERM "$PID"
		wait "$PID" || true
	fi
	rm -rf "$DIR"
}
trap cleanup EXIT INT TERM

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
ctl() { echo "\$ ringctl $*"; "$BIN/ringctl" -s "$SOCK" "$@"; }

step "starting ringd (alice) on 127.0.0.1, log in $DIR/alice.log"
"$BIN/ringd" run --name alice --listen 127.0.0.1:0 --socket "$SOCK" \
	--data-dir "$DIR/alice/data" --log-format json --log-file "$DIR/alice.log" 2>/dev/null &
PID=$!
for _ in $(seq 1 100); do
	"$BIN/ringctl" -s "$SOCK" status >/dev/null 2>&1 && break
	kill -0 "$PID" 2>/dev/null || { echo "ringd died; see $DIR/alice.log"; cat "$DIR/alice.log"; exit 1; }
	sleep 0.1
done

step "status"
ctl status
step "following the chat in the background: ringctl tail -f --since LAST_SEQ > $DIR/follow.txt"
LAST=$("$BIN/ringctl" -s "$SOCK" -o json status | grep -o '"last_seq":[0-9]*' | cut -d: -f2)
"$BIN/ringctl" -s "$SOCK" tail -f --since "$LAST" >"$DIR/follow.txt" &
TAILPID=$!
step "saying things"
ctl say "hello, ring"
ctl say "one global order, a Lamport time on every line"
printf 'piped line 1\npiped line 2\npiped line 3\n' | { echo "\$ printf ... | ringctl say -"; "$BIN/ringctl" -s "$SOCK" say -; }
step "the last messages"
ctl tail -n 10
step "as JSON"
ctl -o json tail -n 2
step "members"
ctl members
step "what the follower (tail -f) printed while we talked"
for _ in $(seq 1 50); do
	grep -q "piped line 3" "$DIR/follow.txt" && break
	sleep 0.1
done
sed 's/^/  [tail -f] /' "$DIR/follow.txt"
kill "$TAILPID" 2>/dev/null || true
step "stopping ringd with SIGTERM"
kill -TERM "$PID"
wait "$PID" && echo "ringd exited 0"
PID=""
