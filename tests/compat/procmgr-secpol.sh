#!/bin/sh
# secpol: a QNX 8 resource manager that attaches with secpol_resmgr_attach
# serves a client as with resmgr_attach; without a policy in effect
# secpol_transition_type fails with ENOTSUP and no permissions are set; a
# policy file's type map and blobs read back. The server checks the calls
# and prints "ready"; the script reads its path.
. "$NTOSIM_SRCDIR/tests/fault/lib.sh"

PMS=$NTOSIM_BUILDDIR/tests/compat/pm-secpol
PMR=$NTOSIM_BUILDDIR/tests/compat/pm-read
need "$PMS" "$PMR" "$FAULT_CLI"
start_ipcd
bg secpol "$PMS" /dev/pm-secpol "$DIR/secpol.bin"
SRV=$BG
wait_path /dev/pm-secpol || fail "not registered: $(cat "$DIR/secpol.out")"
wait_line "$DIR/secpol.out" '^ready$' || fail "$(cat "$DIR/secpol.out")"
[ "$(lines "$DIR/secpol.out" WRONG)" = 0 ] || fail "$(cat "$DIR/secpol.out")"
out=$(timeout 10 "$PMR" /dev/pm-secpol) || fail "read failed"
[ "$out" = secpol-ok ] || fail "read gave '$out'"
kill -9 "$SRV"
wait_exit "$SRV" 10 || hard "server survived SIGKILL"
exit 0
