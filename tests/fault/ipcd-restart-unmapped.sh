#!/bin/sh
# Behaviour: a message posted on a connection its server has not mapped
# yet (servers map a connection when it first has work, and a new ipcd
# learns server connections only from what the server mapped) when ipcd
# dies is still received once a new ipcd has heard from both ends, in
# either order: the client re-tells first (its server stopped through the
# gap), or the server does (the client stopped). Both clients get their
# exact reply; nothing is left behind.
# Forced: the server is SIGSTOPped before the clients' name_open, so their
# first message (the _IO_CONNECT handshake) sits SEND-blocked on a
# connection the server never mapped; pidin shows it before kill -9 ipcd;
# ipcd's log says who has re-told before the other end is let go.
. "${NTOSIM_SRCDIR:-.}/tests/fault/lib.sh"
need "$IPCD" "$PIDIN" "$FAULT_SRV" "$FAULT_CLI"
start_ipcd
baseline
export NTOSIM_CTL_RECONNECT_MS=60000

bg srv "$FAULT_SRV" -n rsunmap -D
srv=$BG
wait_path /dev/name/local/rsunmap || fail "server did not register"

retold() { [ "$(lines "$DIR/ipcd.log" "pid $1: re-told [0-9]+ objects")" -ge "$2" ]; }
restart_ipcd() {
	kill -9 "$IPCD_PID"
	wait_until 10 exited "$IPCD_PID" || hard "ipcd survived SIGKILL"
	# -v: its log says who has re-told
	timeout 10 "$IPCD" -v -s "$SOCK" 2>>"$DIR/ipcd.log" || fail "a new ipcd did not start"
	IPCD_PID=$(cat "$SOCK.pid")
}

# ---- the client re-tells first ----
kill -STOP $srv
bg first "$FAULT_CLI" send rsunmap 1 -s 700
first=$BG
wait_until 10 in_state $first SEND || fail "first client not SEND-blocked"
restart_ipcd
wait_until 20 retold $first 1 || fail "the first client did not re-tell: $(tail -5 "$DIR/ipcd.log")"
kill -CONT $srv
wait_exit $first 20 || fail "first client still blocked on a connection its server had not mapped"
grep -q '^send seq=1 rc=OK .*data=ok' "$DIR/first.out" || fail "first client: $(cat "$DIR/first.out")"

# ---- the server re-tells first ----
kill -STOP $srv
bg second "$FAULT_CLI" send rsunmap 1 -s 900
second=$BG
wait_until 10 in_state $second SEND || fail "second client not SEND-blocked"
kill -STOP $second
restart_ipcd
kill -CONT $srv
wait_until 20 retold $srv 2 || fail "the server did not re-tell: $(tail -5 "$DIR/ipcd.log")"
kill -CONT $second
wait_exit $second 20 || fail "second client still blocked on a connection its server had not mapped"
grep -q '^send seq=1 rc=OK .*data=ok' "$DIR/second.out" || fail "second client: $(cat "$DIR/second.out")"
[ "$(lines "$DIR/srv.out" 'payload=ok')" -ge 2 ] || fail "server: $(cat "$DIR/srv.out")"

kill -9 $srv
wait_exit $srv 10 || hard "server survived SIGKILL"
no_leaks
still_serving
exit 0
