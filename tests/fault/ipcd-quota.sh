#!/bin/sh
# Behaviour: one process cannot exhaust ipcd for the others of its uid
# (kernel-sim/ipcd/quota.c). A process creating channels gets EAGAIN at
# its per-process channel limit, and one attaching _NTO_COF_NOSHARE
# connections to a server's channel gets EAGAIN at the per-client limit on
# that channel, each with one log line in ipcd naming the pid and limit;
# meanwhile another process still creates a channel and registers a name,
# and a client still connects to the flooded channel and exchanges
# messages. Paths stop at the per-process path limit, and pidin still
# reads the whole (2 MB) INFO through a 64 KiB output-queue mark (one long
# reply may pass it). After the flood exits, its objects are gone and
# ipcd's RSS comes back near where it started (malloc_trim after large
# frees).
# Forced: ctl-abuse hog floods over the raw protocol and holds until
# SIGUSR1; limits set with ipcd -c and -q so the machine's fd limit does
# not decide them (a config file with a bad line stops ipcd).
. "${NTOSIM_SRCDIR:-.}/tests/fault/lib.sh"
need "$IPCD" "$PIDIN" "$FAULT_SRV" "$FAULT_CLI" "$CTL_ABUSE"
[ "$(ulimit -Hn)" = unlimited ] || [ "$(ulimit -Hn)" -ge 8192 ] ||
	skip "the hard fd limit ($(ulimit -Hn)) is too low for the flood"
conf=$(mktemp) || hard "mktemp"
printf '# ipcd-quota.sh\nproc.channels = 1500\n\n chan.connections=100 # each\n' \
	>"$conf"
start_ipcd -c "$conf" -q proc.paths=2000 -q proc.fds=100000 \
	-q uid.fds=100000 -q outq.bytes=65536
rm -f "$conf"
echo 'proc.channels = lots' >"$DIR/bad.conf"
timeout 10 "$IPCD" -f -s "$DIR/bad.sock" -c "$DIR/bad.conf" 2>"$DIR/bad.err" &&
	fail "ipcd started with a bad config line"
grep -q 'bad.conf:1: not a limit: proc.channels = lots' "$DIR/bad.err" ||
	fail "bad config: $(cat "$DIR/bad.err")"

rss() { awk '/^VmRSS:/ { print $2 }' "/proc/$IPCD_PID/status"; }
rss_at_most() { [ "$(rss)" -le "$1" ]; }

rss0=$(rss)
bg srv "$FAULT_SRV" -n victim
srv=$BG
wait_path /dev/name/local/victim || fail "server did not register"
baseline
chid=$(pidin_json | sed 's/{"pid":/\n{"pid":/g' | grep "^{\"pid\":$srv," |
	grep -o '"channels":\[{"chid":[0-9]*' | grep -o '[0-9]*$')
[ -n "$chid" ] || hard "no channel of the server in pidin"

bg hog "$CTL_ABUSE" hog 100000 100000 "$srv" "$chid" 100000
hog=$BG
wait_line "$DIR/hog.out" '^holding' 120 || fail "hog: $(cat "$DIR/hog.out")"
grep -qx 'channels 1500 error Resource temporarily unavailable' "$DIR/hog.out" ||
	fail "channel flood: $(grep channels "$DIR/hog.out")"
grep -qx 'connections 100 error Resource temporarily unavailable' "$DIR/hog.out" ||
	fail "connection flood: $(grep connections "$DIR/hog.out")"
grep -qx 'paths 2000 error Resource temporarily unavailable' "$DIR/hog.out" ||
	fail "path flood: $(grep paths "$DIR/hog.out")"
n=$(pidin_json | grep -o '"path":"/ctl-abuse/' | wc -l)
[ "$n" = 2000 ] || fail "pidin lists $n of the 2000 paths"
grep -q "pid $hog (uid [0-9]*): channels limit per process (1500) reached: EAGAIN" \
	"$DIR/ipcd.log" || fail "no log line for the channel limit"
grep -q "pid $hog (uid [0-9]*): connections limit per client and channel (100)" \
	"$DIR/ipcd.log" || fail "no log line for the connection limit"
rss_flood=$(rss)

# the flooded channel still takes clients; a new server still starts
timeout 30 "$FAULT_CLI" send victim 5 -s 100 -r 100 >"$DIR/cli.out" 2>&1 ||
	fail "client of the flooded channel failed: $(cat "$DIR/cli.out")"
[ "$(lines "$DIR/cli.out" 'rc=OK .*data=ok')" = 5 ] ||
	fail "client of the flooded channel: $(cat "$DIR/cli.out")"
bg srv2 "$FAULT_SRV" -n bystander
srv2=$BG
wait_path /dev/name/local/bystander || fail "a new server could not register"
timeout 30 "$FAULT_CLI" send bystander 5 -s 100 -r 100 >"$DIR/cli2.out" 2>&1 ||
	fail "client of the new server failed: $(cat "$DIR/cli2.out")"
[ "$(lines "$DIR/cli2.out" 'rc=OK .*data=ok')" = 5 ] ||
	fail "client of the new server: $(cat "$DIR/cli2.out")"
kill -9 $srv2
wait_exit $srv2 10 || hard "server survived SIGKILL"

kill -USR1 $hog
wait_exit $hog 60 || fail "hog did not exit"
[ "$STATUS" = 0 ] || fail "hog exit status $STATUS"
no_leaks
# generous: memory goes back to the OS, whatever the allocator keeps (a
# sanitizer's allocator keeps freed memory in quarantine: no bound then)
lim=$((4 * rss0 + 8192))
if ldd "$IPCD" 2>/dev/null | grep -q 'lib[atm]san'; then
	echo "ipcd is built with a sanitizer: RSS not checked"
else
	wait_until 10 rss_at_most $lim ||
		fail "ipcd RSS $(rss) kB after the flood (start $rss0, flood $rss_flood, bound $lim)"
fi
echo "RSS kB: start $rss0, flood $rss_flood, after $(rss)"
still_serving
