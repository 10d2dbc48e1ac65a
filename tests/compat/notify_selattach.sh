#!/bin/sh
# Behaviour under test: select_attach puts a FIFO's data and messages in
# one dispatch loop (tests/compat/notify_selsrv.c): messages are answered
# while nothing arrives on the FIFO, each write to the FIFO reaches the
# select handler (with SELECT_FLAG_READ, its fd and handle) and the next
# message sees it; a resource manager's device (a simulated fd, armed with
# ionotify) in the same loop; dispatch_timeout is checked inside the
# server.
. "$NTOSIM_SRCDIR/tests/fault/lib.sh"
# QNX-style programs exit holding what they attached or registered (a
# name, a dispatch context, a slog2 buffer set), as QNX programs do; in a
# sanitizer build that is not a leak to report. libnto's own leaks are
# checked by the unit tests.
ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0"
export ASAN_OPTIONS
SRV=$NTOSIM_BUILDDIR/tests/compat/notify_selsrv
CLI=$NTOSIM_BUILDDIR/tests/compat/notify_selcli
DEV=$NTOSIM_BUILDDIR/tests/compat/notify_dev
NCLI=$NTOSIM_BUILDDIR/tests/compat/notify_cli
need "$SRV" "$CLI" "$DEV" "$NCLI"
start_ipcd
P=/dev/ntosim-seldev-$$
"$DEV" "$P" >"$DIR/dev.out" 2>"$DIR/dev.err" &
track $!
wait_until 10 has_path "$P" || fail "notify_dev did not register $P"
NAME=ntosim-selsrv-$$
mkfifo "$DIR/fifo" || hard "mkfifo"
"$SRV" "$NAME" "$DIR/fifo" "$P" >"$DIR/srv.out" 2>"$DIR/srv.err" &
SPID=$!
track $SPID
wait_until 10 grep -q ready "$DIR/srv.out" || fail "server not ready"

got() { timeout 10 "$CLI" "$NAME" get 2>>"$DIR/cli.err"; }
got_is() { [ "$(got)" = "$1" ]; }

[ "$(got)" = "empty" ] || fail "before any data: $(got)"
# the FIFO has a reader (the server), so these opens do not block
printf hello >"$DIR/fifo"
wait_until 10 got_is "ok:hello" || fail "after hello: $(got)"
printf ' world' >"$DIR/fifo"
wait_until 10 got_is "ok:hello world" || fail "after world: $(got)"
# the device: its io_notify armed the server's select_attach
gotdev() { timeout 10 "$CLI" "$NAME" getdev 2>>"$DIR/cli.err"; }
gotdev_is() { [ "$(gotdev)" = "$1" ]; }
[ "$(gotdev)" = "ok:" ] || fail "device before any data: $(gotdev)"
timeout 10 "$NCLI" write "$P" abc || fail "write to the device"
wait_until 10 gotdev_is "ok:abc" || fail "after abc: $(gotdev)"
timeout 10 "$NCLI" write "$P" def || fail "write to the device"
wait_until 10 gotdev_is "ok:abcdef" || fail "after def: $(gotdev)"
[ "$(got)" = "ok:hello world" ] || fail "the FIFO side changed: $(got)"
timeout 10 "$CLI" "$NAME" quit || fail "quit"
wait_until 10 exited $SPID || fail "server did not exit"
wait $SPID || fail "server exit status $?: $(cat "$DIR/srv.err")"
exit 0
