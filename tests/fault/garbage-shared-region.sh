#!/bin/sh
# Behaviour: a peer scribbling over the shared slot it uses. A client that
# writes impossible sizes and offsets into its posted slot gets EFAULT
# from its MsgSend while the server keeps serving everyone else (and that
# client's next request works). A server that leaves a lying reply length
# (0x7fffffff) in the slot, before its reply or in the middle of a
# MsgWrite, cannot make the client read past its own buffer: the client
# clamps, survives, and every byte it was sent is exact.
# Forced: NTOSIM_FAULT=send-queued=1:garbage on clients (name_open sends
# nothing; in part 1 the server is SIGSTOPped while the client posts, so
# the server certainly reads the scribbled slot), reply-before=2:garbage
# and write-mid=2:garbage on servers.
. "${NTOSIM_SRCDIR:-.}/tests/fault/lib.sh"
need "$IPCD" "$PIDIN" "$FAULT_SRV" "$FAULT_CLI"
start_ipcd
baseline

# 1. a client scribbles over its posted slot
bg srv "$FAULT_SRV" -n gc
srv=$BG
wait_path /dev/name/local/gc || fail "server did not register"
bg x env NTOSIM_FAULT=send-queued=1:garbage "$FAULT_CLI" send gc 2 -s 3000 -r 3000 -g
x=$BG
wait_line "$DIR/x.out" '^connected' || fail "client x did not connect"
wait_until 10 in_state $srv RECEIVE || fail "server not RECEIVE-blocked"
kill -STOP $srv
kill -USR1 $x
wait_until 10 in_state $x SEND || fail "client x not SEND-blocked"
kill -CONT $srv
bg good "$FAULT_CLI" send gc 300 -s 3000 -r 3000
g=$BG
wait_exit $x 10 || fail "client x still running"
grep -q '^send seq=1 rc=EFAULT' "$DIR/x.out" || fail "scribbling client: $(cat "$DIR/x.out") (want EFAULT)"
grep -q '^send seq=2 rc=OK .*data=ok' "$DIR/x.out" || fail "scribbling client's next send: $(cat "$DIR/x.out")"
grep -q "^msg seq=1 pid=$x " "$DIR/srv.out" && fail "the server accepted a scribbled slot"
# more scribblers racing a busy client: each gets EFAULT or, if the
# server took its slot before the scribble, a good reply
vs=""
for i in 1 2 3 4 5 6 7 8 9 10; do
	bg x$i env NTOSIM_FAULT=send-queued=1:garbage "$FAULT_CLI" send gc 2 -s 100 -r 100
	vs="$vs $BG"
done
for p in $vs; do
	wait_exit $p 20 || fail "scribbling client $p still running"
	[ "$STATUS" = 0 ] || fail "scribbling client $p exited $STATUS"
done
for i in 1 2 3 4 5 6 7 8 9 10; do
	grep -Eq '^send seq=1 rc=(EFAULT|OK .*data=ok)' "$DIR/x$i.out" &&
		grep -q '^send seq=2 rc=OK .*data=ok' "$DIR/x$i.out" ||
		fail "scribbling client $i: $(cat "$DIR/x$i.out")"
done
wait_exit $g 60 || fail "good client still running"
[ "$(lines "$DIR/good.out" 'rc=OK .*data=ok')" = 300 ] ||
	fail "good client: $(grep -v 'rc=OK .*data=ok' "$DIR/good.out" | head -n 3)"
kill -0 $srv || fail "the server died"
kill -9 $srv

# 2. a server leaves a lying reply length, before its reply...
bg srv2 env NTOSIM_FAULT=reply-before=2:garbage "$FAULT_SRV" -n gs
srv=$BG
wait_path /dev/name/local/gs || fail "server 2 did not register"
timeout 20 "$FAULT_CLI" send gs 3 -r 5000 >"$DIR/c2.out"
[ "$(lines "$DIR/c2.out" 'rc=OK status=0 .*data=ok')" = 3 ] || fail "client of a lying server: $(cat "$DIR/c2.out")"
kill -9 $srv
# ... and in the middle of a MsgWrite
bg srv3 env NTOSIM_FAULT=write-mid=2:garbage "$FAULT_SRV" -n gw
srv=$BG
wait_path /dev/name/local/gw || fail "server 3 did not register"
timeout 20 "$FAULT_CLI" send gw 3 -w -r 70000 >"$DIR/c3.out"
[ "$(lines "$DIR/c3.out" 'rc=OK status=70000 .*data=ok')" = 3 ] || fail "client of a lying MsgWrite: $(cat "$DIR/c3.out")"
kill -9 $srv

no_leaks
still_serving
exit 0
