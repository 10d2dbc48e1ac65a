#!/bin/sh
# Behaviour: the send mask in a connection's header (the hint that tells
# the receiver which of that connection's slots wait) is written by the
# client, so a client can hide its own requests by clearing it; it cannot
# lose them. Its request is still answered (a full scan after the
# receiver's bounded sleep finds it), and other clients of the same server
# are served throughout.
# Forced: hostile-cli hide (clears its own mask in a loop while its request
# waits) beside fault-cli sending 100 requests.
. "${NTOSIM_SRCDIR:-.}/tests/fault/lib.sh"
need "$IPCD" "$PIDIN" "$FAULT_SRV" "$FAULT_CLI" "$HOSTILE_CLI"
start_ipcd
baseline

bg srv "$FAULT_SRV" -n mask -q
srv=$BG
wait_path /dev/name/local/mask || fail "server did not register"
bg h "$HOSTILE_CLI" hide mask
h=$BG
timeout 120 "$FAULT_CLI" send mask 100 >"$DIR/c.out" ||
	fail "honest requests did not complete: $(tail -n 3 "$DIR/c.out")"
[ "$(lines "$DIR/c.out" 'rc=OK .*data=ok')" = 100 ] || fail "client: $(grep -v 'rc=OK' "$DIR/c.out" | head -n 3)"
wait_exit $h 60 || fail "the hidden request was never answered"
grep -q '^hidden send rc=0 ' "$DIR/h.out" || fail "hidden request: $(cat "$DIR/h.out")"
kill -9 $srv
no_leaks
still_serving
exit 0
