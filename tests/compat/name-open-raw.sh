#!/bin/sh
# Behaviour: name_open() against the raw name_attach server QNX's training
# course teaches, which answers every unknown message type (_IO_CONNECT
# included) with MsgError(ENOSYS), works as on QNX: the client gets its
# connection and its checksum, and the server never sees an _IO_CONNECT
# (QNX's process manager answers name_open without gns; no message reaches
# the server). A server that answers _IO_CONNECT with EOK, as the
# name_attach docs suggest, works the same, and so does a process whose
# own server thread has the name it opens.
# Forced: nothing; each client runs under a timeout.
. "${NTOSIM_SRCDIR:-.}/tests/fault/lib.sh"
PROG=$NTOSIM_BUILDDIR/tests/compat/name_raw
need "$IPCD" "$FAULT_CLI" "$PROG"
start_ipcd

for mode in enosys eok; do
	bg srv-$mode "$PROG" server raw_$mode $mode
	srv=$BG
	wait_path /dev/name/local/raw_$mode || fail "$mode server did not register"
	# a path below a name is no name
	timeout 10 "$PROG" client raw_$mode/below x >"$DIR/below-$mode.out" 2>&1 &&
		fail "$mode server: name_open of raw_$mode/below succeeded"
	grep -q '^client: name_open: No such file or directory$' "$DIR/below-$mode.out" ||
		fail "$mode server: raw_$mode/below: $(cat "$DIR/below-$mode.out")"
	timeout 10 "$PROG" client raw_$mode hello >"$DIR/cli-$mode.out" 2>&1 ||
		fail "$mode server: client failed: $(cat "$DIR/cli-$mode.out")"
	grep -q '^client: checksum 532 (want 532)$' "$DIR/cli-$mode.out" ||
		fail "$mode server: $(cat "$DIR/cli-$mode.out")"
	wait_exit $srv 10 || fail "$mode server did not take QUIT"
	[ "$STATUS" = 0 ] || fail "$mode server exited $STATUS"
	grep -q '_IO_CONNECT' "$DIR/srv-$mode.out" &&
		fail "$mode server received an _IO_CONNECT from name_open"
done

# a server thread and its client in one process
timeout 10 "$PROG" self raw_self >"$DIR/self.out" 2>&1 ||
	fail "own name: $(cat "$DIR/self.out")"
grep -q '^client: checksum 426 (want 426)$' "$DIR/self.out" ||
	fail "own name: $(cat "$DIR/self.out")"
exit 0
