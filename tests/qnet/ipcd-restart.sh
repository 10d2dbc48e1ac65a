#!/bin/sh
# A node's ipcd is SIGKILLed and a new one started on the same socket while
# remote connections are open (issue 13 with issue 11's restartable ipcd),
# first on the clients' node (alpha), then on the server's node (beta).
# The survivors re-tell the new ipcd what they own, the network manager
# included (its registration, its remote targets, its proxy connections),
# so afterwards: ntosim-qnet is still running (it waits out a bounded gap),
# an open remote connection carries the next message, new ConnectAttach,
# name_open of a remote global name, open("/net/NODE/...") and `ls /net`
# work, ipcd knows each remote coid with its node and a proxy connection
# as the network manager's (never the remote pid as a local process), a
# remote client's death gives the server UNBLOCK and DISCONNECT, a remote
# server's death gives its REPLY-blocked client ESRCH and then EBADF.
# Last, beta's network manager is killed while beta has no ipcd: the new
# ipcd reaps it (the server gets DISCONNECT for the remote client it
# carried), and a new network manager registers and links again.
. "${srcdir:-.}/tests/qnet/lib.sh"

qnet_nodes alpha beta
# alpha's network manager gives up on its ipcd's control socket after
# 300 ms (libnto's bound), so its MsgReceive fails in the gap: it must
# wait (-g) for the new ipcd rather than stop
bgon alpha qnet-alpha env NTOSIM_CTL_RECONNECT_MS=300 "$QNET" -g 30000
QNET_PID_alpha=$BG
qnet_start beta
qnet_wait_links
pidin_on() { on "$1" timeout 10 "$PIDIN" --json; }
# proc_on NODE PID: NODE's ipcd's record of PID (empty: unknown)
proc_on() { pidin_on "$1" | sed 's/{"pid":/\n{"pid":/g' | grep "^{\"pid\":$2,"; }
has_chan() { proc_on "$1" "$2" | grep -q '"channels":\[{'; }
# remote_coid NODE PID ND RPID: PID's coid to RPID on node ND is known
remote_coid() {
	proc_on "$1" "$2" | grep -q "\"coid\":[0-9]*,\"pid\":$4,[^}]*\"nd\":$3,\"dead\":false"
}
# restart NODE [LINE]: SIGKILL the node's ipcd, start a new one on its
# socket (once NODE's qnet logged LINE, if given)
restart() {
	local pid
	pid=$(cat "$DIR/$1.sock.pid")
	kill -9 "$pid"
	wait_until 10 exited "$pid" || hard "ipcd of $1 survived SIGKILL"
	if [ -n "${2:-}" ]; then
		wait_line "$DIR/qnet-$1.err" "$2" || fail "$1's qnet: no '$2'"
	fi
	timeout 10 "$IPCD" -s "$DIR/$1.sock" 2>>"$DIR/ipcd-$1.log" ||
		fail "a new ipcd for $1 did not start"
}
# discon SVC N: more than N DISCONNECTs; holds SVC N: N requests held
discon() { [ "$(lines "$DIR/srv-beta-$1.out" '^disconnect$')" -gt "$2" ]; }
holds() { [ "$(lines "$DIR/srv-beta-$1.out" '^holding$')" -ge "$2" ]; }
# works_from ME OTHER PID,CHID NAME: what ME's processes can do remotely
# after a restart: ConnectAttach to OTHER's server PID,CHID, name_open of
# its global NAME, ls /net, cat /net/OTHER/dev/pattern
works_from() {
	local me=$1 other=$2 name=$4
	client "$me" "$other,$3" echo:new-$me
	expect_line "reply new-$me"
	client "$me" "name:$name" echo:byname-$me
	expect_line "reply byname-$me"
	[ -n "$SAN_RT" ] && return 0
	L=$(on "$me" env LD_PRELOAD="$LIBNTO" ls /net | tr '\n' ' ')
	[ "$L" = "alpha beta " ] || fail "ls /net on $me: '$L'"
	on "$me" env LD_PRELOAD="$LIBNTO" cat "/net/$other/dev/pattern" \
		>"$DIR/remote-$me.bin" || fail "cat /net/$other/dev/pattern"
	[ "$(wc -c <"$DIR/remote-$me.bin")" = 4096 ] ||
		fail "read $(wc -c <"$DIR/remote-$me.bin") bytes through /net"
	cmp -s "$DIR/remote-$me.bin" "$DIR/pattern.bin" ||
		fail "bytes through /net/$other differ"
}

