#!/bin/sh
# Behaviour: threads blocked in MsgSend when ipcd dies keep waiting for a
# new ipcd (their servers may well be alive), and the new ipcd settles each
# as the old one would have: a reader REPLY-blocked on a live, slow
# resource manager gets its exact bytes; a client REPLY-blocked on a server
# that died while no ipcd ran gets ESRCH once the new ipcd hears of the
# death from the client's re-tell; a server holding the request of a client
# that died while no ipcd ran gets the UNBLOCK pulse (_NTO_CHF_UNBLOCK)
# and the DISCONNECT.
# Forced: ntosim-pattern -d delays its reply by 1.5 s; fault-srv -H holds
# requests; pidin shows every client REPLY-blocked before kill -9 ipcd;
# NTOSIM_CTL_RECONNECT_MS=60000 so a blocked call could only end within the
# test's 20 s bounds because the new ipcd settled it.
. "${NTOSIM_SRCDIR:-.}/tests/fault/lib.sh"
need "$IPCD" "$PIDIN" "$FAULT_SRV" "$FAULT_CLI" "$PATTERN"
start_ipcd
export NTOSIM_CTL_RECONNECT_MS=60000

bg slow "$PATTERN" -p /dev/rsslow -d 1500000
wait_path /dev/rsslow || fail "slow device did not register"
bg dead "$FAULT_SRV" -n rsdead -H
dead=$BG
wait_path /dev/name/local/rsdead || fail "holding server did not register"
bg hold "$FAULT_SRV" -n rshold -H -u -D
wait_path /dev/name/local/rshold || fail "unblock server did not register"

bg rdr "$FAULT_CLI" read /dev/rsslow 16
rdr=$BG
bg orphan "$FAULT_CLI" send rsdead 1
orphan=$BG
bg gone "$FAULT_CLI" send rshold 1
gone=$BG
wait_until 10 in_state $rdr REPLY || fail "reader not REPLY-blocked"
wait_until 10 in_state $orphan REPLY || fail "client of rsdead not REPLY-blocked"
wait_until 10 in_state $gone REPLY || fail "client of rshold not REPLY-blocked"
wait_line "$DIR/hold.out" '^held seq=1' || fail "rshold did not hold the request"

kill -9 "$IPCD_PID"
wait_until 10 exited "$IPCD_PID" || hard "ipcd survived SIGKILL"
kill -9 $dead $gone
wait_exit $dead 10 || hard "rsdead survived SIGKILL"
wait_exit $gone 10 || hard "client of rshold survived SIGKILL"
exited $orphan && fail "the client of rsdead gave up while no ipcd ran: $(cat "$DIR/orphan.out")"

timeout 10 "$IPCD" -s "$SOCK" 2>>"$DIR/ipcd.log" || fail "a new ipcd did not start"
IPCD_PID=$(cat "$SOCK.pid")

wait_exit $rdr 20 || fail "reader still blocked"
grep -q '^read 16 ok' "$DIR/rdr.out" || fail "reader: $(cat "$DIR/rdr.out")"
wait_exit $orphan 20 || fail "client of the server that died in the gap still blocked"
grep -q '^send seq=1 rc=ESRCH' "$DIR/orphan.out" || fail "client of rsdead: $(cat "$DIR/orphan.out")"
wait_line "$DIR/hold.out" '^unblock seq=1 .*unblock_req=1' 20 ||
	fail "no UNBLOCK for the client that died in the gap: $(cat "$DIR/hold.out")"
wait_line "$DIR/hold.out" '^detach scoid=.* rc=OK' 20 ||
	fail "no DISCONNECT for the client that died in the gap: $(cat "$DIR/hold.out")"
gone $dead || fail "ipcd still holds the server that died in the gap"
still_serving
exit 0
