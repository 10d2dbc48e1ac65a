#!/bin/sh
# Behaviour: QNX's <atomic.h> calls are atomic between threads (a shared
# counter and ticket numbers come out exact) and the _value forms return
# the previous contents; unsigned arithmetic wraps as on QNX.
# Forced: nothing; 4 threads race on the same words.
. "${NTOSIM_SRCDIR:-.}/tests/fault/lib.sh"
PROG=$NTOSIM_BUILDDIR/tests/compat/atomic_ops
need "$PROG"
DIR=$(mktemp -d "${TMPDIR:-/tmp}/ntosim-compat-XXXXXX") || hard "mktemp"
timeout 60 "$PROG" >"$DIR/out" 2>&1 || fail "$(cat "$DIR/out")"
grep -qx ok "$DIR/out" || fail "$(cat "$DIR/out")"
exit 0