# start_pair SVC A B FIRST SECOND V: a server SVC on beta (T names it);
# client A on alpha (pid $PA) sends echo:FIRST and waits; on SIGUSR1 it
# sends echo:SECOND, pulse (5, V) and asks for an event, waits again, then
# holds. Client B (pid $PB) is left REPLY-blocked on SVC.
start_pair() {
	serve beta "$1"
	T="beta,$SRV_PID,$SRV_CHID"
	bgon alpha "$2" "$PROBE" client "$T" "echo:$4" wait-usr1 "echo:$5" \
		"pulse:5:$6" event wait-usr1 hold echo:after
	PA=$BG
	bgon alpha "$3" "$PROBE" client "$T" hold
	PB=$BG
	wait_line "$DIR/$2.out" '^waiting$' || fail "$2: $(cat "$DIR/$2.out")"
	grep -qx "reply $4" "$DIR/$2.out" || fail "$2 before: $(cat "$DIR/$2.out")"
	wait_line "$DIR/srv-beta-$1.out" '^holding$' ||
		fail "server never held $3's request"
}

# after_restart NAME SVC V TEXT: client NAME's connection, open across
# the restart, carried a message (echo:TEXT), a pulse (5, V) to SVC and a
# MsgDeliverEvent back
after_restart() {
	wait_line "$DIR/$1.out" '^event ' || fail "$1 after: $(cat "$DIR/$1.out")"
	grep -qx "reply $4" "$DIR/$1.out" ||
		fail "$1's message after the restart: $(cat "$DIR/$1.out")"
	grep -qx "pulsed" "$DIR/$1.out" || fail "$1's pulse: $(cat "$DIR/$1.out")"
	grep -qx "event 42 4242" "$DIR/$1.out" || fail "$1's event: $(cat "$DIR/$1.out")"
	wait_line "$DIR/srv-beta-$2.out" "^pulse 5 $3\$" ||
		fail "the pulse did not reach the server"
}

# deaths SVC HOLDER WAITER NAME: after a restart, deaths across nodes are
# seen as before it. HOLDER (REPLY-blocked on beta's server SVC) is killed:
# the server gets UNBLOCK, then DISCONNECT. WAITER (output NAME.out) then
# sends `hold` and SVC is killed under it: ESRCH, and EBADF for its next
# send. Both nodes' network managers live on.
deaths() {
	local d0
	d0=$(lines "$DIR/srv-beta-$1.out" '^disconnect$')
	kill -9 "$2"
	wait_line "$DIR/srv-beta-$1.out" '^unblock$' ||
		fail "no UNBLOCK for the remote client that died after the restart"
	wait_until 10 discon "$1" "$d0" ||
		fail "no DISCONNECT for the dead remote client"
	kill -USR1 "$3"
	wait_until 10 holds "$1" 2 || fail "server never held $4's request"
	kill -9 "$SRV_BG"
	wait_exit "$3" 20 || fail "$4 still blocked after its remote server died"
	grep -qx "err ESRCH" "$DIR/$4.out" || fail "$4 hold: $(cat "$DIR/$4.out")"
	grep -qx "err EBADF" "$DIR/$4.out" ||
		fail "$4 after death: $(cat "$DIR/$4.out")"
	kill -0 "$QNET_PID_alpha" 2>/dev/null || fail "alpha's qnet exited"
	kill -0 "$QNET_PID_beta" 2>/dev/null || fail "beta's qnet exited"
}

[ -z "$SAN_RT" ] && {
	bgon alpha pat-alpha "$PATTERN" -p /dev/pattern -s 4096
	bgon beta pat-beta "$PATTERN" -p /dev/pattern -s 4096
	on alpha "$FAULT_CLI" wait /dev/pattern 10000 >/dev/null || fail "pattern on alpha"
	on beta "$FAULT_CLI" wait /dev/pattern 10000 >/dev/null || fail "pattern on beta"
	on alpha env LD_PRELOAD="$LIBNTO" cat /dev/pattern >"$DIR/pattern.bin"
}

# a server on alpha, for beta's clients
serve alpha svca
SVCA="$SRV_PID,$SRV_CHID"

# ---- 1. the clients' node (alpha) loses its ipcd ----
# c1 stays connected and later loses its server; c2 is REPLY-blocked across
# the restart and then killed
start_pair svc c1 c2 one two 71
C1=$PA
C2=$PB
remote_coid alpha "$C1" 2 "$SRV_PID" || fail "before: c1's coid: $(proc_on alpha "$C1")"

