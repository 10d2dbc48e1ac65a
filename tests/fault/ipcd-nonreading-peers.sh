#!/bin/sh
# Behaviour: control peers that never read their replies cost ipcd nothing
# but a bounded queue (kernel-sim/ipcd/outq.c): ipcd never waits for them.
# While eleven "stuck" peers sit on full sockets with thousands of replies
# (and the fds of 50 channels) queued in ipcd, and ten flooding peers push
# requests without reading: an honest client's name_open and messages
# complete, a server's death is noticed (reaped, its name gone), every
# flooding peer is dropped once its queue passes the high-water mark, and
# the stuck peers, when they finally read, get every reply in order with
# the channels' fds attached. Objects and fds return to baseline.
# Forced: ctl-abuse stuck/flood speak the protocol raw and never read.
. "${NTOSIM_SRCDIR:-.}/tests/fault/lib.sh"
need "$IPCD" "$PIDIN" "$FAULT_SRV" "$FAULT_CLI" "$CTL_ABUSE"
# a small byte mark so the flood is dropped soon; no packet mark, so the
# stuck peers (5000 small replies each) stay under it on any socket size
start_ipcd -q outq.bytes=1048576 -q outq.packets=1000000
baseline

bg stuck "$CTL_ABUSE" stuck 10 5000 50
stk=$BG
wait_line "$DIR/stuck.out" '^stuck sent' 60 ||
	fail "stuck peers: $(cat "$DIR/stuck.out")"
# their replies wait in ipcd, the 50 channels' 150 fds included (region, doorbell, waiter page)
q=$(count queued)
[ "$q" -gt 0 ] || fail "no replies queued for the stuck peers"
[ "$(count queued_fds)" = 150 ] ||
	fail "$(count queued_fds) fds queued, want the 50 channels' 150"

bg flood "$CTL_ABUSE" flood 10
fld=$BG
bg srv "$FAULT_SRV" -n honest
srv=$BG
wait_path /dev/name/local/honest 20 || fail "honest server did not register"
timeout 30 "$FAULT_CLI" send honest 5 -s 100 -r 100 >"$DIR/cli.out" 2>&1 ||
	fail "honest client failed"
[ "$(lines "$DIR/cli.out" 'rc=OK .*data=ok')" = 5 ] ||
	fail "honest client: $(cat "$DIR/cli.out")"
kill -9 $srv
wait_exit $srv 10 || hard "server survived SIGKILL"
wait_until 20 gone $srv || fail "ipcd did not notice the server's death"
has_path /dev/name/local/honest && fail "the dead server's name is still there"

wait_exit $fld 120 || fail "the flood is still running"
[ "$STATUS" = 0 ] || fail "flood: $(cat "$DIR/flood.out")"
n=$(lines "$DIR/ipcd.log" 'output queue over its limit')
[ "$n" -ge 10 ] || fail "ipcd logged $n queue overflows for 10 flooders"

# the stuck peers were not dropped: now they read everything
kill -0 $stk || fail "the stuck peers' process is gone"
kill -USR1 $stk
wait_exit $stk 120 || fail "the stuck peers never finished reading"
[ "$STATUS" = 0 ] || fail "stuck peers: $(cat "$DIR/stuck.out")"
[ "$(count queued)" = 0 ] || fail "$(count queued) replies still queued"
no_leaks
still_serving
echo "$q replies queued for stuck peers and delivered in order; 10 flooders dropped"
