#!/bin/sh
# Behaviour: a server restarted under many concurrent HA clients. Eight
# ha_reader processes read the pattern device through HA fds while the
# server is SIGKILLed and restarted five times: each reader recovers
# (ha_reopen + lseek to where it was) and proves every byte exact, in
# order, none missing or repeated; nothing leaks.
# Forced: kill -9 of the server whenever the readers have made progress
# on the current instance; the server delays each read by 2 ms so the
# readers span all five deaths. The restart manager (ntosim-ham) restarts
# it if built, else this script does.
. "${NTOSIM_SRCDIR:-.}/tests/fault/lib.sh"
need "$IPCD" "$PIDIN" "$PATTERN" "$HA_READER" "$FAULT_CLI"
start_ipcd
baseline
NREADERS=8
NKILLS=5
BYTES=16777216 # per reader: 256 reads of 64 KiB
SERVER="$PATTERN -p /dev/hr -s 64M -d 2000"

if [ -x "$HAM" ] && [ -x "$HAMCTL" ]; then
	restarter=ntosim-ham
	cat >"$DIR/ham.conf" <<EOC
[defaults]
intensity = 100 60s
backoff = 10ms 50ms
backoff-reset = 100ms
[pat]
command = $SERVER
ready = /dev/hr
EOC
	bg ham "$HAM" -n ham-hr -f "$DIR/ham.conf"
	HAMPID=$BG
	ctl() { timeout 40 "$HAMCTL" -n ham-hr -t 30000 "$@"; }
	ctl wait pat running >/dev/null || fail "ntosim-ham did not start the server"
	server_pid() { ctl pid pat; }
	# restarted N: wait for the Nth restart to be ready
	restarted() { ctl wait pat running "$1" >/dev/null; }
else
	restarter=script
	bg pat $SERVER
	PAT=$BG
	wait_path /dev/hr || fail "pattern server did not register"
	server_pid() { echo $PAT; }
	restarted() {
		wait_exit $PAT 10 || return 1
		bg pat-$1 $SERVER
		PAT=$BG
		wait_path /dev/hr
	}
fi

readers=""
i=1
while [ $i -le $NREADERS ]; do
	bg r$i "$HA_READER" -p /dev/hr -n $BYTES -c 65536 -w 20000 -v
	readers="$readers $BG"
	i=$((i + 1))
done
progress() { cat "$DIR"/r*.out | grep -c '^progress'; }
more_than() { [ "$(progress)" -gt "$1" ]; }
# every reader has opened and read before the first kill (a reader that
# starts late on a loaded machine would otherwise meet a dead server in
# its first, unrecovered ha_open)
all_reading() {
	local i=1
	while [ $i -le $NREADERS ]; do
		grep -q '^progress' "$DIR/r$i.out" 2>/dev/null || return 1
		i=$((i + 1))
	done
}
wait_until 60 all_reading || fail "not every reader started reading"

k=1
while [ $k -le $NKILLS ]; do
	# the current instance has served some reads since the last restart
	wait_until 30 more_than $(($(progress) + 2 * NREADERS)) ||
		fail "no progress before kill $k ($(progress) reads so far)"
	pid=$(server_pid) || fail "no server pid before kill $k"
	kill -9 "$pid"
	restarted $k || fail "restart $k not ready"
	k=$((k + 1))
done

total=0
for p in $readers; do
	wait_exit $p 120 || fail "reader $p still running"
	[ "$STATUS" = 0 ] || fail "reader $p exited $STATUS: $(cat "$DIR"/r*.err)"
done
i=1
while [ $i -le $NREADERS ]; do
	line=$(grep '^ok ' "$DIR/r$i.out")
	case $line in
	"ok $BYTES bytes verified, "*) ;;
	*) fail "reader $i: $line" ;;
	esac
	n=${line##*verified, }
	total=$((total + ${n%% *}))
	i=$((i + 1))
done
[ $total -ge $NREADERS ] || fail "only $total recoveries across $NKILLS kills"

if [ $restarter = ntosim-ham ]; then
	ctl shutdown >/dev/null || fail "hamctl shutdown"
	wait_exit $HAMPID 20 || fail "ntosim-ham did not exit on shutdown"
else
	kill -9 $PAT
fi
no_leaks
still_serving
echo "$NREADERS readers x $BYTES bytes exact across $NKILLS kills ($restarter restarts), $total recoveries"
exit 0
