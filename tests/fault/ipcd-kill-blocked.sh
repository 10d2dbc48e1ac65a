#!/bin/sh
# Behaviour: when ipcd dies (SIGKILL) and no new ipcd comes within the
# reconnect bound (NTOSIM_CTL_RECONNECT_MS, 2 s by default), a reader
# REPLY-blocked in read() on a resource manager returns an error, and an
# idle resource manager RECEIVE-blocked in its dispatch loop notices and
# exits: nothing hangs.
# Forced: ntosim-pattern -d delays each read by 10 s so the reader stays
# REPLY-blocked; a second, idle ntosim-pattern waits for messages; then
# kill -9 ipcd.
. "${NTOSIM_SRCDIR:-.}/tests/fault/lib.sh"
need "$IPCD" "$PIDIN" "$LIBNTO" "$PATTERN"
start_ipcd

"$PATTERN" -p /dev/slow -d 10000000 &
track $!
"$PATTERN" -p /dev/idle &
idle=$!
track $idle
wait_until 10 has_path /dev/slow || fail "slow server did not register"
wait_until 10 has_path /dev/idle || fail "idle server did not register"
$NTO dd if=/dev/slow of=/dev/null bs=16 count=1 2>/dev/null &
rdr=$!
track $rdr
wait_until 10 in_state $rdr REPLY || fail "reader never REPLY-blocked"
wait_until 10 in_state $idle RECEIVE || fail "idle server not RECEIVE-blocked"

t0=$(now_ms)
kill -9 "$IPCD_PID"
wait_until 10 exited $rdr || fail "reader still blocked 10 s after ipcd died"
t1=$(now_ms)
wait $rdr && fail "reader's read succeeded without ipcd"
wait_until 10 exited $idle || fail "idle server still running 10 s after ipcd died"
echo "reader returned $((t1 - t0)) ms after ipcd died"
exit 0
