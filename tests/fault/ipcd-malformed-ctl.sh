#!/bin/sh
# Behaviour: ipcd never trusts its control socket. A peer that sends a
# short, empty, oversized or mis-framed packet, an unknown type, a
# request of the wrong size, a bad or repeated HELLO, or file descriptors,
# or that never reads its replies, is dropped (with a log line) and
# nothing else is disturbed: a client and server exchanging messages
# meanwhile see no error, ipcd answers every later request, and its
# objects and fds return to baseline. A storm of random requests on
# hundreds of connections changes nothing either.
# Forced: ctl-abuse speaks the protocol raw (tests/fault/ctl-abuse.c); the
# storm's seed is printed so a failure can be replayed.
. "${NTOSIM_SRCDIR:-.}/tests/fault/lib.sh"
need "$IPCD" "$PIDIN" "$FAULT_SRV" "$FAULT_CLI" "$CTL_ABUSE"
start_ipcd
bg srv "$FAULT_SRV" -n busy
srv=$BG
wait_path /dev/name/local/busy || fail "server did not register"
baseline
bg cli "$FAULT_CLI" send busy 3000 -s 2000 -r 2000
cli=$BG

timeout 120 "$CTL_ABUSE" cases >"$DIR/cases.out" 2>&1 ||
	fail "malformed cases: $(grep -v ': dropped' "$DIR/cases.out")"
ncases=$(lines "$DIR/cases.out" ': dropped after')
seed=${STORM_SEED:-$(od -An -N4 -tu4 /dev/urandom | tr -d ' ')}
echo "storm seed $seed (STORM_SEED=$seed to replay)"
timeout 300 "$CTL_ABUSE" storm "$seed" 400 >"$DIR/storm.out" 2>&1 ||
	fail "storm (seed $seed): $(cat "$DIR/storm.out")"
kill -0 "$IPCD_PID" || fail "ipcd died"
ndrops=$(lines "$DIR/ipcd.log" 'dropping the connection')
# the empty packet reads as EOF (a plain close): every other case is logged
[ "$ndrops" -ge $((ncases - 1)) ] ||
	fail "ipcd logged $ndrops drops for $ncases malformed peers"

wait_exit $cli 120 || fail "the busy client is still running"
[ "$(lines "$DIR/cli.out" 'rc=OK .*data=ok')" = 3000 ] ||
	fail "the busy client saw: $(grep -v 'rc=OK .*data=ok' "$DIR/cli.out" | head -n 3)"
no_leaks
still_serving
echo "$ncases malformed peers dropped, $ndrops drops logged, storm of 400 survived"
exit 0
