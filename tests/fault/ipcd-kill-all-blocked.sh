#!/bin/sh
# Behaviour: when ipcd dies (SIGKILL) and no new ipcd comes, every process
# blocked in a kernel call returns an error once the reconnect bound
# (NTOSIM_CTL_RECONNECT_MS, 2 s by default: blocked calls wait that long
# for a new ipcd, since their peers may be alive) has passed, and nothing
# hangs: a REPLY-blocked client, two SEND-blocked clients (one of them HA,
# whose recovery cannot reach ipcd either), a server RECEIVE-blocked in
# MsgReceive, and a client waiting in nto_path_wait. A process that never
# had an ipcd fails at once (ENOTCONN), and a new ipcd on the same socket
# serves again. (ipcd-restart-*.sh: what happens when a new ipcd comes.)
# Forced: fault-srv -H -m 1 holds the first request and stops receiving
# (so the later senders stay SEND-blocked); pidin confirms every state;
# then kill -9 ipcd.
. "${NTOSIM_SRCDIR:-.}/tests/fault/lib.sh"
need "$IPCD" "$PIDIN" "$FAULT_SRV" "$FAULT_CLI"
start_ipcd

bg hold "$FAULT_SRV" -n hold -H -m 1
wait_path /dev/name/local/hold || fail "holding server did not register"
bg idle "$FAULT_SRV" -n idle
idle=$BG
wait_path /dev/name/local/idle || fail "idle server did not register"
bg b "$FAULT_CLI" send hold 1 -g
b=$BG
bg h "$FAULT_CLI" send hold 1 -g -h 5000
h=$BG
wait_line "$DIR/b.out" '^connected' || fail "client b did not connect"
wait_line "$DIR/h.out" '^connected' || fail "HA client did not connect"
bg a "$FAULT_CLI" send hold 1
a=$BG
wait_until 10 in_state $a REPLY || fail "client a not REPLY-blocked"
kill -USR1 $b $h
wait_until 10 in_state $b SEND || fail "client b not SEND-blocked"
wait_until 10 in_state $h SEND || fail "HA client not SEND-blocked"
wait_until 10 in_state $idle RECEIVE || fail "idle server not RECEIVE-blocked"
bg w "$FAULT_CLI" wait /dev/never 60000
w=$BG
# the waiter's request is parked in ipcd; nothing in pidin shows it, but
# a registration it is waiting for would wake it: prove it is parked
bg w2 "$FAULT_CLI" wait /dev/name/local/soon 10000
w2=$BG
bg soon "$FAULT_SRV" -n soon
wait_exit $w2 10 || fail "a path waiter was not woken by the registration"
[ "$STATUS" = 0 ] || fail "path waiter exit $STATUS"

t0=$(now_ms)
kill -9 "$IPCD_PID"
slow=0
for p in $a $b $h $idle $w; do
	wait_exit $p 15 || fail "process $p still blocked 15 s after ipcd died"
	t=$(($(now_ms) - t0))
	[ $t -gt $slow ] && slow=$t
	eval "st_$p=$STATUS"
done
# How fast they returned is reported, not asserted (no timed assertions:
# a loaded machine stretches it); the bound above is what catches a hang.
for x in a b; do
	grep -q '^send seq=1 rc=ESRCH' "$DIR/$x.out" ||
		fail "client $x: $(cat "$DIR/$x.out") (want ESRCH)"
done
grep -Eq '^send seq=1 rc=E' "$DIR/h.out" || fail "HA client: $(cat "$DIR/h.out")"
grep -q '^receive rc=ESRCH' "$DIR/idle.out" || fail "idle server: $(tail -n 1 "$DIR/idle.out")"
eval "[ \$st_$w = 1 ]" || fail "path waiter did not fail"

t0=$(now_ms)
timeout 10 "$FAULT_CLI" send idle 1 >"$DIR/late.out"
grep -q '^open rc=ENOTCONN' "$DIR/late.out" || fail "a call without ipcd: $(cat "$DIR/late.out")"
echo "a call without ipcd failed in $(($(now_ms) - t0)) ms"

timeout 10 "$IPCD" -s "$SOCK" 2>>"$DIR/ipcd.log" || fail "a new ipcd did not start"
IPCD_PID=$(cat "$SOCK.pid")
still_serving
echo "every blocked call returned within $slow ms of ipcd's death"
exit 0
