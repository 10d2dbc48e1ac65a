#!/bin/sh
# Behaviour: a client killed while REPLY-blocked. On a channel without
# _NTO_CHF_UNBLOCK the client is released at once: the server gets no
# UNBLOCK pulse, only the DISCONNECT, and its late MsgReply fails with
# ESRCH. With _NTO_CHF_UNBLOCK the server gets an UNBLOCK pulse whose value
# is the held rcvid, MsgInfo shows _NTO_MI_UNBLOCK_REQ, and its MsgError
# to that rcvid succeeds (QNX: the dying thread waits for it); the
# DISCONNECT pulse follows. Either way nothing leaks.
# Forced: fault-srv -H holds every request; kill -9 the client once pidin
# shows it REPLY-blocked.
. "${NTOSIM_SRCDIR:-.}/tests/fault/lib.sh"
need "$IPCD" "$PIDIN" "$FAULT_SRV" "$FAULT_CLI"
start_ipcd
baseline

# round TAG SERVER-FLAGS: start a holding server, block a client on it,
# kill the client; the server's log is $DIR/TAG.out, the held rcvid $HELD.
round() {
	bg $1 "$FAULT_SRV" -n rb-$1 -H -D $2
	SRV=$BG
	wait_path /dev/name/local/rb-$1 || fail "$1: server did not register"
	bg $1-cli "$FAULT_CLI" send rb-$1 1 -r 100
	local c=$BG
	wait_line "$DIR/$1.out" '^held seq=1' || fail "$1: server never got the request"
	wait_until 10 in_state $c REPLY || fail "$1: client not REPLY-blocked"
	HELD=$(sed -n 's/^held seq=1 rcvid=\([0-9]*\).*/\1/p' "$DIR/$1.out")
	kill -9 $c
	wait_exit $c 5 || hard "client survived SIGKILL"
	wait_line "$DIR/$1.out" '^detach ' || fail "$1: no DISCONNECT reached the server"
}

# 1. no _NTO_CHF_UNBLOCK
round plain ""
grep -q '^pulse code=-32 ' "$DIR/plain.out" && fail "UNBLOCK pulse without _NTO_CHF_UNBLOCK"
grep -q "^late-reply seq=1 rcvid=$HELD rc=ESRCH" "$DIR/plain.out" ||
	fail "late reply to a dead client: $(grep '^late-reply' "$DIR/plain.out") (want ESRCH)"
kill -9 $SRV

# 2. _NTO_CHF_UNBLOCK
round unblk -u
grep -q "^pulse code=-32 value=$HELD " "$DIR/unblk.out" ||
	fail "no UNBLOCK pulse for rcvid $HELD: $(grep '^pulse' "$DIR/unblk.out")"
grep -q "^unblock seq=1 rcvid=$HELD unblock_req=1" "$DIR/unblk.out" ||
	fail "MsgInfo: $(grep '^unblock ' "$DIR/unblk.out") (want _NTO_MI_UNBLOCK_REQ)"
grep -q "^unblock-error seq=1 rcvid=$HELD rc=OK" "$DIR/unblk.out" ||
	fail "MsgError to the unblocking client: $(grep '^unblock-error' "$DIR/unblk.out")"
# the UNBLOCK came first: nothing was left for the DISCONNECT to answer
grep -q '^late-reply' "$DIR/unblk.out" && fail "DISCONNECT before UNBLOCK: $(cat "$DIR/unblk.out")"
kill -9 $SRV

no_leaks
still_serving
exit 0
