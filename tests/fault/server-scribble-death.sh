#!/bin/sh
# Behaviour: a server that scribbles the state of a slot it holds and dies
# never leaves its REPLY-blocked client hung. ipcd's death sweep fails every
# slot that is not FREE, CLAIMED or DONE whatever its state holds; a client
# whose slot holds a state the sweep leaves alone sees the connection's
# dead flag (ipcd wakes it) and leaves with ESRCH.
# Forced: NTOSIM_FAULT=recv=1:state:V:kill for V = garbage, FREE, CLAIMED,
# ABANDONED and KERNEL; the client sends with no timeout, and the
# safety-net poll is 10 minutes, so only the sweep or the wake can end it.
. "${NTOSIM_SRCDIR:-.}/tests/fault/lib.sh"
need "$IPCD" "$PIDIN" "$FAULT_SRV" "$FAULT_CLI"
start_ipcd
baseline

export NTOSIM_POLL_MS=600000
for v in 0xdead 0 1 6 7; do
	bg srv$v env NTOSIM_FAULT="recv=1:state:$v:kill" "$FAULT_SRV" -n sd$v
	srv=$BG
	wait_path /dev/name/local/sd$v || fail "server $v did not register"
	timeout 30 "$FAULT_CLI" send sd$v 1 >"$DIR/c$v.out" ||
		fail "state $v: the client hung after the server died ($(cat "$DIR/c$v.out"))"
	grep -q '^send seq=1 rc=ESRCH' "$DIR/c$v.out" || fail "state $v: $(cat "$DIR/c$v.out")"
	wait_exit $srv 10 || fail "server $v did not die"
done
unset NTOSIM_POLL_MS
no_leaks
still_serving
exit 0
