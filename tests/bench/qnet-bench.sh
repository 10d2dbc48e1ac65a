#!/bin/sh
# qnet-bench.sh (`make bench-qnet`): Qnet's numbers against a TCP
# ping-pong between the same two endpoints, in the same run: two nodes on
# this machine (alpha, beta: each its ipcd and ntosim-qnet, linked over
# loopback TCP); the remote MsgSend round trip for 64 B, 1 KiB and 64 KiB
# (median of interleaved rounds, each the median of its round trips), the
# rate with 8 clients at once, and the time from a network manager's death
# (beta's, restarted at once) to the first answered send. Also where the
# time goes: the same TCP ping-pong with the client's end an nng stream
# used as ntosim-qnet uses one (what nng's I/O adds to one end of a link),
# and how many times each network manager's threads blocked per remote
# round trip (voluntary context switches: each is a wake-up). Not a test.
#
#	[QNET_BENCH_BIN=PROGRAM] qnet-bench.sh BUILDDIR [ROUNDS [ITERS]]
NTOSIM_BUILDDIR=${1:?usage: qnet-bench.sh BUILDDIR [ROUNDS [ITERS]]}
export NTOSIM_BUILDDIR
ROUNDS=${2:-7}
ITERS=${3:-400}
srcdir=$(cd "$(dirname "$0")/../.." && pwd)
. "$srcdir/tests/qnet/lib.sh"
# QNET_BENCH_BIN: another ntosim-qnet to time (an older build, for a
# before/after comparison run interleaved with this one)
QNET=${QNET_BENCH_BIN:-$QNET}
RT=$NTOSIM_BUILDDIR/tests/bench/qnet_rt
[ -x "$RT" ] || hard "$RT not built"

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

qnet_nodes alpha beta
qnet_start alpha beta
qnet_wait_links
bgon beta rt-srv "$RT" serve bench
wait_line "$DIR/rt-srv.out" '^ready' || hard "bench server"
PORT=$(free_port)
bg tcp-srv "$RT" tcp-serve "$PORT"
wait_line "$DIR/tcp-srv.out" '^ready' || hard "tcp server"

echo "bench-qnet: $(date -u '+%Y-%m-%d %H:%M UTC'), load $(cut -d' ' -f1-3 /proc/loadavg), $ROUNDS rounds x $ITERS"
printf '%-28s %12s %12s %8s\n' case qnet tcp ratio
for sz in 64 1024 65536; do
	: >"$DIR/q.$sz"
	: >"$DIR/t.$sz"
	r=0
	while [ $r -lt "$ROUNDS" ]; do
		on alpha "$RT" rt bench "$sz" 1 "$ITERS" >>"$DIR/q.$sz" || hard "qnet rt $sz"
		"$RT" tcp-rt "$PORT" "$sz" 1 "$ITERS" >>"$DIR/t.$sz" || hard "tcp rt $sz"
		r=$((r + 1))
	done
	q=$(median <"$DIR/q.$sz")
	t=$(median <"$DIR/t.$sz")
	printf '%-28s %9d us %9d us %7.2fx\n' "round trip $sz B" $((q / 1000)) $((t / 1000)) \
		"$(echo "$q $t" | awk '{print $1 / $2}')"
done

# nng's share: the TCP ping-pong, client end through nng (interleaved)
: >"$DIR/n.64"
: >"$DIR/t2.64"
r=0
while [ $r -lt "$ROUNDS" ]; do
	"$RT" nng-rt "$PORT" 64 1 "$ITERS" >>"$DIR/n.64" || hard "nng rt"
	"$RT" tcp-rt "$PORT" 64 1 "$ITERS" >>"$DIR/t2.64" || hard "tcp rt"
	r=$((r + 1))
done
n=$(median <"$DIR/n.64")
t=$(median <"$DIR/t2.64")
printf '%-28s %9d us %9d us %7.2fx   (TCP ping-pong, client end via nng)\n' \
	"nng stream end, 64 B" $((n / 1000)) $((t / 1000)) \
	"$(echo "$n $t" | awk '{print $1 / $2}')"

# wake-ups: voluntary context switches of every thread of a process
csw() {
	cat /proc/"$1"/task/*/status 2>/dev/null |
		awk '/^voluntary_ctxt_switches/ {s += $2} END {print s + 0}'
}
a0=$(csw "$QNET_PID_alpha")
b0=$(csw "$QNET_PID_beta")
on alpha "$RT" rt bench 64 1 $((ITERS * 4)) >/dev/null || hard "qnet rt (wake-ups)"
a1=$(csw "$QNET_PID_alpha")
b1=$(csw "$QNET_PID_beta")
printf '%-28s alpha %.1f, beta %.1f per round trip (%d round trips; client and server: 1 each)\n' \
	"network manager wake-ups" "$(echo "$a1 $a0 $ITERS" | awk '{print ($1 - $2) / ($3 * 4)}')" \
	"$(echo "$b1 $b0 $ITERS" | awk '{print ($1 - $2) / ($3 * 4)}')" $((ITERS * 4))

# 8 clients at once, 64 B: messages per second for each transport
rate() {
	local t0 t1 i
	t0=$(now_ms)
	i=0
	while [ $i -lt 8 ]; do
		"$@" >/dev/null &
		i=$((i + 1))
	done
	wait
	t1=$(now_ms)
	echo $((8 * ITERS * 4 * 1000 / (t1 - t0 + 1)))
}
qr=$(rate on alpha "$RT" rt bench 64 4 "$ITERS")
tr=$(rate "$RT" tcp-rt "$PORT" 64 4 "$ITERS")
printf '%-28s %9d/s %9d/s %7.2fx\n' "8 clients, 64 B" "$qr" "$tr" \
	"$(echo "$tr $qr" | awk '{print $1 / $2}')"

# recovery: beta's network manager killed and started again at once
kill -9 "$QNET_PID_beta"
wait_exit "$QNET_PID_beta" 5
mv "$DIR/qnet-beta.err" "$DIR/qnet-beta-1.err"
qnet_start beta
ms=$(on alpha "$RT" first bench 20000) || hard "no answer within 20 s after the restart"
printf '%-28s %9d ms   (kill, restart, re-link, re-attach, first reply)\n' "recovery after qnet kill" "$ms"
