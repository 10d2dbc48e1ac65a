#!/bin/sh
# Behaviour under test: the same select()/poll() scenario as
# notify_select.sh in a program built without libnto, run with
# LD_PRELOAD=libnto.so (skipped in sanitizer builds, as every preload
# test is).
. "$NTOSIM_SRCDIR/tests/fault/lib.sh"
DEV=$NTOSIM_BUILDDIR/tests/compat/notify_dev
CLI=$NTOSIM_BUILDDIR/tests/compat/notify_cli_plain
need "$DEV" "$CLI" "$LIBNTO"
start_ipcd
P=/dev/ntosim-notify-$$
"$DEV" "$P" >"$DIR/srv.out" 2>"$DIR/srv.err" &
track $!
wait_until 10 has_path "$P" || fail "notify_dev did not register $P"
# without the preload the path does not exist
"$CLI" stats "$P" >/dev/null 2>&1 && fail "$P opened without libnto"
for mode in select poll epoll; do
	timeout 60 $NTO "$CLI" $mode "$P" >"$DIR/$mode.out" \
		2>"$DIR/$mode.err" ||
		fail "notify_cli_plain $mode: $(cat "$DIR/$mode.err")"
	[ "$(tail -n 1 "$DIR/$mode.out")" = "armed=0" ] ||
		fail "notify_cli_plain $mode did not finish"
done
exit 0
