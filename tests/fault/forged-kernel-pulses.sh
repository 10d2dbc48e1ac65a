#!/bin/sh
# Behaviour: a client cannot make a server see a kernel pulse. MsgSendPulse
# refuses the kernel's codes (_PULSE_CODE_UNBLOCK.._PULSE_CODE_NET_DETACH)
# with EINVAL, and entries a client writes straight into its pulse table
# with those codes are dropped by MsgReceive; only an UNBLOCK for a message
# of that client the server still holds, which the client asked to leave,
# gets through. The client's honest pulse after them arrives.
# Forced: hostile-cli forge (the forged entries are the oldest queued, so
# any that got through would be received before the honest one).
. "${NTOSIM_SRCDIR:-.}/tests/fault/lib.sh"
need "$IPCD" "$PIDIN" "$FAULT_SRV" "$HOSTILE_CLI"
start_ipcd
baseline

bg srv "$FAULT_SRV" -n forge
srv=$BG
wait_path /dev/name/local/forge || fail "server did not register"
timeout 20 "$HOSTILE_CLI" forge forge >"$DIR/h.out" 2>&1 || fail "probe: $(cat "$DIR/h.out")"
grep -q '^sendpulse kernel codes refused=yes' "$DIR/h.out" || fail "probe: $(cat "$DIR/h.out")"
grep -q '^forged 7' "$DIR/h.out" || fail "probe: $(cat "$DIR/h.out")"
wait_line "$DIR/srv.out" '^pulse code=5 value=77 ' || fail "the honest pulse did not arrive: $(cat "$DIR/srv.out")"
grep -q '^pulse code=-' "$DIR/srv.out" && fail "a forged kernel pulse reached the server: $(grep '^pulse' "$DIR/srv.out")"
kill -9 $srv
no_leaks
still_serving
exit 0
