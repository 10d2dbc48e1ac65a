#!/bin/sh
# Behaviour: a client killed while SEND-blocked is silently removed from
# the channel's queue: the server never receives its message, and goes on
# serving others; many such deaths racing a busy server leave no object
# behind and never disturb another client's replies.
# Forced: NTOSIM_FAULT=send-queued=1:kill (name_open sends nothing): the
# victim posts its request and SIGKILLs itself. In part 1
# the server is SIGSTOPped (inside MsgReceive) while that happens, so the
# victim is certainly SEND-blocked; in part 2, 20 victims die while a good
# client runs 300 requests.
. "${NTOSIM_SRCDIR:-.}/tests/fault/lib.sh"
need "$IPCD" "$PIDIN" "$FAULT_SRV" "$FAULT_CLI"
start_ipcd
baseline

bg srv "$FAULT_SRV" -n sb
srv=$BG
wait_path /dev/name/local/sb || fail "server did not register"

# 1. one victim, server stopped
bg victim env NTOSIM_FAULT=send-queued=1:kill "$FAULT_CLI" send sb 1 -s 5000 -g
v=$BG
wait_line "$DIR/victim.out" '^connected' || fail "victim did not connect"
wait_until 10 in_state $srv RECEIVE || fail "server not RECEIVE-blocked"
kill -STOP $srv
kill -USR1 $v
wait_exit $v 10 || fail "victim did not die at send-queued"
[ "$STATUS" = 137 ] || fail "victim exit status $STATUS, want SIGKILL"
wait_until 10 gone $v || fail "ipcd never processed the victim's death"
kill -CONT $srv
timeout 20 "$FAULT_CLI" send sb 3 -s 5000 >"$DIR/good.out" || fail "good client failed"
[ "$(lines "$DIR/good.out" 'rc=OK .*data=ok')" = 3 ] || fail "good client: $(cat "$DIR/good.out")"
grep -q "^msg .*pid=$v " "$DIR/srv.out" && fail "the server received the dead client's message"
[ "$(lines "$DIR/srv.out" '^msg ')" = 3 ] || fail "server saw $(lines "$DIR/srv.out" '^msg ') requests, want 3"

# 2. victims racing a busy server
bg good2 "$FAULT_CLI" send sb 300 -s 3000 -r 3000
g=$BG
i=0
while [ $i -lt 20 ]; do
	env NTOSIM_FAULT=send-queued=1:kill "$FAULT_CLI" send sb 1 -s 100 >/dev/null 2>&1 &
	vs="${vs:-} $!"
	track $!
	i=$((i + 1))
done
for p in $vs; do
	wait_exit $p 20 || fail "victim $p still running"
done
wait_exit $g 60 || fail "good client still running"
[ "$(lines "$DIR/good2.out" 'rc=OK .*data=ok')" = 300 ] ||
	fail "good client under the storm: $(grep -v 'rc=OK .*data=ok' "$DIR/good2.out" | head -n 5)"
kill -0 $srv || fail "the server died"
kill -9 $srv
wait_exit $srv || hard "server survived SIGKILL"

no_leaks
still_serving
exit 0
