#!/bin/sh
# Remote message passing between three nodes on this machine, each its own
# ipcd and ntosim-qnet: ConnectAttach(nd, pid, chid) to a server on another
# node, MsgSend with a small and a large message, what the server sees in
# _msg_info and ConnectClientInfo (the client's nd, pid, uid), a pulse, a
# MsgDeliverEvent back to the client, MsgRead/MsgWrite at offsets,
# name_open of a global name from a third node, `ls /net`, a resource
# manager read through /net/NODE/... with LD_PRELOAD cat (byte for byte as
# the same device read locally), and the errno of an attach to a missing
# process.
. "${srcdir:-.}/tests/qnet/lib.sh"

qnet_nodes alpha beta gamma
qnet_start alpha beta gamma
qnet_wait_links
serve beta svc
T="beta,$SRV_PID,$SRV_CHID"

client alpha "$T" echo:hello info big:300000 pulse:5:77 event rw
expect_line attached
expect_line "reply hello"
# beta names alpha 1 (first node line); alpha names beta 2
printf '%s\n' "$OUT" | grep -Eqx "nd=1 srcnd=2 pid=[0-9]+ prio=[0-9]+ cnd=1 cpid=[0-9]+ uid=$(id -u)" ||
	fail "server's view of the remote client: $OUT"
CPID=$(printf '%s\n' "$OUT" | sed -n 's/.* pid=\([0-9]*\) .*cpid=\([0-9]*\) .*/\1 \2/p')
[ "${CPID% *}" = "${CPID#* }" ] || fail "_msg_info.pid and ConnectClientInfo pid differ: $CPID"
expect_line "big 300000 ok"
expect_line pulsed
expect_line "event 42 4242"
# the server read 4 bytes at offset 7 ("4567"), wrote them at offset 8,
# and replied 8 bytes
expect_line "rw ABCDEFGH4567"
wait_line "$DIR/srv-beta-svc.out" '^pulse 5 77$' ||
	fail "the pulse did not reach the server"
# the client exited: its connection went, the server is told
wait_line "$DIR/srv-beta-svc.out" '^disconnect$' ||
	fail "no DISCONNECT for the remote client"

# a global name, found from the third node
client gamma name:svc echo:by-name
expect_line attached
expect_line "reply by-name"

# a process that does not exist on beta
client alpha "beta,999999,1" echo:x
expect_line "attach ESRCH"

# The rest preloads libnto into cat and ls, which a sanitizer build's libnto
# cannot be (lib.sh: SAN_RT).
[ -n "$SAN_RT" ] && exit 0

# a resource manager on another node, through /net/NODE: the same bytes
# as the same device read on this node
bgon beta pat-beta "$PATTERN" -p /dev/pattern -s 300000
bgon alpha pat-alpha "$PATTERN" -p /dev/pattern -s 300000
on beta "$FAULT_CLI" wait /dev/pattern 10000 >/dev/null || fail "pattern on beta"
on alpha "$FAULT_CLI" wait /dev/pattern 10000 >/dev/null || fail "pattern on alpha"
on alpha env LD_PRELOAD="$LIBNTO" cat /net/beta/dev/pattern >"$DIR/remote.bin" ||
	fail "cat /net/beta/dev/pattern failed"
on alpha env LD_PRELOAD="$LIBNTO" cat /dev/pattern >"$DIR/local.bin"
[ "$(wc -c <"$DIR/remote.bin")" = 300000 ] ||
	fail "read $(wc -c <"$DIR/remote.bin") bytes through /net, not 300000"
cmp -s "$DIR/remote.bin" "$DIR/local.bin" || fail "remote bytes differ"

# /net lists the nodes
L=$(on alpha env LD_PRELOAD="$LIBNTO" ls /net | tr '\n' ' ')
[ "$L" = "alpha beta gamma " ] || fail "ls /net: '$L'"
exit 0
