#!/bin/sh
# Behaviour: MsgReceive takes the highest-priority message first even with
# 1,008 lower-priority messages queued ahead of it (QNX: the receive queue
# is in priority order, FIFO within a priority, pulses included), then all
# of the others, each process's pulses before its messages (FIFO: they were
# posted first), and every sender gets its reply.
# Forced: the server does not call MsgReceive until told to (a line on a
# FIFO). 16 low clients at priority 5 each post 32 pulses and block 31
# threads in MsgSend (31 of a connection's 32 slots); pidin confirms all
# 496 SEND-blocked and the high client (priority 30) SEND-blocked too
# before the server starts receiving. No timing is asserted.
. "${NTOSIM_SRCDIR:-.}/tests/fault/lib.sh"
PROBE=$NTOSIM_BUILDDIR/tests/fault/prio-probe
need "$IPCD" "$PIDIN" "$PROBE"
start_ipcd

NPROC=16
THREADS=31
PULSES=32
LOW=5
HIGH=30
NLOW=$((NPROC * (THREADS + PULSES)))

# the number of threads SEND-blocked, all processes together
n_send() { pidin_json | grep -o '"state":"SEND"' | wc -l; }

mkfifo "$DIR/go" || hard "mkfifo"
bg srv "$PROBE" server "$DIR/go" $((NLOW + 1))
srv=$BG
wait_line "$DIR/srv.out" '^chid ' || fail "server did not create a channel"
set -- $(sed -n 's/^chid //p' "$DIR/srv.out")
spid=$1
chid=$2

lows=""
i=1
while [ $i -le $NPROC ]; do
	bg low$i "$PROBE" low $spid $chid $i $THREADS $PULSES $LOW
	lows="$lows $BG"
	i=$((i + 1))
done
i=1
while [ $i -le $NPROC ]; do
	wait_line "$DIR/low$i.out" '^posted' 30 ||
		fail "low client $i did not post its pulses"
	i=$((i + 1))
done
all_send_blocked() { [ "$(n_send)" -eq $((NPROC * THREADS)) ]; }
wait_until 60 all_send_blocked ||
	fail "$(n_send) threads SEND-blocked, want $((NPROC * THREADS))"

bg high "$PROBE" high $spid $chid $HIGH
hpid=$BG
wait_until 30 in_state $hpid SEND || fail "the high client never SEND-blocked"

echo go >"$DIR/go"
wait_exit $srv 60 || fail "server still receiving after 60 s"
[ "$STATUS" = 0 ] || fail "server exited $STATUS"
wait_exit $hpid 10 || fail "high client not replied"
[ "$STATUS" = 0 ] || fail "high client exited $STATUS"
for p in $lows; do
	wait_exit $p 30 || fail "low client $p not replied"
	[ "$STATUS" = 0 ] || fail "low client $p exited $STATUS"
done

log=$DIR/srv.out
first=$(sed -n 2p "$log")
[ "$first" = "msg $hpid $HIGH -1" ] ||
	fail "first received: '$first', want 'msg $hpid $HIGH -1'"
[ "$(lines "$log" '^other-pulse')" = 0 ] || fail "unexpected pulses"
[ "$(lines "$log" "^msg [0-9]+ $LOW [0-9]+\$")" = $((NPROC * THREADS)) ] ||
	fail "$(lines "$log" "^msg [0-9]+ $LOW ") low messages, want $((NPROC * THREADS))"
[ "$(lines "$log" '^pulse ')" = $((NPROC * PULSES)) ] ||
	fail "$(lines "$log" '^pulse ') pulses, want $((NPROC * PULSES))"
# FIFO within the priority: each process's pulses in the order it posted
# them, and all of them before its messages (posted after "posted")
bad=$(sed 1,2d "$log" | awk -v pulses=$PULSES '
	$1 == "pulse" { if ($3 != next_seq[$2] + 0 || sent[$2]) print "pulse " $2 " " $3;
			next_seq[$2] = $3 + 1 }
	$1 == "msg" { sent[$4] = 1; if (next_seq[$4] != pulses) print "msg " $4 " before its pulses" }')
[ -z "$bad" ] || fail "out of FIFO order: $(echo "$bad" | head -n 3)"
echo "priority $HIGH received first of $((NLOW + 1)); then $NLOW in FIFO order"
exit 0
