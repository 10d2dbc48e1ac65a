#!/bin/sh
# Behaviour: a client that sends a resource manager one of the I/O types
# reserved for the framework's own calls (close_ocb, unblock, lock_ocb ...)
# gets ENOSYS; the server neither runs that handler (close_ocb would free
# the OCB under the binding: the server crashed) nor dies, and the fd
# still reads.
# Forced: each reserved type sent on an open fd, long and short.
. "${NTOSIM_SRCDIR:-.}/tests/fault/lib.sh"
PROG=$NTOSIM_BUILDDIR/tests/compat/rsvd_types
need "$IPCD" "$FAULT_CLI" "$PATTERN" "$PROG"
start_ipcd

bg pat "$PATTERN" -p /dev/rsvd
srv=$BG
wait_path /dev/rsvd || fail "pattern server did not register"
timeout 20 "$PROG" /dev/rsvd >"$DIR/out" 2>&1 || fail "$(cat "$DIR/out")"
grep -qx ok "$DIR/out" || fail "$(cat "$DIR/out")"
exited $srv && fail "the server died"
exit 0
