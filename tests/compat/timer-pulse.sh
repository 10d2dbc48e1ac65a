#!/bin/sh
# Behaviour: QNX's periodic task. A server's timer (timer_create with
# SIGEV_PULSE_INIT, 10 ms period) delivers pulses with the event's code and
# (64-bit) value on its own channel; a full pulse queue turns expiries into
# overruns; timer_delete stops them; a SIGEV_SIGNAL timer still goes to
# libc; TimerCreate/TimerSettime/TimerInfo/TimerDestroy; fork() leaves the
# child without timers. The program counts pulses and checks their order
# (no wall-clock assertions) and prints "ok".
. "${NTOSIM_SRCDIR:-.}/tests/fault/lib.sh"
PROG=$NTOSIM_BUILDDIR/tests/compat/timer_pulse
need "$IPCD" "$PROG"
start_ipcd
baseline
timeout 120 "$PROG" >"$DIR/t.out" 2>"$DIR/t.err"
st=$?
[ $st = 0 ] || fail "timer_pulse exit $st: $(cat "$DIR/t.err")"
grep -q "^received 20 pulses$" "$DIR/t.out" || fail "pulses: $(cat "$DIR/t.out")"
grep -q "^ok$" "$DIR/t.out" || fail "no ok: $(cat "$DIR/t.out")"
# nothing of ours is left in ipcd once the program has exited
no_leaks
exit 0