restart alpha 'waiting up to 30000 ms'
wait_line "$DIR/qnet-alpha.err" "ipcd is back" ||
	fail "alpha's qnet did not find its new ipcd"
# every survivor re-tells (their keeper threads notice at once)
wait_until 10 has_chan alpha "$QNET_PID_alpha" ||
	fail "alpha's qnet did not re-tell: $(proc_on alpha "$QNET_PID_alpha")"
wait_until 10 remote_coid alpha "$C1" 2 "$SRV_PID" ||
	fail "c1's remote coid was not re-told with its node: $(proc_on alpha "$C1")"
wait_until 10 remote_coid alpha "$C2" 2 "$SRV_PID" ||
	fail "c2's remote coid was not re-told with its node: $(proc_on alpha "$C2")"
kill -0 "$QNET_PID_alpha" 2>/dev/null || fail "alpha's qnet exited in the gap"
kill -USR1 "$C1"
after_restart c1 svc 71 two
works_from alpha beta "$SRV_PID,$SRV_CHID" svc
works_from beta alpha "$SVCA" svca

deaths svc "$C2" "$C1" c1

# ---- 2. the server's node (beta) loses its ipcd ----
start_pair svc2 c3 c4 three four 73
C3=$PA
C4=$PB

restart beta
wait_until 10 has_chan beta "$QNET_PID_beta" ||
	fail "beta's qnet did not re-tell: $(proc_on beta "$QNET_PID_beta")"
wait_until 10 has_chan beta "$SRV_PID" ||
	fail "the server did not re-tell: $(proc_on beta "$SRV_PID")"
kill -0 "$QNET_PID_beta" 2>/dev/null || fail "beta's qnet exited in the gap"
# a remote client is not a process of beta (it lives on alpha): the proxy
# connection is the network manager's, with the client's node
proxy_conn() {
	proc_on beta "$SRV_PID" |
		grep -q "\"client_pid\":$1,\"conn_id\":[0-9]*,\"nd\":1,\"state\":\"LIVE\""
}
wait_until 10 proxy_conn "$C3" ||
	fail "c3's proxy connection after the restart: $(proc_on beta "$SRV_PID")"
[ -z "$(proc_on beta "$C3")" ] || fail "beta's ipcd took c3 for a local process"
[ -z "$(proc_on beta "$C4")" ] || fail "beta's ipcd took c4 for a local process"
kill -USR1 "$C3"
after_restart c3 svc2 73 four
works_from alpha beta "$SRV_PID,$SRV_CHID" svc2
works_from beta alpha "$SVCA" svca

deaths svc2 "$C4" "$C3" c3

# ---- 3. beta's network manager dies while beta has no ipcd ----
# The server re-tells its proxy connection as held by that network
# manager: a ghost the new ipcd finds dead and reaps, so the server is
# told its remote client went (DISCONNECT). The client's node severs its
# connection (the link closed): never sent, EBADF. A new network manager
# registers (nothing stale) and the link works again.
serve beta svc3
T="beta,$SRV_PID,$SRV_CHID"
bgon alpha c5 "$PROBE" client "$T" recover echo:five wait-usr1 echo:six
C5=$BG
wait_line "$DIR/c5.out" '^waiting$' || fail "c5: $(cat "$DIR/c5.out")"
pid=$(cat "$DIR/beta.sock.pid")
kill -9 "$pid"
wait_until 10 exited "$pid" || hard "ipcd of beta survived SIGKILL"
kill -9 "$QNET_PID_beta"
wait_exit "$QNET_PID_beta" 10 || hard "beta's qnet survived SIGKILL"
timeout 10 "$IPCD" -s "$DIR/beta.sock" 2>>"$DIR/ipcd-beta.log" ||
	fail "a new ipcd for beta did not start"
wait_until 10 discon svc3 0 ||
	fail "no DISCONNECT for a remote client whose network manager died in the gap"
[ -z "$(proc_on beta "$QNET_PID_beta")" ] ||
	fail "beta's ipcd still holds the dead network manager"
[ -z "$(proc_on beta "$C5")" ] || fail "beta's ipcd took c5 for a local process"
kill -USR1 "$C5"
wait_exit "$C5" 20 || fail "c5 still blocked"
grep -qx "recover EBADF received=0" "$DIR/c5.out" ||
	fail "c5 after its link went: $(cat "$DIR/c5.out")"
mv "$DIR/qnet-beta.err" "$DIR/qnet-beta-1.err"
qnet_start beta
wait_until 15 links_up alpha 2 || fail "the link did not come back"
client alpha "$T" echo:seven
expect_line "reply seven"
exit 0
