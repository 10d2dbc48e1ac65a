#!/bin/sh
# Behaviour: QNX's libc extensions and small headers work as QNX code
# expects: min/max, strlcpy and friends, EOK and <atomic.h>, the itoa
# family, gulliver.h, the QNX types and constants, the spawn family (exit
# status, P_NOWAIT, P_NOWAITO, P_OVERLAY, fd maps), delay(), pthread_create(NULL) (linked
# with libnto and preloaded into a plain binary), sival_long, and a C++17
# program over every public header doing a message round trip.
# Forced: nothing; each program asserts its results and exits non-zero on
# the first mismatch. A private ipcd serves the ones that use channels.
. "${NTOSIM_SRCDIR:-.}/tests/fault/lib.sh"
T=$NTOSIM_BUILDDIR/tests/compat
start_ipcd

for p in minmax strlcpy itoa gulliver types spawn delay pthread sigval \
	atomic headers; do
	[ -x "$T/libc-$p" ] || hard "$T/libc-$p is not built"
	timeout 60 "$T/libc-$p" >"$DIR/$p.out" 2>"$DIR/$p.err" ||
		fail "libc-$p failed (rc $?): $(cat "$DIR/$p.err")"
done

# ENOTSUP paths say which call and what on stderr.
grep -qF 'ntosim: spawnp(SPAWN_SETSIGIGN): not possible on Linux (ENOTSUP)' "$DIR/spawn.err" ||
	fail "spawnp(SPAWN_SETSIGIGN) logged nothing: $(cat "$DIR/spawn.err")"
grep -qF "ntosim: getprio(1): another process's priority: not possible on Linux (ENOTSUP)" "$DIR/spawn.err" ||
	fail "getprio(1) logged nothing: $(cat "$DIR/spawn.err")"

# A binary that knows nothing of ntosim, with libnto preloaded.
PRE=$T/libc-pthread-preload
[ -x "$PRE" ] || hard "$PRE is not built"
if [ -z "$SAN_RT" ] && [ -r "$LIBNTO" ]; then
	timeout 60 env LD_PRELOAD="$LIBNTO" "$PRE" 2>"$DIR/preload.err" ||
		fail "pthread_create(NULL) under LD_PRELOAD: $(cat "$DIR/preload.err")"
fi
exit 0
