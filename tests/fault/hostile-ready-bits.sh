#!/bin/sh
# Behaviour: a live client that keeps clearing every ready bit of a
# channel's doorbell and pinning its word (burning a CPU to do it) delays
# other clients' requests but loses none: the receiver's bounded sleep
# ends, a full scan finds the hidden work, and the channel then scans every
# connection and sleeps in 1 ms slices for 10 s (one "missed a message"
# line on the server's stderr). Once the attacker is gone, requests flow
# as before.
# Forced: hostile-cli clear for 4 s while fault-cli sends 100 requests.
. "${NTOSIM_SRCDIR:-.}/tests/fault/lib.sh"
need "$IPCD" "$PIDIN" "$FAULT_SRV" "$FAULT_CLI" "$HOSTILE_CLI"
start_ipcd
baseline

bg srv "$FAULT_SRV" -n bits -q
srv=$BG
wait_path /dev/name/local/bits || fail "server did not register"
bg h "$HOSTILE_CLI" clear bits 4000
h=$BG
wait_line "$DIR/h.out" '^clearing' || fail "attacker did not start: $(cat "$DIR/h.out")"
timeout 120 "$FAULT_CLI" send bits 100 >"$DIR/c.out" ||
	fail "requests under attack did not complete: $(tail -n 3 "$DIR/c.out")"
[ "$(lines "$DIR/c.out" 'rc=OK .*data=ok')" = 100 ] || fail "client: $(grep -v 'rc=OK' "$DIR/c.out" | head -n 3)"
wait_exit $h 30 || fail "attacker did not finish"
grep -q '^cleared ' "$DIR/h.out" || fail "attacker: $(cat "$DIR/h.out")"
timeout 60 "$FAULT_CLI" send bits 100 >"$DIR/after.out"
[ "$(lines "$DIR/after.out" 'rc=OK .*data=ok')" = 100 ] || fail "after the attack: $(grep -v 'rc=OK' "$DIR/after.out" | head -n 3)"
kill -9 $srv
no_leaks
still_serving
exit 0
