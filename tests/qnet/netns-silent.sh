#!/bin/sh
# A link that goes silent without closing: two nodes, each network manager
# in its own network namespace, joined by a veth pair; blackhole routes
# drop every packet both ways, so the TCP connection is never closed,
# its packets just vanish. With a link timeout of 800 ms: a client
# REPLY-blocked on the other node fails with ESRCH (received: its server
# had it), its next send EBADF; a request sent after the link was declared
# down is reported not received and is never executed, not even once the
# link is back; a new attach waits the timeout, then EHOSTDOWN; the
# server is told UNBLOCK and DISCONNECT; nothing stays blocked or leaked
# on either node (pidin counts and states). When the routes come back, the
# same network managers link again and carry new calls. Needs root (and
# network namespaces): exit 77 otherwise. The ipcd sockets are path
# sockets, reachable from any namespace.
. "${srcdir:-.}/tests/qnet/lib.sh"

[ "$(id -u)" = 0 ] || skip "needs root (network namespaces)"
command -v ip >/dev/null 2>&1 || skip "no ip(8) (iproute2)"
NSA=ntq-a-$$
NSB=ntq-b-$$
VA=nqa$$
VB=nqb$$
NET=10.77.$(($$ % 200 + 20))
ns_cleanup() {
	ip netns del "$NSA" 2>/dev/null
	ip netns del "$NSB" 2>/dev/null
	ip link del "$VA" 2>/dev/null
	return 0
}
trap 'rc=$?; ns_cleanup; (exit $rc); qnet_cleanup' EXIT
ip netns add "$NSA" 2>/dev/null || skip "network namespaces not allowed here"
ip netns add "$NSB" 2>/dev/null || skip "network namespaces not allowed here"
ip link add "$VA" type veth peer name "$VB" 2>/dev/null ||
	skip "veth pairs not allowed here"
ip link set "$VA" netns "$NSA" && ip link set "$VB" netns "$NSB" &&
	ip -n "$NSA" addr add "$NET.1/24" dev "$VA" &&
	ip -n "$NSB" addr add "$NET.2/24" dev "$VB" &&
	ip -n "$NSA" link set "$VA" up && ip -n "$NSB" link set "$VB" up &&
	ip -n "$NSA" link set lo up && ip -n "$NSB" link set lo up ||
	hard "could not set up the veth pair"

