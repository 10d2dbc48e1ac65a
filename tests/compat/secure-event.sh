#!/bin/sh
# Behaviour: QNX 7.1 secure events and shm handles between two processes.
# A client registers a pulse event for the server (MsgRegisterEvent) and
# sends the handle: the server's MsgVerifyEvent/MsgDeliverEvent succeed and
# the registered pulse arrives; an event registered for another server is
# refused with EACCES, an unregistered one with ESRCH. A shared-memory
# object passed with shm_create_handle opens in the server only, once, and
# both sides see each other's bytes. Nothing is left in ipcd or /dev/shm.
. "${NTOSIM_SRCDIR:-.}/tests/fault/lib.sh"
PROG=$NTOSIM_BUILDDIR/tests/compat/secure_event
need "$IPCD" "$PROG"
start_ipcd
baseline
bg srv "$PROG" server
srv=$BG
wait_path /dev/name/local/ntosim-time-sec || fail "server did not register"
timeout 60 "$PROG" client >"$DIR/c.out" 2>"$DIR/c.err"
st=$?
[ $st = 0 ] || fail "client exit $st: $(cat "$DIR/c.err")"
grep -q "^ok$" "$DIR/c.out" || fail "no ok: $(cat "$DIR/c.out")"
wait_exit $srv 10 || fail "server still running"
[ "$STATUS" = 0 ] || fail "server exit $STATUS: $(cat "$DIR/srv.err")"
no_leaks
exit 0
