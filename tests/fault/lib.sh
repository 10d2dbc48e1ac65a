# Shared by the fault scenarios (sourced, never run): a private ipcd in a
# temp dir, cleanup of every process we started on any exit, bounded waits,
# pidin --json readers, server start-up with a bounded readiness wait, and
# leak checks (ipcd objects, ipcd fds, /dev/shm) against a baseline.
# Exit codes: 0 pass, 1 fail, 77 skip, 99 error. POSIX sh (dash).
set -u

: "${NTOSIM_BUILDDIR:=$(pwd)}"
IPCD=${NTOSIM_IPCD:-$NTOSIM_BUILDDIR/ipcd}
PIDIN=$NTOSIM_BUILDDIR/pidin
LIBNTO=$NTOSIM_BUILDDIR/kernel-sim/.libs/libnto.so
PATTERN=$NTOSIM_BUILDDIR/ntosim-pattern
KVSRV=$NTOSIM_BUILDDIR/ntosim-kvsrv
FILESRV=$NTOSIM_BUILDDIR/ntosim-filesrv
HA_READER=$NTOSIM_BUILDDIR/examples/ha_reader
HA_KV=$NTOSIM_BUILDDIR/examples/ha_kv_client
FAULT_SRV=$NTOSIM_BUILDDIR/tests/fault/fault-srv
FAULT_CLI=$NTOSIM_BUILDDIR/tests/fault/fault-cli
HOSTILE_CLI=$NTOSIM_BUILDDIR/tests/fault/hostile-cli
CTL_ABUSE=$NTOSIM_BUILDDIR/tests/fault/ctl-abuse
HAM=$NTOSIM_BUILDDIR/ntosim-ham
HAMCTL=$NTOSIM_BUILDDIR/hamctl
# Without tools/pidin, ctl-abuse prints the same INFO snapshot.
[ -x "$PIDIN" ] || PIDIN=$CTL_ABUSE

fail() { echo "FAIL: $*" >&2; exit 1; }
hard() { echo "ERROR: $*" >&2; exit 99; }
skip() { echo "SKIP: $*" >&2; exit 77; }

# Prefix to run a program with libnto preloaded, so plain read() reaches
# resource managers ("$NTO dd ..."; env execs, so $! is the program's pid).
NTO="env LD_PRELOAD=$LIBNTO"
# A sanitizer build's libnto needs its runtime loaded first, and then
# uninstrumented programs trip over it (dd's aligned_alloc(4096, 16) is
# fatal under ASan): scripts that preload libnto skip in such a build.
SAN_RT=""
if [ -r "$LIBNTO" ] && ldd "$LIBNTO" 2>/dev/null | grep -q 'lib[atu]san'; then
	SAN_RT=1
fi

need() {
	for f in "$@"; do
		[ -x "$f" ] || [ -r "$f" ] || skip "$f is not built"
		if [ "$f" = "$LIBNTO" ] && [ -n "$SAN_RT" ]; then
			skip "libnto is built with a sanitizer: no LD_PRELOAD"
		fi
	done
}

command -v timeout >/dev/null 2>&1 || skip "timeout(1) is missing"

DIR=""
SOCK=""
IPCD_PID=""
PIDS=""

