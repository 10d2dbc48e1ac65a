#!/bin/sh
# Links are TLS with per-node certificates when the node table says so:
# two nodes whose certificates the cluster CA signed talk (a remote send
# works), and a node presenting a certificate from another CA is refused
# and logged, and cannot reach anything. Certificates are made by the test
# (openssl); the stranger runs with the same node name as a real node.
. "${srcdir:-.}/tests/qnet/lib.sh"

QNET_TLS=1
qnet_nodes alpha beta
qnet_start alpha beta
qnet_wait_links
serve beta svc
client alpha "beta,$SRV_PID,$SRV_CHID" echo:secret
expect_line "reply secret"

# a stranger: a third ipcd posing as "gamma", listed in alpha's table, but
# its certificate is signed by another CA
PORT=$(free_port)
echo "node gamma tls+tcp://127.0.0.1:$PORT" >>"$DIR/alpha.conf"
sed -e 's/^local .*/local gamma/' -e "s,^tls .*,tls $DIR/evil.pem $DIR/evil.pem $DIR/ca.pem," \
	"$DIR/alpha.conf" >"$DIR/gamma.conf"
timeout 10 "$IPCD" -s "$DIR/gamma.sock" 2>>"$DIR/ipcd-gamma.log" ||
	hard "ipcd for gamma"
NODES="$NODES gamma"
kill "$QNET_PID_alpha"
wait_exit "$QNET_PID_alpha" 10 || fail "alpha's qnet did not stop"
mv "$DIR/qnet-alpha.err" "$DIR/qnet-alpha-1.err"
qnet_start alpha gamma
wait_until 15 links_up alpha 1 || fail "alpha-beta did not come back"
# gamma dials nobody it could reach (alpha sorts first and dials gamma):
# alpha's handshake with gamma fails on gamma's certificate, every time
wait_line "$DIR/qnet-alpha.err" 'link to gamma .*failed before it was up' 15 ||
	{ cat "$DIR/qnet-alpha.err" >&2; fail "no refusal of gamma logged"; }
links_up gamma 1 && fail "the stranger got a link"
OUT=$(on gamma timeout 20 "$PROBE" client "alpha,1,1" echo:x 2>&1)
expect_line "attach EHOSTDOWN"
exit 0
