#!/bin/sh
# Behaviour: while ipcd is stopped (SIGSTOP), a control call returns
# ETIMEDOUT within its bound (NTOSIM_CTL_TIMEOUT_MS) instead of hanging:
# ChannelCreate and name_open of a registered process, and name_open of a
# process that was never registered (its HELLO is not answered). After
# SIGCONT the same process works again: a late reply to a call it gave up
# on is recognised and ignored, and what that call created in ipcd (the
# channel) is released, so ipcd's object counts come back to the baseline.
# Forced: kill -STOP on ipcd between the probe's steps; the 400 ms bound
# keeps the test short (the default is 5000 ms); the bound is checked only
# as "returned before timeout(1) killed it", never as a duration.
. "${NTOSIM_SRCDIR:-.}/tests/fault/lib.sh"
need "$IPCD" "$PIDIN" "$FAULT_SRV" "$FAULT_CLI" \
	"$NTOSIM_BUILDDIR/tests/fault/restart-probe"
PROBE=$NTOSIM_BUILDDIR/tests/fault/restart-probe
start_ipcd

bg srv "$FAULT_SRV" -n stall -q
wait_path /dev/name/local/stall || fail "server did not register"
export NTOSIM_CTL_TIMEOUT_MS=400
bg probe "$PROBE" stall stall
probe=$BG
wait_line "$DIR/probe.out" '^ready' || fail "probe did not connect: $(cat "$DIR/probe.out")"
baseline

kill -STOP "$IPCD_PID"
kill -USR1 $probe
wait_line "$DIR/probe.out" '^open rc=' 30 || fail "probe hung with ipcd stopped: $(cat "$DIR/probe.out")"
grep -q '^chan rc=ETIMEDOUT' "$DIR/probe.out" || fail "ChannelCreate: $(cat "$DIR/probe.out")"
grep -q '^open rc=ETIMEDOUT' "$DIR/probe.out" || fail "name_open: $(cat "$DIR/probe.out")"
# a process ipcd never saw: its HELLO goes unanswered, bounded too
timeout 30 "$FAULT_CLI" send stall 1 >"$DIR/fresh.out" 2>&1
[ $? = 124 ] && fail "a new process hung with ipcd stopped"
grep -q '^open rc=ETIMEDOUT' "$DIR/fresh.out" || fail "new process: $(cat "$DIR/fresh.out")"

kill -CONT "$IPCD_PID"
kill -USR1 $probe
wait_line "$DIR/probe.out" '^done' 30 || fail "probe after SIGCONT: $(cat "$DIR/probe.out")"
grep -q '^reopen rc=OK' "$DIR/probe.out" || fail "name_open after SIGCONT: $(cat "$DIR/probe.out")"
grep -q '^send rc=OK data=ok' "$DIR/probe.out" || fail "send after SIGCONT: $(cat "$DIR/probe.out")"
# the channel ipcd created late was destroyed again (and the stale
# connection closed): back to the baseline, the probe still registered
no_leaks
kill -TERM $probe
wait_exit $probe 10 || fail "probe did not exit"
[ "$STATUS" = 0 ] || fail "probe exit $STATUS"
still_serving
exit 0
