# Shared by the fault scenarios (sourced, never run): a private ipcd in a
# temp dir, cleanup of every process we started on any exit, bounded waits,
# and pidin --json readers. Exit codes: 0 pass, 1 fail, 77 skip, 99 error.
set -u

: "${NTOSIM_BUILDDIR:=$(pwd)}"
IPCD=${NTOSIM_IPCD:-$NTOSIM_BUILDDIR/ipcd}
PIDIN=$NTOSIM_BUILDDIR/pidin
LIBNTO=$NTOSIM_BUILDDIR/kernel-sim/.libs/libnto.so
PATTERN=$NTOSIM_BUILDDIR/ntosim-pattern

fail() { echo "FAIL: $*" >&2; exit 1; }
hard() { echo "ERROR: $*" >&2; exit 99; }
skip() { echo "SKIP: $*" >&2; exit 77; }

need() {
	for f in "$@"; do
		[ -x "$f" ] || [ -r "$f" ] || skip "$f is not built"
	done
}

DIR=""
SOCK=""
IPCD_PID=""
PIDS=""

cleanup() {
	for p in $PIDS; do
		kill -9 "$p" 2>/dev/null
	done
	if [ -n "$SOCK" ] && [ -f "$SOCK.pid" ]; then
		kill -9 "$(cat "$SOCK.pid")" 2>/dev/null
	fi
	[ -n "$DIR" ] && rm -rf "$DIR"
}
trap cleanup EXIT
trap 'exit 99' INT TERM HUP

# Remember a background pid for cleanup.
track() { PIDS="$PIDS $1"; }

now_ms() { echo $(($(date +%s%N) / 1000000)); }

# wait_until SECONDS CMD...: poll CMD (every 20 ms) until it succeeds;
# returns 1 if it never did within SECONDS.
wait_until() {
	local limit=$(($(now_ms) + $1 * 1000))
	shift
	until "$@"; do
		[ "$(now_ms)" -lt "$limit" ] || return 1
		sleep 0.02
	done
}

# A process has exited (gone, or a zombie we have not reaped yet).
exited() {
	[ ! -e "/proc/$1" ] && return 0
	grep -q '^State:.*Z' "/proc/$1/status" 2>/dev/null
}

# Start a private ipcd; sets DIR, SOCK, IPCD_PID and exports NTOSIM_SOCKET.
start_ipcd() {
	DIR=$(mktemp -d "${TMPDIR:-/tmp}/ntosim-fault-XXXXXX") ||
		hard "mktemp"
	SOCK=$DIR/ipcd.sock
	export NTOSIM_SOCKET=$SOCK
	timeout 10 "$IPCD" -s "$SOCK" || hard "ipcd -s $SOCK failed"
	IPCD_PID=$(cat "$SOCK.pid") || hard "no pid file"
}

pidin_json() { timeout 10 "$PIDIN" --json; }

# count NAME: one of procs, channels, connections, coids, paths.
count() {
	pidin_json | sed -n 's/.*"counts":{\([^}]*\)}.*/\1/p' | tr ',' '\n' |
		sed -n "s/^\"$1\"://p"
}

# counts: "procs/channels/connections/coids/paths", for baselines.
counts() {
	echo "$(count procs)/$(count channels)/$(count connections)/$(count coids)/$(count paths)"
}

counts_are() { [ "$(counts)" = "$1" ]; }

has_path() { pidin_json | grep -q "\"path\":\"$1\""; }

# in_state PID STATE: a thread of PID is STATE-blocked (SEND, RECEIVE, REPLY).
in_state() {
	pidin_json | sed 's/{"pid":/\n{"pid":/g' | grep "^{\"pid\":$1," |
		grep -q "\"state\":\"$2\""
}

ipcd_nfds() { ls "/proc/$IPCD_PID/fd" 2>/dev/null | wc -l; }
# A sample may include a transient fd (a pidin that just exited); a leak
# only adds fds, so "back to baseline" means "at most the baseline".
nfds_at_most() { [ "$(ipcd_nfds)" -le "$1" ]; }

# Prefix to run a program with libnto preloaded, so plain read() reaches
# resource managers ("$NTO dd ..."; env execs, so $! is the program's pid).
NTO="env LD_PRELOAD=$LIBNTO"
