#!/bin/sh
# A node that goes silent or whose network manager dies: every call
# blocked on it fails with ESRCH within the link timeout (set to 800 ms
# here; never a hang), nothing is left blocked, and when the node comes
# back the link is usable again without restarting anything else.
# Forced with SIGSTOP / SIGCONT and SIGKILL of beta's ntosim-qnet while a
# client on alpha is REPLY-blocked on a server on beta. Last, beta's ipcd is
# killed for good: its network manager stops (exit 1, saying why) and alpha
# sees the link go.
. "${srcdir:-.}/tests/qnet/lib.sh"

QNET_EXTRA="timeout 800"
qnet_nodes alpha beta
qnet_start alpha beta
qnet_wait_links
serve beta svc
T="beta,$SRV_PID,$SRV_CHID"

# 1. beta's network manager stops answering (SIGSTOP): a silent node
bgon alpha cli1 "$PROBE" client "$T" hold
CLI=$BG
wait_line "$DIR/srv-beta-svc.out" '^holding$' || fail "server never held"
kill -STOP "$QNET_PID_beta"
wait_exit "$CLI" 20 || fail "client still blocked on a silent node"
grep -qx "err ESRCH" "$DIR/cli1.out" || fail "silent: $(cat "$DIR/cli1.out")"
wait_line "$DIR/qnet-alpha.err" 'link to beta down' ||
	fail "alpha never declared beta down"
kill -CONT "$QNET_PID_beta"
# beta learns the link went (its stream was closed): the server's remote
# client is gone for it
wait_line "$DIR/srv-beta-svc.out" '^disconnect$' ||
	fail "server not told that its remote client went with the link"
wait_until 15 links_up alpha 2 || fail "the link did not come back"
client alpha "$T" echo:back
expect_line "reply back"

# 2. beta's network manager is killed and started again
bgon alpha cli2 "$PROBE" client "$T" hold
CLI=$BG
holding() { [ "$(lines "$DIR/srv-beta-svc.out" '^holding$')" -ge "$1" ]; }
wait_until 10 holding 2 ||
	fail "server never held the second request"
kill -9 "$QNET_PID_beta"
wait_exit "$CLI" 20 || fail "client still blocked after beta's qnet died"
grep -qx "err ESRCH" "$DIR/cli2.out" || fail "killed: $(cat "$DIR/cli2.out")"
mv "$DIR/qnet-beta.err" "$DIR/qnet-beta-1.err"
qnet_start beta
wait_until 15 links_up alpha 3 || fail "the link did not come back"
client alpha "$T" echo:again
expect_line "reply again"

# 3. beta's ipcd dies for good (no restart): its network manager stops
downs() { [ "$(lines "$DIR/qnet-alpha.err" 'link to beta down')" -gt "$1" ]; }
D0=$(lines "$DIR/qnet-alpha.err" 'link to beta down')
kill -9 "$(cat "$DIR/beta.sock.pid")"
wait_exit "$QNET_PID_beta" 20 || fail "beta's qnet outlived its ipcd"
[ "$STATUS" = 1 ] || fail "beta's qnet exited $STATUS, not 1"
grep -q "ipcd is gone; stopping" "$DIR/qnet-beta.err" ||
	fail "beta's qnet did not say why it stopped"
wait_until 10 downs "$D0" || fail "alpha never saw the link go"
exit 0
