#!/bin/sh
# Behaviour (issue 13, the network manager as a remote client's proxy):
# a server reached through nto_netmgr_attach + nto_netmgr_sendv sees the
# remote client in _msg_info (nd, srcnd, pid, tid, priority) and in
# ConnectClientInfo (nd, pid, uid, gid), pidin shows the nd (and the
# client's remote coids as nd/pid of their server); the client's
# replies are exact; two remote coids of one process share one server
# connection, and the server gets one DISCONNECT when the last goes.
# nto_netmgr_cancel in each state: before the send started (EINTR, the
# server never sees it), SEND-blocked (withdrawn: EINTR, never received),
# REPLY-blocked on an _NTO_CHF_UNBLOCK server (the server gets UNBLOCK
# and its reply still comes back), REPLY-blocked otherwise (EINTR). A
# remote client killed while its request is held gives the server its
# DISCONNECT. Objects return to the baseline.
# Forced: qnet-stub forwards each send in a thread and cancels it on its
# client's UNBLOCK pulse (the client's TimerTimeout, or its death);
# qnet-probe "serve -1" stops receiving after one held request, so a second
# stays SEND-blocked in the proxied slot.
. "${NTOSIM_SRCDIR:-.}/tests/fault/lib.sh"
. "${NTOSIM_SRCDIR:-.}/tests/fault/qnet-lib.sh"
need "$IPCD" "$STUB" "$PROBE" "$PIDIN"
start_ipcd

qnet_serve srv
spid=$SPID schid=$SCHID
qnet_serve usrv -u
upid=$SPID uchid=$SCHID
# fifos for stdin (osrv resumes on a line, cli detaches at EOF), opened
# for writing by this script only after their reader was started, so no
# other process holds a writer
mkfifo "$DIR/osrv.in" "$DIR/cli.in" || hard "mkfifo"
bg osrv sh -c 'exec "$0" serve -1 <"$1"' "$PROBE" "$DIR/osrv.in"
exec 4<>"$DIR/osrv.in"
wait_line "$DIR/osrv.out" '^serving' || fail "osrv did not start"
set -- $(sed -n 's/^serving pid=\([0-9]*\) chid=\([0-9]*\)$/\1 \2/p' "$DIR/osrv.out")
opid=$1 ochid=$2

# cancelled before the send started
qnet_stub -P "$spid:$schid"
wait_line "$DIR/stub.out" '^precancel rc=EINTR reply_len=0$' ||
	fail "pre-cancelled send: $(cat "$DIR/stub.out")"
# its proxy connection's detach: the server's first DISCONNECT
wait_line "$DIR/srv.out" '^disconnect rc=OK' || fail "srv: $(cat "$DIR/srv.out")"
baseline

# sends through the proxy, two coids, then the last one goes
PROBE_LINGER=1 PROBE_COIDS=2 bg cli sh -c 'exec "$0" send 3 "$1" "$2" 4 <"$3" 4>&-' \
	"$PROBE" "$spid" "$schid" "$DIR/cli.in"
cpid=$BG
exec 5<>"$DIR/cli.in"
wait_line "$DIR/cli.out" '^send seq=4 ' || fail "client: $(cat "$DIR/cli.out" "$DIR/cli.err")"
for i in 1 2 3 4; do
	grep -qx "send seq=$i rc=OK status=$((1000 + i)) data=ok" "$DIR/cli.out" ||
		fail "send $i: $(cat "$DIR/cli.out")"
	grep -Eq "^msg op=E seq=$i nd=9 srcnd=3 pid=$cpid tid=$cpid prio=10 len=108 dst=100 scoid=[0-9]+\$" "$DIR/srv.out" ||
		fail "server's _msg_info for $i: $(cat "$DIR/srv.out")"
done
[ "$(sed -n 's/^msg .* scoid=//p' "$DIR/srv.out" | sort -u | wc -l)" = 1 ] ||
	fail "one remote process, several server connections: $(cat "$DIR/srv.out")"
[ "$(lines "$DIR/srv.out" "^client nd=9 pid=$cpid uid=$(id -u) gid=$(id -g)\$")" = 4 ] ||
	fail "ConnectClientInfo: $(cat "$DIR/srv.out")"
