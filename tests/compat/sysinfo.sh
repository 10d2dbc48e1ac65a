#!/bin/sh
# Behaviour: the system page (num_cpu, qtime, cpuinfo; read-only),
# ClockCycles, ClockTime/ClockPeriod/ClockId, SchedGet/SchedSet round trip,
# ThreadCtl (name, runmask), SignalKill/SignalWaitinfo, TimerAlarm, and the
# calls Linux cannot do: InterruptAttach & co., in8/out8 and device memory
# fail with ENOTSUP and log one line each on stderr naming the call, once
# however often they are called, and the program runs on.
. "${NTOSIM_SRCDIR:-.}/tests/fault/lib.sh"
PROG=$NTOSIM_BUILDDIR/tests/compat/sysinfo
need "$IPCD" "$PROG"
start_ipcd
timeout 60 "$PROG" >"$DIR/s.out" 2>"$DIR/s.err"
st=$?
[ $st = 0 ] || fail "sysinfo exit $st: $(cat "$DIR/s.err")"
grep -q "^ok$" "$DIR/s.out" || fail "no ok: $(cat "$DIR/s.out")"
for call in InterruptAttach InterruptAttachEvent InterruptWait \
	InterruptDetach InterruptMask in8 out8 mmap_device_memory \
	mmap_device_io 'ThreadCtl(_NTO_TCTL_IO)' 'ThreadCtl(_NTO_TCTL_IO_PRIV)'; do
	n=$(grep -cF "ntosim: $call: not possible on Linux" "$DIR/s.err")
	[ "$n" = 1 ] || fail "$n log lines for $call, want 1: $(cat "$DIR/s.err")"
done
exit 0
