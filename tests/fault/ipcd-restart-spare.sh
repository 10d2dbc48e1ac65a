#!/bin/sh
# Behaviour (issue 10): a server maps a connection made in a region it
# still maps as a spare (ipcd hands a client's detached region back for
# that client's next connection to the channel) without asking ipcd
# (CONN_FD), and still re-tells that connection to a new ipcd: a client
# that dies while no ipcd runs is reaped by the new one, and the server
# gets the DISCONNECT pulse for exactly that connection's scoid.
# Forced: one client process connects three times to a DISCONNECT server
# (spare-probe), each round after ipcd has taken the server's detach of
# the previous connection (ipcd -vv logs each request); ipcd's log shows
# the server asked CONN_FD once for the three connections. Then ipcd is
# SIGKILLed, the client SIGKILLed in the gap, and a new ipcd started: only
# the server can tell it of the client's connection.
. "${NTOSIM_SRCDIR:-.}/tests/fault/lib.sh"
SPARE_PROBE=$NTOSIM_BUILDDIR/tests/fault/spare-probe
need "$IPCD" "$PIDIN" "$FAULT_SRV" "$FAULT_CLI" "$SPARE_PROBE"
start_ipcd -vv
baseline
export NTOSIM_CTL_RECONNECT_MS=60000

bg srv "$FAULT_SRV" -n rsspare -D
srv=$BG
wait_path /dev/name/local/rsspare || fail "server did not register"

# srv_did N TYPE: ipcd has taken N requests of TYPE from the server
srv_did() { [ "$(lines "$DIR/ipcd.log" "pid $srv: request $2 seq")" -ge "$1" ]; }

bg cli "$SPARE_PROBE" rsspare 3
cli=$BG
for r in 1 2; do
	wait_line "$DIR/cli.out" "^closed $r\$" 20 || fail "round $r: $(cat "$DIR/cli.out")"
	# the server detached that scoid (DISCONNECT), and ipcd took it
	# (NTO_CTL_CONNECT_DETACH = 5): the region is a spare now
	wait_until 20 srv_did $r 5 || fail "round $r: no scoid detach: $(cat "$DIR/srv.out")"
	kill -USR1 $cli
done
wait_line "$DIR/cli.out" '^held pid=' 20 || fail "client: $(cat "$DIR/cli.out")"
[ "$(lines "$DIR/srv.out" '^detach scoid=.* rc=OK')" = 2 ] || fail "server: $(cat "$DIR/srv.out")"
# three connections, one region: the server asked for it once
# (NTO_CTL_CONN_FD = 6)
nfd=$(lines "$DIR/ipcd.log" "pid $srv: request 6 seq")
[ "$nfd" = 1 ] || fail "the server asked CONN_FD $nfd times for 3 connections in one region"
scoid=$(sed -n 's/^conn 3 scoid=//p' "$DIR/cli.out")
[ -n "$scoid" ] || fail "no scoid for the third connection: $(cat "$DIR/cli.out")"

# ipcd dies; the client dies while none runs
kill -9 "$IPCD_PID"
wait_until 10 exited "$IPCD_PID" || hard "ipcd survived SIGKILL"
kill -9 $cli
wait_exit $cli 10 || hard "client survived SIGKILL"
timeout 10 "$IPCD" -v -s "$SOCK" 2>>"$DIR/ipcd.log" || fail "a new ipcd did not start"
IPCD_PID=$(cat "$SOCK.pid")

# the server re-tells the connection it mapped from the spare; the new
# ipcd reaps the dead client and sends the server its DISCONNECT
wait_line "$DIR/srv.out" "^detach scoid=$scoid rc=OK" 20 ||
	fail "no DISCONNECT for scoid $scoid after the restart: $(tail -4 "$DIR/srv.out"); ipcd: $(tail -4 "$DIR/ipcd.log")"
[ "$(lines "$DIR/srv.out" '^detach scoid=.* rc=OK')" = 3 ] || fail "server: $(cat "$DIR/srv.out")"

kill -9 $srv
wait_exit $srv 10 || hard "server survived SIGKILL"
no_leaks
still_serving
