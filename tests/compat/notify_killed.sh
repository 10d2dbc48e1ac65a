#!/bin/sh
# Behaviour under test: a client SIGKILLed while blocked in select() on a
# resource manager's fd leaves nothing armed in the server. The server's
# own count (PATH-stats) is 1 while it waits and 0 once ipcd has told the
# server the client is gone; once with a server whose io_close_dup calls
# iofunc_notify_remove (QNX's documented way), once with one that does
# not (-n: ntosim's framework drops the entries itself).
. "$NTOSIM_SRCDIR/tests/fault/lib.sh"
DEV=$NTOSIM_BUILDDIR/tests/compat/notify_dev
CLI=$NTOSIM_BUILDDIR/tests/compat/notify_cli
need "$DEV" "$CLI"
start_ipcd

stats_is() { [ "$(timeout 10 "$CLI" stats "$P" 2>/dev/null)" = "$1" ]; }

for flag in "" -n; do
	P=/dev/ntosim-notify-$$$flag
	"$DEV" $flag "$P" >"$DIR/srv$flag.out" 2>"$DIR/srv$flag.err" &
	track $!
	wait_until 10 has_path "$P" || fail "notify_dev did not register $P"
	"$CLI" arm "$P" >"$DIR/cli$flag.out" 2>"$DIR/cli$flag.err" &
	CPID=$!
	track $CPID
	wait_until 10 grep -q armed "$DIR/srv$flag.out" ||
		fail "the client never armed ($flag)"
	stats_is "armed=1" || fail "server count while armed ($flag): " \
		"$(timeout 10 "$CLI" stats "$P")"
	kill -9 $CPID
	wait $CPID 2>/dev/null
	wait_until 10 stats_is "armed=0" ||
		fail "a killed client left $(timeout 10 "$CLI" stats "$P") ($flag)"
done
exit 0
