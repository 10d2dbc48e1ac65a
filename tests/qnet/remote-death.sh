#!/bin/sh
# Deaths across nodes, as QNX defines them locally: a remote server killed
# while a client on another node is REPLY-blocked on it gives that client
# ESRCH, and a later send on the coid EBADF; a remote client killed while
# REPLY-blocked gives the server its UNBLOCK (the server's channel has
# _NTO_CHF_UNBLOCK) and DISCONNECT pulses. Forced with SIGKILL at the
# moment the server reports it holds the request.
. "${srcdir:-.}/tests/qnet/lib.sh"

qnet_nodes alpha beta
qnet_start alpha beta
qnet_wait_links

# 1. the server dies under a REPLY-blocked remote client
serve beta svc
T="beta,$SRV_PID,$SRV_CHID"
bgon alpha cli1 "$PROBE" client "$T" hold echo:after
CLI=$BG
wait_line "$DIR/srv-beta-svc.out" '^holding$' || fail "server never held"
kill -9 "$SRV_BG"
wait_exit "$CLI" 20 || fail "client still blocked after its server died"
grep -qx "err ESRCH" "$DIR/cli1.out" || fail "hold: $(cat "$DIR/cli1.out")"
grep -qx "err EBADF" "$DIR/cli1.out" ||
	fail "send after death: $(cat "$DIR/cli1.out")"

# 2. the client dies REPLY-blocked on a remote server
serve beta svc2
T="beta,$SRV_PID,$SRV_CHID"
bgon alpha cli2 "$PROBE" client "$T" hold
CLI=$BG
wait_line "$DIR/srv-beta-svc2.out" '^holding$' || fail "server never held"
kill -9 "$CLI"
wait_line "$DIR/srv-beta-svc2.out" '^unblock$' ||
	fail "no UNBLOCK for the dead remote client"
wait_line "$DIR/srv-beta-svc2.out" '^disconnect$' ||
	fail "no DISCONNECT for the dead remote client"

# 3. a client's TimerTimeout on a remote server that honours UNBLOCK: the
#    server is asked, answers EINTR, the client gets it
client alpha "$T" hold-timeout:300 echo:still-there
expect_line "err EINTR"
expect_line "reply still-there"
exit 0
