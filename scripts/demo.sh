#!/usr/bin/env bash
# A live demo on loopback: a three-node ring (alice founds it, bob and carol
# join), a chat from every node, then a kill -9 of the leader: the others
# notice, elect a new leader and go on chatting. Everything runs in a temp
# dir (logs there too) and is stopped with SIGTERM and removed at the end.
#
#   usage: scripts/demo.sh [BIN_DIR]      (make demo builds bin/ and runs it)
set -euo pipefail
BIN=${1:-bin}
BIN=$(cd "$BIN" && pwd)
DIR=$(mktemp -d /tmp/ring-demo-XXXXXX)
NODES=(alice bob carol)
declare -A PID=()
TAILPID=""
KEEP="" # set when something went wrong: the logs stay for a look

cleanup() {
	[[ -n "$TAILPID" ]] && kill "$TAILPID" 2>/dev/null || true
	for n in "${!PID[@]}"; do
		kill -TERM "${PID[$n]}" 2>/dev/null || true
	done
	for n in "${!PID[@]}"; do
		wait "${PID[$n]}" 2>/dev/null || true
	done
	if [[ -n "$KEEP" ]]; then
		echo "logs kept in $DIR" >&2
	else
		rm -rf "$DIR"
	fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
sock() { echo "$DIR/$1/ringd.sock"; }
# on NODE ringctl ARGS...: show the command, then run it against NODE.
on() {
	local n=$1
	shift
	echo "[$n]\$ ringctl $*"
	"$BIN/ringctl" -s "$(sock "$n")" "$@"
}
now_ms() { echo $(($(date +%s%N) / 1000000)); }
quiet() { local n=$1; shift; "$BIN/ringctl" -s "$(sock "$n")" "$@"; }
# Fields of `ringctl -o json status`, without needing jq.
json_str() { grep -o "\"$1\":\"[^\"]*\"" | head -n 1 | cut -d'"' -f4; }
leader_of() { quiet "$1" -o json status | sed -n 's/.*"leader":{"id":"[^"]*","name":"\([^"]*\)".*/\1/p'; }
# poll SECONDS WHAT COMMAND...: retry COMMAND every 0.1 s until it succeeds.
poll() {
	local secs=$1 what=$2
	shift 2
	local deadline=$((SECONDS + secs))
	until "$@"; do
		if ((SECONDS >= deadline)); then
			echo "gave up after ${secs}s waiting for $what" >&2
			KEEP=1
			exit 1
		fi
		sleep 0.1
	done
}

start_node() {
	local n=$1
	"$BIN/ringd" run --name "$n" --listen 127.0.0.1:0 --socket "$(sock "$n")" \
		--data-dir "$DIR/$n/data" --log-format json --log-file "$DIR/$n.log" 2>/dev/null &
	PID[$n]=$!
	poll 10 "$n to answer on its socket" quiet "$n" status >/dev/null 2>&1
}

step "1. Start three daemons on 127.0.0.1 (logs: $DIR/<name>.log)"
for n in "${NODES[@]}"; do
	start_node "$n"
	echo "$n: pid ${PID[$n]}, peer address $(quiet "$n" -o json status | json_str addr)"
done
echo "Each one is alone in its own ring for now; alice's will be the ring."
ALICE=$(quiet alice -o json status | json_str addr)
BOB=$(quiet bob -o json status | json_str addr)

step "2. bob joins through alice, carol through bob (any member will do)"
on bob join "$ALICE" >/dev/null && echo "bob is a member"
on carol join "$BOB" >/dev/null && echo "carol is a member"

step "3. The ring as carol sees it (prev, next and the leader)"
on carol status
on carol members

step "4. Follow the chat on carol in the background: ringctl tail -f > follow.txt"
LAST=$(quiet carol -o json status | grep -o '"last_seq":[0-9]*' | cut -d: -f2)
"$BIN/ringctl" -s "$(sock carol)" tail -f --since "$LAST" >"$DIR/follow.txt" 2>&1 &
TAILPID=$!

step "5. Everyone says something; the leader (alice) puts it in one order"
on alice say "hi, I started this ring"
on bob say "hello alice"
on carol say "hello both"
printf 'piped line 1\npiped line 2\n' | { echo "[bob]\$ printf ... | ringctl say -"; quiet bob say -; }
on bob tail -n 10

step "6. kill -9 the leader (alice, pid ${PID[alice]})"
kill -KILL "${PID[alice]}"
wait "${PID[alice]}" 2>/dev/null || true
unset 'PID[alice]'
T0=$(now_ms)
new_leader() {
	local l
	l=$(leader_of bob 2>/dev/null) && [[ -n "$l" && "$l" != alice && "$(leader_of carol 2>/dev/null)" == "$l" ]]
}
poll 15 "bob and carol to elect a new leader" new_leader
echo "bob and carol elected $(leader_of bob) as the new leader within $(($(now_ms) - T0)) ms"

step "7. The repaired ring"
on bob status
on bob members

step "8. The chat goes on"
on bob say "alice is gone, we carry on"
on carol say "the new leader sequences this"
echo "The tail shows the system events too: alice died, a new leader was elected."
on carol tail -n 12

step "9. What the follower (tail -f on carol) printed all along"
poll 10 "the follower to see the last message" grep -q "the new leader sequences this" "$DIR/follow.txt"
kill "$TAILPID" 2>/dev/null || true
wait "$TAILPID" 2>/dev/null || true
TAILPID=""
sed 's/^/  [tail -f] /' "$DIR/follow.txt"

step "10. Stop bob and carol with SIGTERM (each leaves the ring, then exits)"
for n in carol bob; do
	kill -TERM "${PID[$n]}"
	code=0
	wait "${PID[$n]}" || code=$?
	unset "PID[$n]"
	echo "$n exited $code"
	if [[ $code -ne 0 ]]; then
		KEEP=1
		exit 1
	fi
done
echo
echo "Done; removing $DIR."
