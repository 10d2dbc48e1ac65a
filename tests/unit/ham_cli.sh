#!/bin/sh
# ntosim-ham from the command line, driven by hamctl: a one-off server
# (ntosim-ham -o ready=... -- ntosim-pattern -p PATH), hamctl status / pid /
# wait / stop / start / restart / shutdown and their exit codes, a SIGKILL
# restart logged with its readiness time, a second manager refused, and bad
# command lines. Waits are hamctl's own (the manager answers when the state
# is reached), each bounded by -t. Exit: 0 pass, 1 fail, 77 skip, 99 error.
set -u

: "${NTOSIM_BUILDDIR:=$(cd "$(dirname "$0")/../.." && pwd)}"
B=$NTOSIM_BUILDDIR
IPCD=${NTOSIM_IPCD:-$B/ipcd}
HAM=$B/ntosim-ham
HAMCTL=$B/hamctl
PATTERN=$B/ntosim-pattern

fail() { echo "FAIL: $*" >&2; [ -f "$T/ham.log" ] && sed 's/^/  log: /' "$T/ham.log" >&2; exit 1; }
hard() { echo "ERROR: $*" >&2; exit 99; }

for f in "$IPCD" "$HAM" "$HAMCTL" "$PATTERN"; do
	[ -x "$f" ] || hard "$f is not built"
done
command -v timeout >/dev/null 2>&1 || { echo "SKIP: no timeout(1)"; exit 77; }

T=$(mktemp -d "${TMPDIR:-/tmp}/ntosim-hamcli.XXXXXX") || hard mktemp
HAM_PID=
cleanup() {
	[ -n "$HAM_PID" ] && kill -TERM "$HAM_PID" 2>/dev/null && \
		timeout 10 sh -c "while kill -0 $HAM_PID 2>/dev/null; do sleep 0.05; done"
	[ -f "$T/ipcd.sock.pid" ] && kill -9 "$(cat "$T/ipcd.sock.pid")" 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 99' HUP INT TERM

export NTOSIM_SOCKET=$T/ipcd.sock
timeout 10 "$IPCD" -s "$NTOSIM_SOCKET" || hard "ipcd did not start"

ctl() { timeout 20 "$HAMCTL" -t 10000 "$@"; }
kv() { # kv FIELD LINE: the value of FIELD in a hamctl -k line
	echo "$2" | tr ' ' '\n' | sed -n "s/^$1=//p"
}

# bad command lines
"$HAM" >/dev/null 2>&1; [ $? -eq 2 ] || fail "no arguments: want exit 2"
"$HAM" -f "$T/nonexistent" >/dev/null 2>&1; [ $? -eq 2 ] ||
	fail "missing config: want exit 2"
"$HAMCTL" bogus >/dev/null 2>&1; [ $? -eq 2 ] || fail "hamctl bogus: want 2"
"$HAMCTL" status >/dev/null 2>&1; [ $? -eq 3 ] ||
	fail "hamctl without a manager: want 3"

# a one-off server
"$HAM" -o ready=/dev/pattern -o restart=always \
	-- "$PATTERN" -p /dev/pattern 2>"$T/ham.log" &
HAM_PID=$!
ctl wait ntosim-pattern running || fail "never running"
ctl status >"$T/status" || fail "status"
grep -q '^SERVER  *PID  *STATE' "$T/status" || fail "no table header"
grep -q '^ntosim-pattern  *[0-9][0-9]*  *running ' "$T/status" ||
	fail "no running row: $(cat "$T/status")"
line=$(ctl -k status ntosim-pattern) || fail "status -k"
pid1=$(kv pid "$line")
[ "$(kv state "$line")" = running ] || fail "state: $line"
[ "$(ctl pid ntosim-pattern)" = "$pid1" ] || fail "hamctl pid"

# SIGKILL: restarted, ready logged with the time since the death
kill -9 "$pid1"
line=$(ctl -k wait ntosim-pattern running 1) || fail "no restart"
pid2=$(kv pid "$line")
[ "$pid2" != "$pid1" ] || fail "same pid after restart"
[ "$(kv exit "$line")" = signal:9 ] || fail "last exit: $line"
grep -q "ntosim-pattern: ready: pid $pid2 registered /dev/pattern, .* ms after the death of pid $pid1" \
	"$T/ham.log" || fail "readiness not logged"

# stop / start / restart
ctl stop ntosim-pattern | grep -q '^ntosim-pattern: stopped' || fail "stop"
kill -0 "$pid2" 2>/dev/null && fail "pid $pid2 survived stop"
ctl pid ntosim-pattern >/dev/null; [ $? -eq 1 ] || fail "pid of stopped: want 1"
ctl start ntosim-pattern | grep -q 'running, pid' || fail "start"
pid3=$(ctl pid ntosim-pattern) || fail "pid after start"
ctl restart ntosim-pattern | grep -q 'running, pid' || fail "restart"
pid4=$(ctl pid ntosim-pattern)
[ "$pid4" != "$pid3" ] || fail "restart kept pid $pid3"

# errors: unknown server, wait timing out, second manager
ctl status nope >/dev/null 2>&1; [ $? -eq 1 ] || fail "status nope: want 1"
timeout 20 "$HAMCTL" -t 200 wait ntosim-pattern failed >/dev/null 2>&1
[ $? -eq 1 ] || fail "wait timeout: want 1"
"$HAM" -- "$PATTERN" -p /dev/other 2>"$T/second.log"
[ $? -eq 1 ] || fail "second manager: want exit 1"
grep -q 'another manager has it' "$T/second.log" || fail "second manager message"

# shutdown: the server goes, the manager exits 0
ctl shutdown || fail "shutdown"
n=0 # bounded: hamctl shutdown returned once the servers were gone
while kill -0 "$HAM_PID" 2>/dev/null && [ $n -lt 200 ]; do
	sleep 0.05
	n=$((n + 1))
done
kill -0 "$HAM_PID" 2>/dev/null && fail "manager still running"
wait "$HAM_PID"; rc=$?
HAM_PID=
[ $rc -eq 0 ] || fail "manager exit status $rc"
kill -0 "$pid4" 2>/dev/null && fail "server $pid4 left running"
grep -q 'all servers stopped; exiting' "$T/ham.log" || fail "no exit log"
exit 0
