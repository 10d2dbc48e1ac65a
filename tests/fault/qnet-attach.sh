#!/bin/sh
# Behaviour (issue 13): a remote ConnectAttach(nd, pid, chid) with a
# network manager registered gives a coid whose ConnectServerInfo names
# the remote target (nd, pid, chid); the network manager received a
# netctl CHECK on a connection of its own whose nto_netmgr_target is
# exactly (nd, pid, chid, flags) plus the client's pid, uid, gid and coid;
# the CHECK's error is ConnectAttach's (EHOSTDOWN, ESRCH) and leaves no
# coid behind. A process sending straight to the network manager's
# channel has no target (ESRCH). Everything is back to the baseline once
# the clients are gone.
# Forced: qnet-stub answers CHECK (MsgError EHOSTDOWN for pid 666, the
# proxy attach's ESRCH for a missing channel); qnet-probe attaches.
. "${NTOSIM_SRCDIR:-.}/tests/fault/lib.sh"
. "${NTOSIM_SRCDIR:-.}/tests/fault/qnet-lib.sh"
need "$IPCD" "$STUB" "$PROBE" "$PIDIN"
start_ipcd

qnet_serve srv
spid=$SPID schid=$SCHID
qnet_stub
npid=$NPID nchid=$NCHID
baseline

out=$(timeout 10 "$PROBE" attach 3 "$spid" "$schid") || fail "attach: $out"
set -- $(echo "$out" | sed -n 's/^attach rc=OK coid=\(0x[0-9a-f]*\) self=\([0-9]*\)$/\1 \2/p')
[ $# = 2 ] || fail "attach: $out"
coid=$1 self=$2
echo "$out" | grep -qx "server nd=3 pid=$spid chid=$schid" || fail "ConnectServerInfo: $out"
echo "$out" | grep -qx "detach rc=OK" || fail "detach: $out"
wait_line "$DIR/stub.out" "^check rc=OK nd=3 pid=$spid chid=$schid flags=0 client=$self uid=$(id -u) gid=$(id -g) coid=$coid\$" ||
	fail "the network manager's CHECK: $(cat "$DIR/stub.out")"

out=$(timeout 10 "$PROBE" attach 5 666 1)
echo "$out" | grep -q '^attach rc=EHOSTDOWN coid=0xffffffff' || fail "CHECK refused: $out"
out=$(timeout 10 "$PROBE" attach 3 "$spid" 77)
echo "$out" | grep -q '^attach rc=ESRCH coid=0xffffffff' || fail "missing channel: $out"
wait_line "$DIR/stub.out" '^proxy rc=ESRCH' || fail "stub: $(cat "$DIR/stub.out")"

out=$(timeout 10 "$PROBE" send 0 "$npid" "$nchid" 1)
echo "$out" | grep -q '^send seq=1 rc=ENOSYS' || fail "a local client of the network manager: $out"
wait_line "$DIR/stub.out" '^local-msg target rc=ESRCH' || fail "stub: $(cat "$DIR/stub.out")"
grep -q '^msg ' "$DIR/srv.out" && fail "the server saw a message: $(cat "$DIR/srv.out")"
no_leaks
exit 0
