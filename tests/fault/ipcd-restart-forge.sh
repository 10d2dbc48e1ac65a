#!/bin/sh
# Behaviour: a re-tell is checked, never trusted. A process may not claim,
# through the RESTORE_* requests: another process's channel (the memfds of
# a channel ipcd already holds), a memfd of the wrong size or without
# ipcd's seals as a channel, another process's connection as its own coid,
# a server's name on a channel it does not have, another process's
# connection as a Qnet proxy coid or proxy server connection, a remote
# target for a coid it does not have, or anything outside the
# window between HELLO(NTO_HELLO_RESTORE) and RESTORE_DONE. Each claim is
# refused with an errno and nothing else changes: the victim keeps its name
# and serves, the forger's parent's own connection still works, ipcd's
# object counts are what they were.
# Forced: restart-probe forge connects to the victim and creates a channel
# through libnto, then a forked child presents those memfds (and forged
# ones) to ipcd on a raw control socket.
. "${NTOSIM_SRCDIR:-.}/tests/fault/lib.sh"
need "$IPCD" "$PIDIN" "$FAULT_SRV" "$FAULT_CLI" \
	"$NTOSIM_BUILDDIR/tests/fault/restart-probe"
PROBE=$NTOSIM_BUILDDIR/tests/fault/restart-probe
start_ipcd

bg victim "$FAULT_SRV" -n victim -q
wait_path /dev/name/local/victim || fail "victim did not register"
baseline
timeout 30 "$PROBE" forge victim >"$DIR/forge.out" 2>"$DIR/forge.err" ||
	fail "forge probe failed: $(cat "$DIR/forge.out")"
for want in 'not-restoring rc=EPERM' 'parent-channel rc=EINVAL' \
	'small-channel rc=EINVAL' 'unsealed-channel rc=EINVAL' \
	'parent-coid rc=EINVAL' 'name-steal rc=EINVAL' \
	'net-proxy-coid rc=EINVAL' 'net-proxy-sconn rc=ESRCH' \
	'net-remote rc=EBADF' 'done rc=OK' 'accepted=0 refused=8' 'late-path rc=EPERM' 'send rc=OK data=ok'; do
	grep -qx "$want" "$DIR/forge.out" || fail "want '$want': $(cat "$DIR/forge.out")"
done
grep -q 're-told .* refused' "$DIR/ipcd.log" || fail "ipcd did not log the refusals"
# the victim still owns its name and serves; nothing was left behind
pidin_json | grep -o '"path":"/dev/name/local/victim"' | wc -l | grep -qx 1 ||
	fail "the victim's name is not registered exactly once"
timeout 20 "$FAULT_CLI" send victim 3 >"$DIR/after.out" 2>&1 || fail "victim: $(cat "$DIR/after.out")"
[ "$(lines "$DIR/after.out" 'rc=OK .*data=ok')" = 3 ] || fail "victim: $(cat "$DIR/after.out")"
no_leaks
still_serving
exit 0
