#!/bin/sh
# Behaviour: QNX's <time.h> (timer_timeout, nanospin, nsec2timespec),
# <sys/stat.h> (_S_IF*), <sys/mman.h> (SHM_ANON, O_* flags) and
# InterruptAttachThread work as a QNX program expects, against a private
# ipcd; InterruptAttachThread logs one line naming itself.
# Forced: a receive nobody sends to, bounded by timer_timeout.
. "${NTOSIM_SRCDIR:-.}/tests/fault/lib.sh"
PROG=$NTOSIM_BUILDDIR/tests/compat/qnx_time_misc
need "$IPCD" "$PROG"
start_ipcd
timeout 20 "$PROG" >"$DIR/out" 2>"$DIR/err" || fail "$(cat "$DIR/out" "$DIR/err")"
grep -q '^qnx_time_misc: ok$' "$DIR/out" || fail "no ok line: $(cat "$DIR/out")"
grep -q 'InterruptAttachThread: not possible on Linux' "$DIR/err" ||
	fail "no log line for InterruptAttachThread: $(cat "$DIR/err")"
exit 0
