#!/bin/sh
# Behaviour: request identities are untrusted input to the server, and the
# reply cache's bounds hold. reqid-probe (its own identity hook, no libha)
# starts ntosim-kvsrv -C 2 and checks, against the values the server
# returns: a client id naming another process is refused with EPERM and
# not applied; a re-sent identity is answered from the cache (applied
# once); a full cache of a live client's entries refuses a new request
# with EAGAIN before applying it; `done` frees entries; a seq below the
# client's done mark is refused (ESTALE); after a SIGKILL and restart the
# cache is rebuilt from the log, and after another one from the compacted
# store; a dead client's entries are evicted when room is needed, a live
# client's are kept.
. "${NTOSIM_SRCDIR:-.}/tests/fault/lib.sh"
PROBE=$NTOSIM_BUILDDIR/tests/fault/reqid-probe
need "$IPCD" "$PIDIN" "$KVSRV" "$PROBE"
start_ipcd
baseline

timeout 60 "$PROBE" "$KVSRV" "$DIR/kv.db" rq >"$DIR/probe.out" 2>"$DIR/probe.err" ||
	fail "reqid-probe: $(cat "$DIR/probe.out" "$DIR/probe.err")"
grep -q '^ok$' "$DIR/probe.out" || fail "$(tail -n 3 "$DIR/probe.out")"

no_leaks
still_serving
echo "forged id refused, re-send from the cache, full cache refuses, restart rebuilds, dead client evicted"
exit 0
