#!/bin/sh
# Behaviour: exactly-once holds across many server deaths in a row, at every
# protocol phase, including deaths of the server that is answering a re-sent
# request. One ha_kv_client -e does 120 INCRs while the script keeps
# starting ntosim-kvsrv on the same store, each time with a kill point
# taken in turn from: received and not applied (recv), applied and logged
# but not replied (-K), inside MsgReply (reply-before), just after a reply
# (reply-after), mid-way through the log write (-K N,torn), at the Kth
# message (K random in 2..12). Every call must succeed with its own value
# (1..120 in order), the counter must end at 120, with 0 unknown outcomes
# and 0 fallbacks; and the kills must really have happened (at least 4
# while the client ran).
. "${NTOSIM_SRCDIR:-.}/tests/fault/lib.sh"
need "$IPCD" "$PIDIN" "$KVSRV" "$HA_KV"
start_ipcd
baseline

N=120
rnd() { echo $(($(od -An -N4 -tu4 /dev/urandom) % $1)); }

# start_kv I: a kvsrv with the Ith kill point; its pid in $kv
start_kv() {
	local k=$((2 + $(rnd 11))) env="" opt=""
	case $(($1 % 5)) in
	0) env="NTOSIM_FAULT=recv=$k:kill" ;;
	1) opt="-K $k" ;;
	2) env="NTOSIM_FAULT=reply-before=$k:kill" ;;
	3) env="NTOSIM_FAULT=reply-after=$k:kill" ;;
	4) opt="-K $k,torn" ;;
	esac
	echo "start $1: $env $opt" >>"$DIR/plan.log"
	bg kv-$1 env $env "$KVSRV" -v -n storm -f "$DIR/kv.db" $opt
	kv=$BG
}
# 0 once the server or the client has exited
either_exited() { exited $kv || exited $c; }

i=0
start_kv $i
wait_path /dev/name/local/storm || fail "kvsrv did not register"
bg cli "$HA_KV" -n storm -w 30000 -e s $N
c=$BG
deaths=0
while :; do
	wait_until 60 either_exited ||
		fail "start $i: neither the server died nor the client finished in 60 s"
	exited $c && break
	deaths=$((deaths + 1))
	wait_exit $kv
	i=$((i + 1))
	[ $i -le 60 ] || fail "client still running after 60 server starts"
	start_kv $i
done
wait_exit $c 10 || fail "client did not exit"
[ "$STATUS" = 0 ] || fail "client exited $STATUS: $(tail -n 5 "$DIR/cli.out")"
kill -9 $kv 2>/dev/null
wait_exit $kv || hard "kvsrv survived SIGKILL"

j=1
while [ $j -le $N ]; do
	grep -q "^incr $j: $j\$" "$DIR/cli.out" ||
		fail "INCR $j: $(sed -n ${j}p "$DIR/cli.out") (plan: $(cat "$DIR/plan.log"))"
	j=$((j + 1))
done
grep -q "^final s = $N\$" "$DIR/cli.out" || fail "$(grep final "$DIR/cli.out") (want $N)"
grep -q "^acknowledged $N unknown 0 fallbacks 0\$" "$DIR/cli.out" ||
	fail "$(tail -n 1 "$DIR/cli.out")"
rec=$(sed -n 's/^recoveries //p' "$DIR/cli.out")
[ "$deaths" -ge 4 ] || fail "only $deaths server deaths while the client ran"
[ "$rec" -ge 4 ] || fail "only $rec recoveries for $deaths deaths"

no_leaks
still_serving
echo "exactly-once storm: $N INCRs, $N successes, counter $N across $deaths server deaths ($rec recoveries)"
exit 0
