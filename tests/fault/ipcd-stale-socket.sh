#!/bin/sh
# Behaviour: ipcd killed with SIGKILL leaves its socket file and pid file;
# a new `ipcd -s` on the same path must see that nobody listens there, take
# the path over, and serve; a live ipcd, by contrast, is never displaced.
# Forced: kill -9 ipcd, then start another on the same socket.
. "${NTOSIM_SRCDIR:-.}/tests/fault/lib.sh"
need "$IPCD" "$PIDIN"
start_ipcd

timeout 10 "$IPCD" -s "$SOCK" 2>/dev/null && fail "a second live ipcd started"
kill -9 "$IPCD_PID"
wait_until 5 exited "$IPCD_PID" || hard "ipcd survived SIGKILL"
[ -S "$SOCK" ] || echo "note: the socket file went away with ipcd"
timeout 10 "$IPCD" -s "$SOCK" || fail "ipcd did not start over a stale socket"
IPCD_PID=$(cat "$SOCK.pid")
[ -n "$(count procs)" ] || fail "the new ipcd does not answer pidin"
exit 0
