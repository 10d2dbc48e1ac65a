#!/bin/sh
# Behaviour under test: select() and poll() in a -lnto program over a
# resource manager's fd beside a pipe (tests/compat/notify_cli.c says what
# each step checks): the timeout gives 0 with nothing ready, a write to
# either side wakes a waiter blocked on both, both ready count 2, and every
# waiter disarms what it armed (the server's own count is back to 0); and
# ionotify()'s actions, pulse delivery and disarming (notify_ionotify.c).
. "$NTOSIM_SRCDIR/tests/fault/lib.sh"
DEV=$NTOSIM_BUILDDIR/tests/compat/notify_dev
CLI=$NTOSIM_BUILDDIR/tests/compat/notify_cli
need "$DEV" "$CLI" "$NTOSIM_BUILDDIR/tests/compat/notify_ionotify"
start_ipcd
P=/dev/ntosim-notify-$$
"$DEV" "$P" >"$DIR/srv.out" 2>"$DIR/srv.err" &
SRV=$!
track $SRV
wait_until 10 has_path "$P" || fail "notify_dev did not register $P"
for mode in select poll epoll; do
	timeout 60 "$CLI" $mode "$P" >"$DIR/$mode.out" 2>"$DIR/$mode.err" ||
		fail "notify_cli $mode: $(cat "$DIR/$mode.err")"
	[ "$(tail -n 1 "$DIR/$mode.out")" = "armed=0" ] ||
		fail "notify_cli $mode did not finish: $(cat "$DIR/$mode.out")"
done
grep -q armed "$DIR/srv.out" || fail "nothing was ever armed in the server"
# ionotify() itself, as QNX's documentation uses it (notify_ionotify.c)
timeout 60 "$NTOSIM_BUILDDIR/tests/compat/notify_ionotify" "$P" \
	>"$DIR/ionotify.out" 2>"$DIR/ionotify.err" ||
	fail "notify_ionotify: $(cat "$DIR/ionotify.err")"
grep -qx "ionotify ok" "$DIR/ionotify.out" || fail "notify_ionotify did not finish"
exit 0
