#!/bin/sh
# Behaviour (issue 13, what libnto asks the network manager): a server's
# MsgDeliverEvent to a remote client goes to the network manager
# (NTO_NETCTL_EVENT), which delivers it on the client's node: the client
# gets the pulse. name_open of a name not registered here asks the
# network manager (NTO_NETCTL_NAME) and attaches to the node it names
# (ConnectServerInfo nd 3, the server sees nd 9); an unknown name stays
# ENOENT. open("/net/NODE/rest"): this node's name resolves "/rest" here,
# another node's through NTO_NETCTL_RESOLVE and a remote ConnectAttach per
# entry, with exact bytes from a pattern device; an unknown path there is
# ENOENT. Without a network manager, remote names and /net paths of other
# nodes are ENOENT and this node's /net path still works.
# Forced: a node table naming this node "here" and another "far" (nd 2);
# qnet-stub answers for "far" from this node; "far-NAME" is the name NAME.
. "${NTOSIM_SRCDIR:-.}/tests/fault/lib.sh"
. "${NTOSIM_SRCDIR:-.}/tests/fault/qnet-lib.sh"
need "$IPCD" "$STUB" "$PROBE" "$PATTERN" "$FAULT_CLI" "$PIDIN"
start_ipcd
printf 'local here\nnode here tcp://127.0.0.1:1\nnode far tcp://127.0.0.1:2\n' >"$DIR/qnet.conf"
export NTOSIM_QNET_CONF=$DIR/qnet.conf

qnet_serve srv
spid=$SPID schid=$SCHID
qnet_serve nsrv -n qname
bg pat "$PATTERN" -p /dev/qpat
wait_path /dev/qpat || fail "pattern device did not register"

# no network manager
out=$(timeout 10 "$FAULT_CLI" read /net/far/dev/qpat 64)
[ "$out" = "open rc=ENOENT" ] || fail "/net/far without a network manager: $out"
out=$(timeout 10 "$FAULT_CLI" read /net/here/dev/qpat 64)
[ "$out" = "read 64 ok" ] || fail "/net/here without a network manager: $out"
out=$(timeout 10 "$PROBE" nameopen far-qname)
[ "$out" = "name_open rc=ENOENT" ] || fail "remote name without a network manager: $out"

qnet_stub

# a server's MsgDeliverEvent to a remote client
out=$(timeout 20 "$PROBE" event 3 "$spid" "$schid")
self=$(echo "$out" | sed -n 's/^attach rc=OK .* self=\([0-9]*\)$/\1/p')
echo "$out" | grep -qx 'event-send rc=OK status=0' || fail "event: $out"
echo "$out" | grep -qx 'pulse code=5 value=1234' || fail "event: $out"
grep -qx "event nd=9 pid=$self from=$spid rc=OK" "$DIR/stub.out" || fail "stub: $(cat "$DIR/stub.out")"
grep -qx 'deliver rc=OK' "$DIR/srv.out" || fail "srv: $(cat "$DIR/srv.out")"
# (the server keeps its connection to the network manager for its next
# event: the baseline includes it)
proxy_gone() { [ "$(lines "$DIR/stub.out" '^disconnect scoid=.* rc=OK')" = 1 ]; }
wait_until 10 proxy_gone || fail "stub: $(cat "$DIR/stub.out")"
baseline

# name_open: a remote name, an unknown one, a local one
out=$(timeout 20 "$PROBE" nameopen far-qname)
echo "$out" | grep -qx 'name_open rc=OK' || fail "remote name: $out"
echo "$out" | grep -qx 'server nd=3' || fail "remote name: $out"
echo "$out" | grep -qx 'send rc=OK status=1007 data=ok' || fail "remote name: $out"
grep -q '^name far-qname rc=OK' "$DIR/stub.out" || fail "stub: $(cat "$DIR/stub.out")"
grep -Eq '^msg op=E seq=7 nd=9 srcnd=3 ' "$DIR/nsrv.out" || fail "nsrv: $(cat "$DIR/nsrv.out")"
out=$(timeout 20 "$PROBE" nameopen far-nothing)
[ "$out" = "name_open rc=ENOENT" ] || fail "unknown remote name: $out"
out=$(timeout 20 "$PROBE" nameopen qname)
echo "$out" | grep -qx 'server nd=0' || fail "local name: $out"

# /net paths
out=$(timeout 20 "$FAULT_CLI" read /net/far/dev/qpat 200000)
[ "$out" = "read 200000 ok" ] || fail "/net/far/dev/qpat: $out"
grep -qx 'resolve nd=2 path=/dev/qpat n=1' "$DIR/stub.out" || fail "stub: $(cat "$DIR/stub.out")"
out=$(timeout 20 "$FAULT_CLI" read /net/here/dev/qpat 64)
[ "$out" = "read 64 ok" ] || fail "/net/here/dev/qpat: $out"
[ "$(lines "$DIR/stub.out" '^resolve ')" = 1 ] || fail "this node's path went to the network manager"
out=$(timeout 20 "$FAULT_CLI" read /net/far/dev/nothing 1)
[ "$out" = "open rc=ENOENT" ] || fail "/net/far/dev/nothing: $out"
no_leaks
exit 0
