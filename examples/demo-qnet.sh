#!/bin/bash
# Qnet's end-to-end demo (`make demo-qnet`): three ntosim nodes on this
# machine (alpha, beta, gamma: each its own ipcd and ntosim-qnet, linked
# over loopback TCP). beta and gamma each run the pattern device; on alpha
# an HA reader (examples/ha_reader) reads /net/beta/dev/pattern and checks
# every byte, with /net/gamma/dev/pattern as its second choice. Meanwhile
# the demo kills pattern servers (and starts them again), kills a node's
# network manager, and silences one (SIGSTOP), at random moments. The
# reader recovers or fails over each time. Exit 0 only if it verified every
# byte it read (errors: 0). Leaves nothing running and nothing on disk.
#
#   DEMO_SECONDS  length of the run (default 30; make check runs 10)
#   DEMO_SEED     seed for the random events (default: time)
#   DEMO_KEEP=1   keep the temp dir (logs) for a look afterwards
set -u

: "${NTOSIM_BUILDDIR:=$(cd "$(dirname "$0")/.." && pwd)}"
B=$NTOSIM_BUILDDIR
SECS=${DEMO_SECONDS:-30}
RANDOM=${DEMO_SEED:-$$}
case $SECS in '' | *[!0-9]*) echo "demo-qnet: DEMO_SECONDS must be a number" >&2; exit 2 ;; esac
[ "$SECS" -ge 6 ] || SECS=6

bin() {
	local d n
	d=$(dirname "$B/$1")
	n=$(basename "$1")
	if [ -x "$d/.libs/$n" ]; then echo "$d/.libs/$n"; else echo "$B/$1"; fi
}
export LD_LIBRARY_PATH="$B/kernel-sim/.libs:$B/libha/.libs${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0"
IPCD=$B/ipcd
QNET=$(bin ntosim-qnet)
PATTERN=$(bin ntosim-pattern)
READER=$(bin examples/ha_reader)
WAITFOR=$(bin waitfor)
for f in "$IPCD" "$QNET" "$PATTERN" "$READER" "$WAITFOR"; do
	[ -x "$f" ] || { echo "demo-qnet: $f is not built (run make first)" >&2; exit 99; }
done

D=$(mktemp -d "${TMPDIR:-/tmp}/ntosim-demo-qnet-XXXXXX") || exit 99
PIDS=""
done_() {
	local p
	for p in $PIDS; do kill -9 "$p" 2>/dev/null; done
	for n in alpha beta gamma; do
		[ -f "$D/$n.sock.pid" ] && kill -9 "$(cat "$D/$n.sock.pid")" 2>/dev/null
	done
	wait 2>/dev/null
	if [ -n "${DEMO_KEEP:-}" ]; then echo "logs kept in $D"; else rm -rf "$D"; fi
}
trap done_ EXIT
trap 'exit 99' INT TERM HUP

T0=${EPOCHREALTIME/./}
stamp() {
	local us=$((${EPOCHREALTIME/./} - T0))
	printf '%3d.%02ds' $((us / 1000000)) $((us / 10000 % 100))
}
say() { echo "  $(stamp)  $*"; }

port() {
	local p
	while :; do
		p=$((20000 + RANDOM % 40000))
		# in use if any socket is bound to it (/proc/net/tcp: hex port)
		grep -qi ":$(printf %04X "$p") " /proc/net/tcp /proc/net/tcp6 \
			2>/dev/null || break
	done
	echo "$p"
}
: >"$D/table"
for n in alpha beta gamma; do echo "node $n tcp://127.0.0.1:$(port)" >>"$D/table"; done
for n in alpha beta gamma; do
	{ echo "local $n"; cat "$D/table"; echo "timeout 1000"; } >"$D/$n.conf"
	"$IPCD" -s "$D/$n.sock" 2>>"$D/ipcd-$n.log" || { echo "demo-qnet: ipcd for $n" >&2; exit 99; }
