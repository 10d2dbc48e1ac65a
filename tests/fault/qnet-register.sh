#!/bin/sh
# Behaviour (issue 13, the network manager's registration): without a
# network manager a remote ConnectAttach gives ENOREMOTE; one process
# registers, a second gets EBUSY, and nobody but the registered one may ask a connection's target
# or attach as a proxy (EPERM). The registration survives an ipcd restart
# (the network manager re-tells it) and dies with its process: then
# ENOREMOTE again, and another process may register. (A process of
# another uid than ipcd's or root's never gets as far as asking: ipcd
# refuses its HELLO, peer.c; netmgr.c's EPERM for it is a second wall.)
# Forced: qnet-stub (tests/fault) is the network manager, qnet-probe the
# other processes; kill -9 of ipcd and of the stub.
. "${NTOSIM_SRCDIR:-.}/tests/fault/lib.sh"
. "${NTOSIM_SRCDIR:-.}/tests/fault/qnet-lib.sh"
need "$IPCD" "$STUB" "$PROBE" "$CTL_ABUSE"
start_ipcd

qnet_serve srv
spid=$SPID schid=$SCHID

# no network manager: ENOREMOTE, as before issue 13
out=$(timeout 10 "$PROBE" attach 3 "$spid" "$schid")
echo "$out" | grep -q "^attach rc=ENOREMOTE coid=0xffffffff" || fail "without a network manager: $out"

qnet_stub
stub=$BG

out=$(timeout 10 "$STUB" -x) && fail "a second network manager registered: $out"
echo "$out" | grep -q '^register rc=EBUSY' || fail "second register: $out"
out=$(timeout 10 "$PROBE" register)
[ "$out" = "register rc=EBUSY" ] || fail "third register: $out"
out=$(timeout 10 "$PROBE" target 1073741825)
[ "$out" = "target rc=EPERM" ] || fail "target from a non-network-manager: $out"
out=$(timeout 10 "$PROBE" proxy "$spid" "$schid")
[ "$out" = "proxy rc=EPERM" ] || fail "proxy attach from a non-network-manager: $out"
grep -q '^msg ' "$DIR/srv.out" && fail "the server saw a message: $(cat "$DIR/srv.out")"

# the registration survives an ipcd restart: the stub re-tells it
kill -9 "$IPCD_PID"
wait_until 10 exited "$IPCD_PID" || hard "ipcd survived SIGKILL"
timeout 10 "$IPCD" -s "$SOCK" 2>>"$DIR/ipcd.log" || fail "a new ipcd did not start"
IPCD_PID=$(cat "$SOCK.pid")
attached() { timeout 10 "$PROBE" attach 3 "$spid" "$schid" | grep -q '^attach rc=OK'; }
wait_until 10 attached || fail "no remote attach after the restart: $(timeout 10 "$PROBE" attach 3 "$spid" "$schid")"
out=$(timeout 10 "$PROBE" register)
[ "$out" = "register rc=EBUSY" ] || fail "register after the restart: $out"

# it dies with its process
kill -9 $stub
wait_exit $stub 10 || hard "stub survived SIGKILL"
noremote() { timeout 10 "$PROBE" attach 3 "$spid" "$schid" | grep -q '^attach rc=ENOREMOTE'; }
wait_until 10 noremote || fail "remote attach with a dead network manager: $(timeout 10 "$PROBE" attach 3 "$spid" "$schid")"
out=$(timeout 10 "$STUB" -x) || fail "register after the death: $out"
echo "$out" | grep -q '^register rc=OK' || fail "register after the death: $out"
kill -0 "$IPCD_PID" 2>/dev/null || fail "ipcd is gone"
exit 0