# ours_alive: pids of live processes started against our private ipcd
# (NTOSIM_SOCKET=$SOCK in their environment; ipcd itself excluded), for
# processes a script does not track itself (children of a restarter).
ours_alive() {
	[ -n "$SOCK" ] || return 0
	for e in /proc/[0-9]*/environ; do
		p=${e#/proc/}
		p=${p%/environ}
		[ "$p" = "$IPCD_PID" ] || [ "$p" = "$$" ] && continue
		{ tr '\0' '\n' <"$e"; } 2>/dev/null | grep -qxF "NTOSIM_SOCKET=$SOCK" &&
			! exited "$p" && echo "$p"
	done
}

# On failure, show what the processes we started said, then kill them all.
cleanup() {
	rc=$?
	for p in $PIDS $(ours_alive); do
		kill -9 "$p" 2>/dev/null
	done
	if [ -n "$SOCK" ] && [ -f "$SOCK.pid" ]; then
		kill -9 "$(cat "$SOCK.pid")" 2>/dev/null
	fi
	if [ "$rc" != 0 ] && [ "$rc" != 77 ] && [ -n "$DIR" ]; then
		for f in "$DIR"/*.out "$DIR"/*.err "$DIR"/ipcd.log; do
			[ -s "$f" ] || continue
			echo "----- ${f##*/} (last 30 lines)" >&2
			tail -n 30 "$f" >&2
		done
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

# A process is stopped (SIGSTOP, or a "stop" fault action).
stopped() { grep -q '^State:.*T' "/proc/$1/status" 2>/dev/null; }

# Start a private ipcd (extra arguments go to ipcd, e.g. -q LIMIT=N); sets
# DIR, SOCK, IPCD_PID and exports NTOSIM_SOCKET. Its log goes to
# $DIR/ipcd.log (shown if the test fails).
start_ipcd() {
	DIR=$(mktemp -d "${TMPDIR:-/tmp}/ntosim-fault-XXXXXX") ||
		hard "mktemp"
	SOCK=$DIR/ipcd.sock
	export NTOSIM_SOCKET=$SOCK
	timeout 10 "$IPCD" -s "$SOCK" "$@" 2>>"$DIR/ipcd.log" ||
		hard "ipcd -s $SOCK failed"
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
	pidin_json | sed -n 's/.*"counts":{\([^}]*\)}.*/\1/p' | tr ',' '\n' |
		sed -n 's/^"\(procs\|channels\|connections\|coids\|paths\)"://p' |
		tr '\n' '/' | sed 's,/$,,'
}

counts_are() { [ "$(counts)" = "$1" ]; }

has_path() { pidin_json | grep -q "\"path\":\"$1\""; }

# in_state PID STATE: a thread of PID is STATE-blocked (SEND, RECEIVE, REPLY).
in_state() {
	pidin_json | sed 's/{"pid":/\n{"pid":/g' | grep "^{\"pid\":$1," |
		grep -q "\"state\":\"$2\""
}

# n_in_state PID STATE: how many threads of PID are STATE-blocked.
n_in_state() {
	pidin_json | sed 's/{"pid":/\n{"pid":/g' | grep "^{\"pid\":$1," |
		grep -o "\"state\":\"$2\"" | wc -l
}

# ipcd knows process PID (it has not processed its death yet).
known() { pidin_json | grep -q "{\"pid\":$1,"; }
gone() { ! known "$1"; }

ipcd_nfds() { ls "/proc/$IPCD_PID/fd" 2>/dev/null | wc -l; }
# A sample may include a transient fd (a pidin that just exited); a leak
# only adds fds, so "back to baseline" means "at most the baseline".
nfds_at_most() { [ "$(ipcd_nfds)" -le "$1" ]; }

# ---- servers and clients ----

# bg NAME CMD...: run CMD in the background, stdout to $DIR/NAME.out and
# stderr to $DIR/NAME.err, tracked for cleanup; its pid is in $BG.
BG=""
bg() {
	local name=$1
	shift
	"$@" >"$DIR/$name.out" 2>"$DIR/$name.err" &
	BG=$!
	track $BG
}

# wait_path PATH [SECONDS]: until PATH is registered (ipcd wakes the
# waiter; nothing polls). Default 10 s.
wait_path() {
	local s=${2:-10}
	timeout $((s + 5)) "$FAULT_CLI" wait "$1" $((s * 1000))
}

# wait_line FILE PATTERN [SECONDS]: until a line of FILE matches PATTERN
# (grep -E). Default 10 s.
wait_line() {
	wait_until "${3:-10}" grep -Eq "$2" "$1"
}

# lines FILE PATTERN: how many lines of FILE match PATTERN.
lines() { grep -Ec "$2" "$1" 2>/dev/null || true; }

# wait_exit PID [SECONDS]: until PID has exited; then reap it and put its
# exit status in $STATUS. Returns 1 if it is still running (left tracked).
STATUS=""
wait_exit() {
	wait_until "${2:-10}" exited "$1" || return 1
	wait "$1" 2>/dev/null
	STATUS=$?
	return 0
}

# ---- leak checks ----

shm_list() { ls /dev/shm 2>/dev/null | sort; }

# baseline: remember ipcd's fds, its object counts and /dev/shm now.
BASE_FDS=""
BASE_COUNTS=""
baseline() {
	BASE_FDS=$(ipcd_nfds) # before pidin runs: it may leave a transient fd
	BASE_COUNTS=$(counts)
	shm_list >"$DIR/shm.base"
}

# no_leaks: objects and fds back to the baseline within 10 s, nothing new
# in /dev/shm. Fails the test otherwise.
no_leaks() {
	wait_until 10 counts_are "$BASE_COUNTS" ||
		fail "objects $(counts), baseline $BASE_COUNTS (procs/chans/conns/coids/paths)"
	wait_until 10 nfds_at_most "$BASE_FDS" ||
		fail "ipcd has $(ipcd_nfds) fds, had $BASE_FDS"
	shm_list >"$DIR/shm.now"
	new=$(comm -13 "$DIR/shm.base" "$DIR/shm.now")
	[ -z "$new" ] || fail "new in /dev/shm: $new"
}

# SAN_PATTERN: what a sanitizer report looks like in a process's output
SAN_PATTERN='ERROR: [A-Za-z]+Sanitizer|runtime error:'

# san_clean: no process of this test printed a sanitizer report (only a
# sanitizer build prints them; a report may come from a process that was
# then restarted, so the exit statuses alone would not show it).
san_clean() {
	local f
	f=$(grep -lE "$SAN_PATTERN" "$DIR"/*.out "$DIR"/*.err "$DIR"/ipcd.log 2>/dev/null | head -n 1)
	[ -z "$f" ] || fail "sanitizer report in ${f##*/}: $(grep -E -m 1 -A 16 "$SAN_PATTERN" "$f")"
}

# still_serving: ipcd answers INFO, and a fresh server and client complete
# a round trip with exact data; no sanitizer report anywhere.
still_serving() {
	kill -0 "$IPCD_PID" 2>/dev/null || fail "ipcd is gone"
	timeout 10 "$CTL_ABUSE" info >/dev/null || fail "ipcd does not answer INFO"
	bg rt-srv "$FAULT_SRV" -n roundtrip
	local srv=$BG
	wait_path /dev/name/local/roundtrip || fail "round-trip server did not register"
	timeout 20 "$FAULT_CLI" send roundtrip 3 -s 100 -r 20000 >"$DIR/rt-cli.out" 2>&1 ||
		fail "round-trip client failed"
	[ "$(lines "$DIR/rt-cli.out" 'rc=OK .*data=ok')" = 3 ] ||
		fail "round trip: $(cat "$DIR/rt-cli.out")"
	kill -9 $srv
	wait_exit $srv 10 || hard "round-trip server survived SIGKILL"
	san_clean
}