done
# the environment that makes a process one of NODE's (paths have no spaces)
ne() { echo "NTOSIM_SOCKET=$D/$1.sock NTOSIM_QNET_CONF=$D/$1.conf NTOSIM_AUTOSTART=0"; }
on() {
	local n=$1
	shift
	env $(ne "$n") "$@"
}
declare -A QPID PPID_
start_qnet() {
	env $(ne "$1") "$QNET" 2>>"$D/qnet-$1.log" &
	QPID[$1]=$!
	PIDS="$PIDS $!"
}
start_pattern() {
	env $(ne "$1") "$PATTERN" -p /dev/pattern -s 1T 2>>"$D/pattern-$1.log" &
	PPID_[$1]=$!
	PIDS="$PIDS $!"
}
linked() { [ "$(grep -c 'link to .* up' "$D/qnet-$1.log" 2>/dev/null)" -ge "$2" ]; }
until_() {
	local i
	for i in $(seq 1 "$1"); do
		"${@:2}" && return 0
		sleep 0.05
	done
	return 1
}

cat <<EOF
ntosim Qnet demo: three nodes on this machine, $SECS seconds.
What the names mean:
  alpha, beta, gamma  three ntosim nodes: each its own ipcd and ntosim-qnet
  reader              ha_reader on alpha, reading /net/beta/dev/pattern
                      (second choice /net/gamma/dev/pattern), checking
                      every byte against the pattern
  pattern@NODE        the pattern device on NODE
  qnet@NODE           NODE's network manager
  recovered / failing over
                      the reader's recovery function re-opened the device
                      on the same node / on the other one

EOF
for n in alpha beta gamma; do start_qnet "$n"; done
for n in alpha beta gamma; do
	until_ 300 linked "$n" 2 || { echo "demo-qnet: node $n did not link up" >&2; cat "$D/qnet-$n.log" >&2; exit 1; }
done
say "three nodes linked: alpha, beta, gamma"
for n in beta gamma; do
	start_pattern "$n"
	on "$n" "$WAITFOR" /dev/pattern 10 || { echo "demo-qnet: no pattern device on $n" >&2; exit 1; }
done

env $(ne alpha) "$READER" -p /net/beta/dev/pattern -a /net/gamma/dev/pattern \
	-c 65536 -T "$SECS" >"$D/reader.out" 2>"$D/reader.err" &
RPID=$!
PIDS="$PIDS $RPID"
say "reader started on alpha"

# kill_restart WHAT NODE PID PAUSE START: SIGKILL, then START NODE again
kill_restart() {
	if [ "$1" = qnet ]; then
		say "SIGKILL qnet@$2 (its links drop at once)"
	else
		say "SIGKILL $1@$2"
	fi
	kill -9 "$3" 2>/dev/null
	wait "$3" 2>/dev/null
	sleep "$4"
	"$5" "$2"
	say "$1@$2 started again"
}
end=$((SECONDS + SECS - 2))
kills=0
seen=0
# the reader's lines since the last call
show_reader() {
	local n2
	n2=$(wc -l <"$D/reader.out")
	if [ "$n2" -gt "$seen" ]; then
		sed -n "$((seen + 1)),${n2}p" "$D/reader.out" | sed 's/^/               reader: /'
		seen=$n2
	fi
}
while [ $SECONDS -lt $end ] && kill -0 "$RPID" 2>/dev/null; do
	sleep "0.$((5 + RANDOM % 5))"
	n=$([ $((RANDOM % 2)) = 0 ] && echo beta || echo gamma)
	case $((RANDOM % 4)) in
	0 | 1) kill_restart pattern "$n" "${PPID_[$n]}" 0.3 start_pattern ;;
	2) kill_restart qnet "$n" "${QPID[$n]}" 0.5 start_qnet ;;
	3)
		say "SIGSTOP qnet@$n for 1.5 s (a silent node)"
		kill -STOP "${QPID[$n]}"
		sleep 1.5
		kill -CONT "${QPID[$n]}"
		say "SIGCONT qnet@$n"
		;;
	esac
	kills=$((kills + 1))
	show_reader # what it said meanwhile
	# never leave both copies down before the next event
	sleep 1
done
wait "$RPID"
rc=$?
show_reader
echo
echo "Summary"
echo "  events: $kills (pattern kills, network manager kills, silent nodes)"
rec=$(grep -c '^recovered' "$D/reader.out")
fo=$(grep -c '^failing over' "$D/reader.out")
echo "  reader recoveries: $rec, fail-overs: $fo"
if [ $rc = 0 ] && grep -q '^ok ' "$D/reader.out"; then
	echo "  $(grep '^ok ' "$D/reader.out")"
	echo "  errors: 0"
	exit 0
fi
echo "  reader failed (exit $rc):"
sed 's/^/    /' "$D/reader.err"
echo "  errors: 1"
exit 1
