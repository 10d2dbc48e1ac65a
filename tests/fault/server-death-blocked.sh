#!/bin/sh
# Behaviour: a server SIGKILLed while one client is REPLY-blocked on it and
# two more are SEND-blocked: all three MsgSends fail promptly with ESRCH
# (QNX: both blocked states give ESRCH), the next MsgSend on each of their
# coids fails with EBADF, and ipcd's objects and fds return to baseline.
# Forced: fault-srv -H -m 1 takes the first request and holds it without
# replying, then stops receiving, so later senders stay SEND-blocked; pidin
# confirms each state before kill -9.
. "${NTOSIM_SRCDIR:-.}/tests/fault/lib.sh"
need "$IPCD" "$PIDIN" "$FAULT_SRV" "$FAULT_CLI"
start_ipcd
baseline

bg srv "$FAULT_SRV" -n dies -H -m 1
srv=$BG
wait_path /dev/name/local/dies || fail "server did not register"
# b and c connect first (they wait for SIGUSR1 before sending)
bg b "$FAULT_CLI" send dies 2 -s 20000 -r 16 -g
b=$BG
bg c "$FAULT_CLI" send dies 2 -g
c=$BG
wait_line "$DIR/b.out" '^connected' || fail "client b did not connect"
wait_line "$DIR/c.out" '^connected' || fail "client c did not connect"
bg a "$FAULT_CLI" send dies 2 -r 4096
a=$BG
wait_until 10 in_state $a REPLY || fail "client a never REPLY-blocked"
kill -USR1 $b $c
wait_until 10 in_state $b SEND || fail "client b never SEND-blocked"
wait_until 10 in_state $c SEND || fail "client c never SEND-blocked"

t0=$(now_ms)
kill -9 $srv
for p in $a $b $c; do
	wait_exit $p 5 || fail "client $p still blocked 5 s after the server died"
done
t1=$(now_ms)
for x in a b c; do
	grep -q '^send seq=1 rc=ESRCH' "$DIR/$x.out" ||
		fail "client $x: $(head -n 3 "$DIR/$x.out") (want ESRCH)"
	grep -q '^send seq=2 rc=EBADF' "$DIR/$x.out" ||
		fail "client $x: second send $(sed -n 3p "$DIR/$x.out") (want EBADF)"
done
[ "$(lines "$DIR/srv.out" '^msg ')" = 1 ] || fail "server saw $(lines "$DIR/srv.out" '^msg ') requests, want 1"
no_leaks
still_serving
echo "3 blocked clients returned $((t1 - t0)) ms after the server died"
exit 0
