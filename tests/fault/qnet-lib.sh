# Shared by the Qnet contract scenarios (sourced after lib.sh, never run):
# the test network manager and probe, and starting them with their ids.
STUB=$NTOSIM_BUILDDIR/tests/fault/qnet-stub
PROBE=$NTOSIM_BUILDDIR/tests/fault/qnet-probe

# qnet_serve NAME [ARGS]: a qnet-probe server; its pid and chid in
# $SPID $SCHID, its own pid in $BG.
qnet_serve() {
	local name=$1
	shift
	bg "$name" "$PROBE" serve "$@"
	wait_line "$DIR/$name.out" '^serving' || fail "$name did not start"
	set -- $(sed -n 's/^serving pid=\([0-9]*\) chid=\([0-9]*\)$/\1 \2/p' "$DIR/$name.out")
	SPID=$1 SCHID=$2
}

# qnet_stub [ARGS]: the network manager, registered; pid, chid in
# $NPID $NCHID.
qnet_stub() {
	bg stub "$STUB" "$@"
	wait_line "$DIR/stub.out" '^register rc=OK' ||
		fail "stub: $(cat "$DIR/stub.out" "$DIR/stub.err")"
	set -- $(sed -n 's/^register rc=OK pid=\([0-9]*\) chid=\([0-9]*\)$/\1 \2/p' "$DIR/stub.out")
	NPID=$1 NCHID=$2
}
