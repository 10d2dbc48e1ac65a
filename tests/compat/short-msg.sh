#!/bin/sh
# Behaviour: a server that receives a message shorter than its buffer sees
# its old bytes past the message, as on QNX (only the bytes received are
# written): MsgReceive, MsgReceivev across parts, MsgRead at an offset, a
# pulse, and a dispatch/message_attach handler whose context buffer held a
# longer message before.
# Forced: nothing; the program fills its buffers and checks every byte.
. "${NTOSIM_SRCDIR:-.}/tests/fault/lib.sh"
# QNX-style programs exit holding what they attached or registered (a
# name, a dispatch context, a slog2 buffer set), as QNX programs do; in a
# sanitizer build that is not a leak to report. libnto's own leaks are
# checked by the unit tests.
ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0"
export ASAN_OPTIONS
PROG=$NTOSIM_BUILDDIR/tests/compat/short_msg
need "$IPCD" "$PROG"
start_ipcd

timeout 20 "$PROG" short_msg >"$DIR/out" 2>&1 || fail "$(cat "$DIR/out")"
for want in MsgReceive MsgReceivev MsgRead pulse dispatch; do
	grep -q "^ok $want\$" "$DIR/out" || fail "no 'ok $want' in: $(cat "$DIR/out")"
done
exit 0
