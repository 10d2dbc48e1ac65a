# Shared by the Qnet scenarios (sourced): several ntosim nodes on this one
# machine, each its own ipcd (socket), node table and ntosim-qnet, linked
# over loopback TCP (or TLS) ports. Builds on tests/fault/lib.sh (bounded
# waits, bg, cleanup). Exit codes: 0 pass, 1 fail, 77 skip, 99 error.
. "${srcdir:-.}/tests/fault/lib.sh"

QNET=$NTOSIM_BUILDDIR/ntosim-qnet
PROBE=$NTOSIM_BUILDDIR/tests/qnet/qnet-probe
[ -x "$QNET" ] || skip "ntosim-qnet not built (configure --without-qnet?)"
NODES=""
QNET_PIDS=""

# Kill every node's ipcd too (lib.sh's cleanup knows one socket only).
qnet_cleanup() {
	local rc0=$?
	for n in $NODES; do
		[ -f "$DIR/$n.sock.pid" ] &&
			kill -9 "$(cat "$DIR/$n.sock.pid")" 2>/dev/null
	done
	(exit $rc0) # cleanup shows the logs when the test failed
	cleanup
}
trap qnet_cleanup EXIT

# A free TCP port on 127.0.0.1 (nothing listens on it now).
free_port() {
	local p
	while :; do
		p=$((20000 + $(od -An -N2 -tu2 /dev/urandom) % 40000))
		# in use if any socket is bound to it (/proc/net/tcp: hex port)
		grep -qi ":$(printf %04X "$p") " /proc/net/tcp /proc/net/tcp6 \
			2>/dev/null || break
	done
	echo "$p"
}

# qnet_nodes NAME...: a node table for these nodes (each with a fresh
# loopback port) in $DIR/NAME.conf, and an ipcd per node. Extra table
# lines can be given in $QNET_EXTRA (e.g. "timeout 800", "tls ...").
qnet_nodes() {
	DIR=$(mktemp -d "${TMPDIR:-/tmp}/ntosim-qnet-XXXXXX") || hard mktemp
	NODES="$*"
	: >"$DIR/table"
	for n in $NODES; do
		echo "node $n tcp://127.0.0.1:$(free_port)" >>"$DIR/table"
	done
	if [ -n "${QNET_TLS:-}" ]; then
		sed -i 's,tcp://,tls+tcp://,' "$DIR/table"
		qnet_certs $NODES
	fi
	for n in $NODES; do
		{
			echo "local $n"
			cat "$DIR/table"
			[ -n "${QNET_EXTRA:-}" ] && printf '%s\n' "$QNET_EXTRA"
			[ -n "${QNET_TLS:-}" ] &&
				echo "tls $DIR/$n.pem $DIR/$n.pem $DIR/ca.pem"
		} >"$DIR/$n.conf"
		timeout 10 "$IPCD" -s "$DIR/$n.sock" 2>>"$DIR/ipcd-$n.log" ||
			hard "ipcd for node $n"
	done
	SOCK=$DIR/$(echo "$NODES" | cut -d' ' -f1).sock
}

# on NODE CMD...: run CMD as a process of NODE.
on() {
	local n=$1
	shift
	env NTOSIM_SOCKET="$DIR/$n.sock" NTOSIM_QNET_CONF="$DIR/$n.conf" \
		NTOSIM_AUTOSTART=0 "$@"
}

# bgon NODE NAME CMD...: bg NAME CMD as a process of NODE ($BG is CMD's own
# pid, so signals reach it).
bgon() {
	local n=$1
	shift
	local name=$1
	shift
	bg "$name" env NTOSIM_SOCKET="$DIR/$n.sock" \
		NTOSIM_QNET_CONF="$DIR/$n.conf" NTOSIM_AUTOSTART=0 "$@"
}

# qnet_start NODE...: start ntosim-qnet on these nodes; $DIR/qnet-NODE.err
qnet_start() {
	for n in "$@"; do
		bgon "$n" "qnet-$n" "$QNET" ${QNET_ARGS:-}
		eval "QNET_PID_$n=\$BG"
	done
}

# links_up NODE COUNT: NODE's qnet has logged COUNT links up in all.
links_up() { [ "$(lines "$DIR/qnet-$1.err" 'link to .* up')" -ge "$2" ]; }

# qnet_wait_links: every node sees every other (bounded).
qnet_wait_links() {
	local k=$(($(echo "$NODES" | wc -w) - 1)) n
	for n in $NODES; do
		wait_until 15 links_up "$n" "$k" ||
			fail "node $n: links did not come up"
	done
}

# serve NODE NAME: a qnet-probe server on NODE; sets SRV_PID, SRV_CHID.
serve() {
	bgon "$1" "srv-$1-$2" "$PROBE" serve "$2"
	SRV_BG=$BG
	wait_line "$DIR/srv-$1-$2.out" '^ready ' ||
		fail "server $2 on $1 did not start"
	SRV_PID=$(sed -n 's/^ready \([0-9]*\) .*/\1/p' "$DIR/srv-$1-$2.out")
	SRV_CHID=$(sed -n 's/^ready [0-9]* \([0-9]*\)/\1/p' "$DIR/srv-$1-$2.out")
}

# client NODE TARGET STEP...: run a qnet-probe client to completion
# (bounded), its output in $OUT.
client() {
	local n=$1
	shift
	OUT=$(on "$n" timeout 20 "$PROBE" client "$@" 2>&1)
}

expect_line() {
	printf '%s\n' "$OUT" | grep -qx -- "$1" ||
		fail "expected the line '$1' in: $(printf '%s' "$OUT" | tr '\n' '|')"
}

# qnet_certs NODE...: a cluster CA ($DIR/ca.pem) and, for each node, a
# certificate naming it (CN and subjectAltName) with its key, in
# $DIR/NODE.pem. Also a stranger's CA and certificate ($DIR/evil.pem) for
# refusal tests. Needs openssl (tools/install-deps.sh installs it).
qnet_certs() {
	command -v openssl >/dev/null 2>&1 || skip "openssl not installed"
	local n
	(
		cd "$DIR" || exit 1
		openssl req -x509 -newkey rsa:2048 -nodes -days 2 \
			-keyout ca.key -out ca.pem -subj "/CN=ntosim test CA" \
			>/dev/null 2>&1 || exit 1
		openssl req -x509 -newkey rsa:2048 -nodes -days 2 \
			-keyout evilca.key -out evilca.pem -subj "/CN=stranger" \
			>/dev/null 2>&1 || exit 1
		for n in "$@" evil; do
			ca=ca
			[ "$n" = evil ] && ca=evilca
			openssl req -newkey rsa:2048 -nodes -keyout "$n.key" \
				-out "$n.csr" -subj "/CN=$n" >/dev/null 2>&1 ||
				exit 1
			printf 'subjectAltName=DNS:%s\n' "$n" >"$n.ext"
			openssl x509 -req -in "$n.csr" -CA "$ca.pem" \
				-CAkey "$ca.key" -CAcreateserial -days 2 \
				-extfile "$n.ext" -out "$n.crt" >/dev/null 2>&1 ||
				exit 1
			cat "$n.crt" "$n.key" >"$n.pem"
		done
	) || hard "openssl could not make the test certificates"
}