QNET_EXTRA="timeout 800"
qnet_nodes alpha beta
# the nodes listen on the veth addresses, each in its own namespace
sed -i -e "s,^node alpha .*,node alpha tcp://$NET.1:7000," \
	-e "s,^node beta .*,node beta tcp://$NET.2:7000," "$DIR"/*.conf
bgon alpha qnet-alpha ip netns exec "$NSA" "$QNET"
QNET_PID_alpha=$BG
bgon beta qnet-beta ip netns exec "$NSB" "$QNET"
QNET_PID_beta=$BG
qnet_wait_links

# silence LINK: add or del the blackhole routes (both directions)
silence() {
	ip -n "$NSA" route "$1" blackhole "$NET.2/32" &&
		ip -n "$NSB" route "$1" blackhole "$NET.1/32" ||
		hard "ip route $1 blackhole failed"
}
counts_on() { (NTOSIM_SOCKET=$DIR/$1.sock && export NTOSIM_SOCKET && counts); }
counts_back() { [ "$(counts_on "$1")" = "$2" ]; }
# blocked NODE: threads of NODE's processes blocked in SEND or REPLY
blocked() {
	on "$1" timeout 10 "$PIDIN" --json | grep -oE '"state":"(SEND|REPLY)"' |
		wc -l
}
downs() { [ "$(lines "$DIR/qnet-$1.err" "link to $2 down")" -ge 1 ]; }

serve beta svc
T="beta,$SRV_PID,$SRV_CHID"
client alpha "$T" echo:warm
expect_line "reply warm"
wait_line "$DIR/srv-beta-svc.out" '^disconnect$' || fail "warm-up client not gone"
BASE_A=$(counts_on alpha)
BASE_B=$(counts_on beta)

# c1 is REPLY-blocked on the server when the link goes silent; c2 has a
# bound connection and sends only after the link was declared down
bgon alpha c1 "$PROBE" client "$T" recover echo:one hold echo:after
C1=$BG
bgon alpha c2 "$PROBE" client "$T" recover echo:two wait-usr1 echo:unsent
C2=$BG
wait_line "$DIR/srv-beta-svc.out" '^holding$' || fail "server never held c1's request"
wait_line "$DIR/c2.out" '^waiting$' || fail "c2: $(cat "$DIR/c2.out")"

T0=$(now_ms)
silence add
wait_exit "$C1" 20 || fail "c1 still blocked on a silent link"
# for the log only (timed assertions do not belong in tests)
echo "c1 failed $(($(now_ms) - T0)) ms after the link went silent (timeout 800 ms)"
grep -qx "recover ESRCH received=1" "$DIR/c1.out" ||
	fail "c1 (its server had the request): $(cat "$DIR/c1.out")"
grep -qx "err ESRCH" "$DIR/c1.out" || fail "c1 hold: $(cat "$DIR/c1.out")"
grep -qx "err EBADF" "$DIR/c1.out" || fail "c1 after: $(cat "$DIR/c1.out")"
wait_until 10 downs alpha beta || fail "alpha never declared the link down"
wait_until 10 downs beta alpha || fail "beta never declared the link down"
# the server's node dropped its remote clients: c1's held request is
# unblocked, both connections go
wait_line "$DIR/srv-beta-svc.out" '^unblock$' || fail "no UNBLOCK on beta"
discs() { [ "$(lines "$DIR/srv-beta-svc.out" '^disconnect$')" -ge 3 ]; }
wait_until 10 discs || fail "no DISCONNECT for the remote clients on beta"

# never sent over the link: reported not received
kill -USR1 "$C2"
wait_exit "$C2" 20 || fail "c2 still blocked on a silent link"
grep -qx "recover EBADF received=0" "$DIR/c2.out" ||
	fail "c2 (never sent): $(cat "$DIR/c2.out")"
grep -qx "err EBADF" "$DIR/c2.out" || fail "c2: $(cat "$DIR/c2.out")"
# a new attach waits for the link (timeout), then gives up
client alpha "$T" echo:new
expect_line "attach EHOSTDOWN"

# nothing left blocked or leaked on either side
wait_until 10 counts_back alpha "$BASE_A" ||
	fail "alpha: objects $(counts_on alpha), before $BASE_A"
wait_until 10 counts_back beta "$BASE_B" ||
	fail "beta: objects $(counts_on beta), before $BASE_B"
[ "$(blocked alpha)" = 0 ] || fail "alpha: $(blocked alpha) threads blocked"
# beta's server is RECEIVE-blocked again, nobody waits on it
[ "$(blocked beta)" = 0 ] || fail "beta: $(blocked beta) threads blocked"

# the routes come back: the same network managers link again
silence del
wait_until 20 links_up alpha 2 || fail "the link did not come back"
client alpha "$T" echo:back
expect_line "reply back"
kill -0 "$QNET_PID_alpha" "$QNET_PID_beta" 2>/dev/null ||
	fail "a network manager exited"
# at most once: what was never sent never ran, even after the link came
# back; what was sent ran once
[ "$(lines "$DIR/srv-beta-svc.out" '^echo unsent$')" = 0 ] ||
	fail "the server ran a request its client was told was not received"
[ "$(lines "$DIR/srv-beta-svc.out" '^echo one$')" = 1 ] || fail "echo one ran $(lines "$DIR/srv-beta-svc.out" '^echo one$') times"
[ "$(lines "$DIR/srv-beta-svc.out" '^echo back$')" = 1 ] || fail "echo back"
exit 0
