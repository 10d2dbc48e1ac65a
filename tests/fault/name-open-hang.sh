#!/bin/sh
# Behaviour: name_open's _IO_CONNECT handshake is bounded (issue 11 point
# 8): against a resource manager that takes the connect message and never
# answers (its channel has _NTO_CHF_UNBLOCK and it never reads the UNBLOCK
# pulse, so QNX's rule would keep a REPLY-blocked client forever),
# name_open fails with ETIMEDOUT at the bound ($NTOSIM_NAME_OPEN_TIMEOUT_MS,
# default 10 s) or at the caller's sooner TimerTimeout, whether the client
# was REPLY-blocked (the server holds its message) or SEND-blocked (the
# server's only thread is stuck in the first). Nothing is left behind once
# the server dies.
# Forced: sock-probe hang-srv, whose open handler never returns.
. "${NTOSIM_SRCDIR:-.}/tests/fault/lib.sh"
SOCK_PROBE=$NTOSIM_BUILDDIR/tests/fault/sock-probe
need "$IPCD" "$PIDIN" "$SOCK_PROBE" "$FAULT_CLI"
start_ipcd
baseline

bg srv "$SOCK_PROBE" hang-srv hang
srv=$BG
wait_line "$DIR/srv.out" '^ready' || fail "server did not start"

# 1. REPLY-blocked: the server takes the connect message and sits on it
bg c1 env NTOSIM_NAME_OPEN_TIMEOUT_MS=5000 "$SOCK_PROBE" name-open hang
wait_exit $BG 30 || fail "name_open (REPLY-blocked) did not return"
grep -qx 'rc=ETIMEDOUT' "$DIR/c1.out" || fail "client 1: $(cat "$DIR/c1.out")"
grep -qx 'open received' "$DIR/srv.out" ||
	fail "the server never held the handshake (client 1 was not REPLY-blocked)"

# 2. SEND-blocked (the server's thread is stuck): the caller's TimerTimeout
bg c2 "$SOCK_PROBE" name-open hang 300
wait_exit $BG 30 || fail "name_open with TimerTimeout did not return"
grep -qx 'rc=ETIMEDOUT' "$DIR/c2.out" || fail "client 2: $(cat "$DIR/c2.out")"

# 3. neither: the default bound
bg c3 "$SOCK_PROBE" name-open hang
wait_exit $BG 60 || fail "name_open without a timeout did not return"
grep -qx 'rc=ETIMEDOUT' "$DIR/c3.out" || fail "client 3: $(cat "$DIR/c3.out")"
[ "$(lines "$DIR/srv.out" '^open received')" = 1 ] ||
	fail "server: $(cat "$DIR/srv.out")"

kill -9 $srv
wait_exit $srv 10 || hard "server survived SIGKILL"
no_leaks
still_serving
