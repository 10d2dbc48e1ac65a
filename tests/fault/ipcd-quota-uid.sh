#!/bin/sh
# Behaviour: one uid cannot exhaust ipcd for another (kernel-sim/ipcd/
# quota.c). With ipcd running as nobody (it serves its own uid and root),
# two root processes flood channels and _NTO_COF_NOSHARE connections: the
# first gets EAGAIN at root's per-uid limits, the second gets EAGAIN at
# once although its per-process limits are untouched, with a log line
# naming the per-uid limit; meanwhile nobody's processes still create
# channels, register names, connect and exchange messages, also with the
# flooded server. A root process opening control sockets gets EAGAIN for
# its HELLO at root's socket limit. When the flooders exit, everything
# returns to baseline.
# Forced: ipcd and the honest processes run under setpriv as uid 65534;
# ctl-abuse hog floods over the raw protocol as root. Needs root (else 77).
. "${NTOSIM_SRCDIR:-.}/tests/fault/lib.sh"
need "$IPCD" "$PIDIN" "$FAULT_SRV" "$FAULT_CLI" "$CTL_ABUSE"
[ "$(id -u)" = 0 ] || skip "needs root to run ipcd as another uid"
command -v setpriv >/dev/null 2>&1 || skip "setpriv(1) is missing"
NOBODY="setpriv --reuid=65534 --regid=65534 --clear-groups"
$NOBODY true 2>/dev/null || skip "cannot switch to uid 65534"
$NOBODY test -x "$FAULT_SRV" || skip "the build tree is not readable by uid 65534"

# start_ipcd, as uid 65534 in a directory it owns
DIR=$(mktemp -d "${TMPDIR:-/tmp}/ntosim-fault-XXXXXX") || hard "mktemp"
chown 65534:65534 "$DIR" || hard "chown"
SOCK=$DIR/ipcd.sock
export NTOSIM_SOCKET=$SOCK
timeout 10 $NOBODY "$IPCD" -s "$SOCK" -q uid.channels=50 \
	-q uid.connections=60 -q chan.connections=0 -q uid.peers=30 \
	2>>"$DIR/ipcd.log" ||
	hard "ipcd as uid 65534 failed"
IPCD_PID=$(cat "$SOCK.pid") || hard "no pid file"
# root's libnto trusts only root's ipcd (docs/protocol.md, socket trust):
# the observers run as uid 65534 too
wait_path() {
	local s=${2:-10}
	timeout $((s + 5)) $NOBODY "$FAULT_CLI" wait "$1" $((s * 1000))
}
pidin_json() { timeout 10 $NOBODY "$PIDIN" --json; }

bg srv $NOBODY "$FAULT_SRV" -n victim
srv=$BG
wait_path /dev/name/local/victim || fail "server did not register"
baseline
chid=$(pidin_json | sed 's/{"pid":/\n{"pid":/g' | grep "^{\"pid\":$srv," |
	grep -o '"channels":\[{"chid":[0-9]*' | grep -o '[0-9]*$')
[ -n "$chid" ] || hard "no channel of the server in pidin"

bg hog1 "$CTL_ABUSE" hog 1000 1000 "$srv" "$chid"
hog1=$BG
wait_line "$DIR/hog1.out" '^holding' 60 || fail "hog1: $(cat "$DIR/hog1.out")"
bg hog2 "$CTL_ABUSE" hog 1000 1000 "$srv" "$chid"
hog2=$BG
wait_line "$DIR/hog2.out" '^holding' 60 || fail "hog2: $(cat "$DIR/hog2.out")"
EAGAIN='error Resource temporarily unavailable'
grep -qx "channels 50 $EAGAIN" "$DIR/hog1.out" &&
	grep -qx "connections 60 $EAGAIN" "$DIR/hog1.out" ||
	fail "first flooder: $(cat "$DIR/hog1.out")"
grep -qx "channels 0 $EAGAIN" "$DIR/hog2.out" &&
	grep -qx "connections 0 $EAGAIN" "$DIR/hog2.out" ||
	fail "second flooder: $(cat "$DIR/hog2.out")"
# one line per limit and second: the first refusal's (hog1 or hog2)
grep -Eq "pid ($hog1|$hog2) \(uid 0\): channels limit per uid \(50\) reached: EAGAIN" \
	"$DIR/ipcd.log" || fail "no log line for root's channel limit"
grep -Eq "pid ($hog1|$hog2) \(uid 0\): connections limit per uid \(60\) reached: EAGAIN" \
	"$DIR/ipcd.log" || fail "no log line for root's connection limit"

# uid 65534 is not hurt: a new server, and clients of both servers
bg srv2 $NOBODY "$FAULT_SRV" -n bystander
srv2=$BG
wait_path /dev/name/local/bystander || fail "a new server could not register"
for name in bystander victim; do
	timeout 30 $NOBODY "$FAULT_CLI" send $name 5 -s 100 -r 100 \
		>"$DIR/cli-$name.out" 2>&1 ||
		fail "client of $name failed: $(cat "$DIR/cli-$name.out")"
	[ "$(lines "$DIR/cli-$name.out" 'rc=OK .*data=ok')" = 5 ] ||
		fail "client of $name: $(cat "$DIR/cli-$name.out")"
done
kill -9 $srv2
wait_exit $srv2 10 || hard "server survived SIGKILL"

# root's control sockets: two flooders hold one each, a pidin may be
# closing one; the rest of the 30 go to this process, then EAGAIN
timeout 30 "$CTL_ABUSE" peers 100 >"$DIR/peers.out" 2>&1 ||
	fail "peers: $(cat "$DIR/peers.out")"
n=$(sed -n 's/^peers \([0-9]*\) status -11$/\1/p' "$DIR/peers.out")
[ -n "$n" ] && [ "$n" -ge 20 ] && [ "$n" -le 28 ] ||
	fail "control sockets: $(cat "$DIR/peers.out"), want 20..28 then EAGAIN (-11)"
grep -q "(uid 0): peers limit per uid (30) reached: EAGAIN" "$DIR/ipcd.log" ||
	fail "no log line for root's control-socket limit"

kill -USR1 $hog1 $hog2
wait_exit $hog1 60 || fail "hog1 did not exit"
wait_exit $hog2 60 || fail "hog2 did not exit"
no_leaks
echo "root held 50 channels and 60 connections; uid 65534 kept working"
