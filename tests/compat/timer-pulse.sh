#!/bin/sh
# Behaviour: QNX's periodic task. A server's timer (timer_create with
# SIGEV_PULSE_INIT, 10 ms period) delivers pulses with the event's code and
# (64-bit) value on its own channel; a full pulse queue turns expiries into
# overruns; timer_delete stops them; a SIGEV_SIGNAL timer still goes to
# libc; TimerCreate/TimerSettime/TimerInfo/TimerDestroy; fork() leaves the
# child without timers; under LD_PRELOAD, timeout(1)'s signal timer still
# works. The program counts pulses and checks their order
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
# Under LD_PRELOAD an unmodified program's signal timer still goes to libc:
# coreutils timeout(1) arms one with timer_create/timer_settime.
if [ -z "$SAN_RT" ] && [ -r "$LIBNTO" ]; then
	$NTO timeout 0.2 sleep 30
	st=$?
	[ $st = 124 ] || fail "timeout(1) under LD_PRELOAD exit $st, want 124"
fi
exit 0
