#!/bin/sh
# Behaviour: deaths at the two remaining fault points. A client killed
# right after queuing a pulse: the pulse still reaches the server (pulses
# survive their sender), as do the ones before it. A client killed right
# after ConnectAttach, before its first message: the server's channel
# (_NTO_CHF_DISCONNECT) gets the DISCONNECT pulse for that connection and
# nothing leaks.
# Forced: NTOSIM_FAULT=pulse=3:kill on `fault-cli pulse` (the server is
# SIGSTOPped meanwhile, so the pulses are still queued when their sender
# dies) and NTOSIM_FAULT=connect=1:kill on a client's name_open.
. "${NTOSIM_SRCDIR:-.}/tests/fault/lib.sh"
need "$IPCD" "$PIDIN" "$FAULT_SRV" "$FAULT_CLI"
start_ipcd
baseline

bg srv "$FAULT_SRV" -n pk -D
srv=$BG
wait_path /dev/name/local/pk || fail "server did not register"
bg p env NTOSIM_FAULT=pulse=3:kill "$FAULT_CLI" pulse pk 5 -g
p=$BG
wait_line "$DIR/p.out" '^connected' || fail "pulse sender did not connect"
wait_until 10 in_state $srv RECEIVE || fail "server not RECEIVE-blocked"
kill -STOP $srv
kill -USR1 $p
wait_exit $p 10 || fail "pulse sender still running"
kill -CONT $srv
[ $STATUS = 137 ] || fail "pulse sender exit $STATUS, want SIGKILL at pulse=3 ($(cat "$DIR/p.out"))"
for v in 1 2 3; do
	wait_line "$DIR/srv.out" "^pulse code=5 value=$v " ||
		fail "pulse $v of the dead sender never arrived: $(grep '^pulse' "$DIR/srv.out")"
done
grep -q '^pulse code=5 value=4 ' "$DIR/srv.out" && fail "pulse 4 sent after death"
wait_line "$DIR/srv.out" '^detach ' || fail "no DISCONNECT for the dead pulse sender"
n0=$(lines "$DIR/srv.out" '^detach ')

timeout 20 env NTOSIM_FAULT=connect=1:kill "$FAULT_CLI" send pk 1 >"$DIR/c.out"
st=$?
[ $st = 137 ] || fail "connecting client exit $st, want SIGKILL at connect=1 ($(cat "$DIR/c.out"))"
detaches_above() { [ "$(lines "$DIR/srv.out" '^detach ')" -gt "$1" ]; }
wait_until 10 detaches_above $n0 ||
	fail "no DISCONNECT for the client killed after ConnectAttach"
grep -q '^msg ' "$DIR/srv.out" && fail "a message from a client that never sent one"
kill -9 $srv

no_leaks
still_serving
exit 0
