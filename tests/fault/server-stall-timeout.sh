#!/bin/sh
# Behaviour: a stalled server and TimerTimeout. On a channel without
# _NTO_CHF_UNBLOCK a REPLY-blocked client and a SEND-blocked client both
# leave with ETIMEDOUT at their timeout; the server, once it runs again,
# gets ESRCH replying to the abandoned request and never sees the
# withdrawn one. With _NTO_CHF_UNBLOCK the REPLY-blocked client's timeout
# only asks to unblock (QNX): it stays blocked until the server answers,
# and gets the reply; the UNBLOCK pulse queued meanwhile is withdrawn by
# the reply (QNX removes it), so the server never sees it. A server
# sleeping past a client's timeout behaves
# like the first case and keeps serving.
# Forced: NTOSIM_FAULT=recv=1:stop (the server SIGSTOPs itself holding
# its first request; name_open sends the server nothing) and
# recv=1:sleep:3000; clients arm TimerTimeout(SEND|REPLY, 300 ms).
. "${NTOSIM_SRCDIR:-.}/tests/fault/lib.sh"
need "$IPCD" "$PIDIN" "$FAULT_SRV" "$FAULT_CLI"
start_ipcd
baseline

# ms_between FILE LO HI: the client's one send took LO..HI ms
ms_between() {
	local ms
	ms=$(sed -n 's/^send seq=1 .*ms=\([0-9]*\).*/\1/p' "$1")
	[ -n "$ms" ] && [ "$ms" -ge "$2" ] && [ "$ms" -le "$3" ]
}

# 1. stopped server, no _NTO_CHF_UNBLOCK
bg srv1 env NTOSIM_FAULT=recv=1:stop "$FAULT_SRV" -n st1
srv=$BG
wait_path /dev/name/local/st1 || fail "server did not register"
bg b "$FAULT_CLI" send st1 1 -t 300 -g
b=$BG
wait_line "$DIR/b.out" '^connected' || fail "client b did not connect"
bg a "$FAULT_CLI" send st1 1 -t 300
a=$BG
wait_until 10 stopped $srv || fail "server did not stop at recv=1"
wait_exit $a 10 || fail "REPLY-blocked client ignored its timeout"
grep -q '^send seq=1 rc=ETIMEDOUT' "$DIR/a.out" || fail "client a: $(cat "$DIR/a.out")"
ms_between "$DIR/a.out" 250 1500 || fail "client a: $(cat "$DIR/a.out") (want ~300 ms)"
kill -USR1 $b
wait_exit $b 10 || fail "SEND-blocked client ignored its timeout"
grep -q '^send seq=1 rc=ETIMEDOUT' "$DIR/b.out" || fail "client b: $(cat "$DIR/b.out")"
ms_between "$DIR/b.out" 250 1500 || fail "client b: $(cat "$DIR/b.out") (want ~300 ms)"
kill -CONT $srv
wait_line "$DIR/srv1.out" '^reply seq=1 ' || fail "server did not resume"
grep -q '^reply seq=1 .*rc=ESRCH' "$DIR/srv1.out" ||
	fail "reply to the timed-out client: $(grep '^reply' "$DIR/srv1.out") (want ESRCH)"
timeout 20 "$FAULT_CLI" send st1 2 >"$DIR/after1.out"
[ "$(lines "$DIR/after1.out" 'rc=OK .*data=ok')" = 2 ] || fail "after the stall: $(cat "$DIR/after1.out")"
grep -q "^msg .*pid=$b " "$DIR/srv1.out" && fail "the server received the withdrawn request"
kill -9 $srv

# 2. stopped server, _NTO_CHF_UNBLOCK: the timeout only asks to unblock
bg srv2 env NTOSIM_FAULT=recv=1:stop "$FAULT_SRV" -n st2 -u
srv=$BG
wait_path /dev/name/local/st2 || fail "server 2 did not register"
bg u "$FAULT_CLI" send st2 1 -t 300 -r 5000
u=$BG
wait_until 10 stopped $srv || fail "server 2 did not stop at recv=1"
sleep 1 # a negative check: the client must still be blocked after its timeout
exited $u && fail "client left on its timeout despite _NTO_CHF_UNBLOCK: $(cat "$DIR/u.out")"
in_state $u REPLY || fail "client not REPLY-blocked after its timeout"
kill -CONT $srv
wait_exit $u 10 || fail "client not released by the reply"
grep -q '^send seq=1 rc=OK .*data=ok' "$DIR/u.out" || fail "client u: $(cat "$DIR/u.out")"
# QNX removes a queued UNBLOCK pulse when the server replies: the server,
# which replied before receiving again, must never see it. A later
# request (queued after the pulse, same priority) proves it was not
# merely late.
timeout 20 "$FAULT_CLI" send st2 1 >"$DIR/after2.out"
grep -q 'rc=OK .*data=ok' "$DIR/after2.out" || fail "after the unblock: $(cat "$DIR/after2.out")"
grep -q '^pulse code=-32 ' "$DIR/srv2.out" &&
	fail "the UNBLOCK pulse of an answered request reached the server"
kill -9 $srv

# 3. server sleeping 3 s in the middle of a request
bg srv3 env NTOSIM_FAULT=recv=1:sleep:3000 "$FAULT_SRV" -n st3
srv=$BG
wait_path /dev/name/local/st3 || fail "server 3 did not register"
timeout 20 "$FAULT_CLI" send st3 1 -t 300 >"$DIR/s.out"
grep -q '^send seq=1 rc=ETIMEDOUT' "$DIR/s.out" && ms_between "$DIR/s.out" 250 1500 ||
	fail "client of a sleeping server: $(cat "$DIR/s.out")"
wait_line "$DIR/srv3.out" '^reply seq=1 .*rc=ESRCH' 10 || fail "server 3: $(tail -n 2 "$DIR/srv3.out")"
timeout 20 "$FAULT_CLI" send st3 2 >"$DIR/after3.out"
[ "$(lines "$DIR/after3.out" 'rc=OK .*data=ok')" = 2 ] || fail "after the sleep: $(cat "$DIR/after3.out")"
kill -9 $srv

no_leaks
still_serving
exit 0
