#!/bin/sh
# Behaviour: a sender waiting for one of its connection's 32 slots is
# SEND-blocked as far as QNX is concerned: its TimerTimeout(SEND) ends the
# wait with ETIMEDOUT and a signal with EINTR, even while the server holds
# all 32 slots and never answers.
# Forced: fault-srv -H (holds every request), hostile-cli fill: 32 holder
# threads on one coid, then a 33rd with a 300 ms send timeout and a 34th
# without one that is signalled.
. "${NTOSIM_SRCDIR:-.}/tests/fault/lib.sh"
need "$IPCD" "$PIDIN" "$FAULT_SRV" "$HOSTILE_CLI"
start_ipcd
baseline

bg srv "$FAULT_SRV" -n full -H
srv=$BG
wait_path /dev/name/local/full || fail "server did not register"
bg cli "$HOSTILE_CLI" fill full
cli=$BG
wait_line "$DIR/srv.out" '^msg ' 10 || fail "no request reached the server"
# a function: wait_until re-runs it (a $(...) in its arguments would be
# counted once, before the wait)
holds_32() { [ "$(lines "$DIR/srv.out" '^msg ')" -ge 32 ]; }
wait_until 60 holds_32 ||
	fail "the server holds $(lines "$DIR/srv.out" '^msg ') requests, want 32"
kill -USR1 $cli
wait_exit $cli 30 || fail "a sender waiting for a slot ignored its timeout or signal: $(cat "$DIR/cli.out")"
grep -q '^33rd rc=ETIMEDOUT' "$DIR/cli.out" || fail "33rd sender: $(cat "$DIR/cli.out")"
grep -q '^34th rc=EINTR' "$DIR/cli.out" || fail "34th sender: $(cat "$DIR/cli.out")"
[ "$(lines "$DIR/srv.out" '^msg ')" = 32 ] || fail "the server received a request that left: $(lines "$DIR/srv.out" '^msg ')"
kill -9 $srv
no_leaks
still_serving
exit 0
