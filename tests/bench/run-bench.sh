#!/bin/sh
# run-bench.sh: run tests/bench/bench against a private ipcd on a temp
# socket, and stop that ipcd however the run ends. Not a test: the exit
# status is bench's (1 if a row failed or hung), 99 if ipcd would not start.
# With --exec, runs CMD instead of the benchmark (profile.sh does).
#
#	run-bench.sh BUILDDIR [bench options...]
#	run-bench.sh BUILDDIR --exec CMD [ARGS...]
set -u

BUILDDIR=${1:?usage: run-bench.sh BUILDDIR [bench options]}
shift
IPCD=$BUILDDIR/ipcd
BENCH=$BUILDDIR/tests/bench/bench
DIR=""
SOCK=""

cleanup() {
	if [ -n "$SOCK" ] && [ -f "$SOCK.pid" ]; then
		pid=$(cat "$SOCK.pid")
		kill "$pid" 2>/dev/null
		# bounded wait for it to go, then insist
		i=0
		while kill -0 "$pid" 2>/dev/null && [ $i -lt 50 ]; do
			sleep 0.1
			i=$((i + 1))
		done
		kill -9 "$pid" 2>/dev/null
	fi
	[ -n "$DIR" ] && rm -rf "$DIR"
}
trap cleanup EXIT
trap 'exit 99' INT TERM HUP

[ -x "$IPCD" ] || { echo "run-bench.sh: $IPCD not built" >&2; exit 99; }
[ -x "$BENCH" ] || { echo "run-bench.sh: $BENCH not built" >&2; exit 99; }
DIR=$(mktemp -d "${TMPDIR:-/tmp}/ntosim-bench-XXXXXX") || exit 99
SOCK=$DIR/ipcd.sock
# ipcd daemonizes once it listens
timeout 10 "$IPCD" -s "$SOCK" || {
	echo "run-bench.sh: ipcd -s $SOCK failed" >&2
	exit 99
}
NTOSIM_SOCKET=$SOCK
export NTOSIM_SOCKET
echo "bench: private ipcd $(cat "$SOCK.pid") on $SOCK" >&2
if [ "${1:-}" = "--exec" ]; then
	shift
	"$@"
else
	"$BENCH" "$@"
fi