pidin_json | grep -Eq "\"client_pid\":$cpid,[^}]*\"nd\":9" || fail "pidin does not show nd 9"
if [ -x "$NTOSIM_BUILDDIR/pidin" ]; then # the text view: server nd/pid
	timeout 10 "$NTOSIM_BUILDDIR/pidin" >"$DIR/pidin.txt" || fail "pidin failed"
	grep -Eq "^ *$cpid .* 3/$spid +\(node 3\) +$schid " "$DIR/pidin.txt" ||
		fail "pidin's CONNECTIONS: $(cat "$DIR/pidin.txt")"
fi
[ "$(lines "$DIR/srv.out" '^pulse code=-33')" = 1 ] || fail "DISCONNECT while attached"
exec 5>&-
wait_exit $cpid 10 || fail "client did not detach"
[ "$(lines "$DIR/cli.out" '^detach rc=OK')" = 2 ] || fail "client: $(cat "$DIR/cli.out")"
two_disc() { [ "$(lines "$DIR/srv.out" '^disconnect rc=OK')" -ge 2 ]; }
wait_until 10 two_disc || fail "no DISCONNECT: $(cat "$DIR/srv.out")"
two_pd() { [ "$(lines "$DIR/stub.out" '^proxy-detach .* rc=OK')" = 2 ]; }
wait_until 10 two_pd || fail "stub: $(cat "$DIR/stub.out")"
[ "$(lines "$DIR/srv.out" '^pulse code=-33')" = 2 ] || fail "DISCONNECTs: $(cat "$DIR/srv.out")"

# REPLY-blocked, _NTO_CHF_UNBLOCK server: UNBLOCK, and its reply comes back
out=$(timeout 20 "$PROBE" send 3 "$upid" "$uchid" 0 300)
echo "$out" | grep -qx 'held rc=OK status=77' || fail "cancel on an UNBLOCK server: $out"
grep -q '^pulse code=-32' "$DIR/usrv.out" || fail "usrv: $(cat "$DIR/usrv.out")"
grep -qx 'unblock-reply rc=OK' "$DIR/usrv.out" || fail "usrv: $(cat "$DIR/usrv.out")"
wait_line "$DIR/stub.out" '^fwd .* rc=OK status=77 ' || fail "stub: $(cat "$DIR/stub.out")"

# REPLY-blocked, plain server: the call is abandoned
out=$(timeout 20 "$PROBE" send 3 "$spid" "$schid" 0 300)
echo "$out" | grep -qx 'held rc=EINTR status=0' || fail "cancel REPLY-blocked: $out"
grep -q '^held rcvid=' "$DIR/srv.out" || fail "srv: $(cat "$DIR/srv.out")"

# SEND-blocked: osrv holds A's request and stops receiving; B's is withdrawn
bg a "$PROBE" send 3 "$opid" "$ochid" 0 600000
apid=$BG
wait_line "$DIR/osrv.out" '^held rcvid=' || fail "osrv: $(cat "$DIR/osrv.out")"
bg b "$PROBE" send 3 "$opid" "$ochid" 0 300
bpid=$BG
wait_exit $bpid 20 || fail "B still blocked"
grep -qx 'held rc=EINTR status=0' "$DIR/b.out" || fail "cancel SEND-blocked: $(cat "$DIR/b.out")"
echo >&4
wait_line "$DIR/osrv.out" '^resumed' || fail "osrv did not resume"
out=$(timeout 20 "$PROBE" send 3 "$opid" "$ochid" 1)
echo "$out" | grep -qx 'send seq=1 rc=OK status=1001 data=ok' || fail "after the withdrawal: $out"
grep -q "^msg .* pid=$bpid " "$DIR/osrv.out" && fail "the withdrawn request reached the server: $(cat "$DIR/osrv.out")"

# a remote client killed while its request is held: DISCONNECT
kill -9 $apid
wait_exit $apid 10 || hard "A survived SIGKILL"
wait_line "$DIR/osrv.out" '^disconnect rc=OK' || fail "no DISCONNECT for the dead client: $(cat "$DIR/osrv.out")"
grep -q 'pid=4242' "$DIR/srv.out" && fail "the pre-cancelled send reached the server"
no_leaks
exit 0
