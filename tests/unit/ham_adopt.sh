#!/bin/sh
# Adoption with the shipped servers: ntosim-ham runs ntosim-pattern and
# ntosim-kvsrv; the manager is SIGKILLed and its servers keep running and
# registered; a second manager with the same state file adopts them (hamctl
# shows the same pids, marked adopted), restarts an adopted server when it
# is SIGKILLed (exit status unknown: not its child), and on shutdown stops
# the adopted one too, removing the state file. Waits are hamctl's.
# Exit: 0 pass, 1 fail, 77 skip, 99 error.
set -u

: "${NTOSIM_BUILDDIR:=$(cd "$(dirname "$0")/../.." && pwd)}"
B=$NTOSIM_BUILDDIR
IPCD=${NTOSIM_IPCD:-$B/ipcd}
HAM=$B/ntosim-ham
HAMCTL=$B/hamctl

fail() { echo "FAIL: $*" >&2; for l in "$T"/ham*.log; do [ -f "$l" ] && sed "s|^|  $(basename "$l"): |" "$l" >&2; done; exit 1; }
hard() { echo "ERROR: $*" >&2; exit 99; }

for f in "$IPCD" "$HAM" "$HAMCTL" "$B/ntosim-pattern" "$B/ntosim-kvsrv"; do
	[ -x "$f" ] || hard "$f is not built"
done

T=$(mktemp -d "${TMPDIR:-/tmp}/ntosim-hamadopt.XXXXXX") || hard mktemp
PIDS=
cleanup() {
	for p in $PIDS; do kill -9 "$p" 2>/dev/null; done
	[ -f "$T/ipcd.sock.pid" ] && kill -9 "$(cat "$T/ipcd.sock.pid")" 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 99' HUP INT TERM

export NTOSIM_SOCKET=$T/ipcd.sock
timeout 10 "$IPCD" -s "$NTOSIM_SOCKET" || hard "ipcd did not start"
cat >"$T/ham.conf" <<EOF
[pattern]
command = '$B/ntosim-pattern' -p /dev/pattern
ready = /dev/pattern
[kv]
command = '$B/ntosim-kvsrv' -f '$T/kv.store'
ready = kv
EOF
STATE=$T/ntosim-ham.state # the default: beside ipcd's socket

ctl() { timeout 20 "$HAMCTL" -t 10000 "$@"; }
kv() { echo "$2" | tr ' ' '\n' | sed -n "s/^$1=//p"; }

"$HAM" -f "$T/ham.conf" 2>"$T/ham1.log" &
H1=$!
PIDS="$H1"
ctl wait pattern running >/dev/null || fail "pattern never ran"
ctl wait kv running >/dev/null || fail "kv never ran"
pat=$(ctl pid pattern)
kvp=$(ctl pid kv)
PIDS="$PIDS $pat $kvp"
[ -f "$STATE" ] || fail "no state file at $STATE"

# the manager dies: its servers do not
kill -9 "$H1"
wait "$H1" 2>/dev/null
kill -0 "$pat" 2>/dev/null || fail "pattern died with the manager"
kill -0 "$kvp" 2>/dev/null || fail "kv died with the manager"

"$HAM" -f "$T/ham.conf" 2>"$T/ham2.log" &
H2=$!
PIDS="$PIDS $H2"
line=$(ctl -k wait pattern running) || fail "pattern not adopted"
[ "$(kv pid "$line")" = "$pat" ] || fail "pattern: $line"
[ "$(kv adopted "$line")" = 1 ] || fail "pattern not marked adopted"
line=$(ctl -k wait kv running) || fail "kv not adopted"
[ "$(kv pid "$line")" = "$kvp" ] || fail "kv: $line"
ctl status | grep -q '^pattern .* running\* ' || fail "status lacks the * mark"
grep -q 'managing 2 servers (2 adopted)' "$T/ham2.log" || fail "no adoption log"

# an adopted server dies: restarted, status unknown
kill -9 "$pat"
line=$(ctl -k wait pattern running 1) || fail "adopted pattern not restarted"
[ "$(kv exit "$line")" = unknown ] || fail "exit of an adopted: $line"
[ "$(kv pid "$line")" != "$pat" ] || fail "same pid"
PIDS="$PIDS $(kv pid "$line")"
grep -q "pattern: pid $pat died (adopted, not our child: exit status unknown)" \
	"$T/ham2.log" || fail "no unknown-status log"

# shutdown stops the adopted kv too
ctl shutdown || fail "shutdown"
n=0
while kill -0 "$H2" 2>/dev/null && [ $n -lt 200 ]; do
	sleep 0.05
	n=$((n + 1))
done
wait "$H2"; rc=$?
[ $rc -eq 0 ] || fail "second manager exit status $rc"
# kv was reparented (not the manager's child): it may linger as a zombie
state=$(sed -n 's/^State:[[:space:]]*\(.\).*/\1/p' "/proc/$kvp/status" 2>/dev/null)
[ -z "$state" ] || [ "$state" = Z ] || fail "adopted kv $kvp left running ($state)"
[ ! -e "$STATE" ] || fail "state file left behind"
exit 0
