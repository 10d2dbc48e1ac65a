#!/bin/sh
# Behaviour: a server that dies just after a reply was delivered: the
# client keeps that reply intact (status and every byte), its next send
# fails (ESRCH if it was queued before ipcd processed the death, else
# EBADF) and later ones get EBADF; an _exit at the same point reports its
# exit code to the parent. Under libha with the at-most-once policy the
# request after the death was never received, so it is re-sent and
# applied exactly once: a key-value counter ends exactly at the number of
# increments.
# Forced: NTOSIM_FAULT=reply-after=2:kill and reply-after=2:exit:7 on
# fault-srv (name_open sends the server nothing), reply-after=4:kill on
# ntosim-kvsrv; the script starts the replacement kvsrv.
. "${NTOSIM_SRCDIR:-.}/tests/fault/lib.sh"
need "$IPCD" "$PIDIN" "$FAULT_SRV" "$FAULT_CLI" "$KVSRV" "$HA_KV"
start_ipcd
baseline

for action in kill exit:7; do
	bg srv env NTOSIM_FAULT=reply-after=2:$action "$FAULT_SRV" -n ra
	srv=$BG
	wait_path /dev/name/local/ra || fail "$action: server did not register"
	timeout 20 "$FAULT_CLI" send ra 4 -r 30000 >"$DIR/cli.out" || fail "client failed"
	wait_exit $srv 5 || fail "$action: server did not die at reply-after=2"
	case $action in
	kill) [ "$STATUS" = 137 ] || fail "server exit status $STATUS, want SIGKILL" ;;
	exit:7) [ "$STATUS" = 7 ] || fail "server exit status $STATUS, want 7" ;;
	esac
	grep -q '^send seq=1 rc=OK .*data=ok' "$DIR/cli.out" &&
		grep -q '^send seq=2 rc=OK .*data=ok' "$DIR/cli.out" ||
		fail "$action: replies before the death: $(cat "$DIR/cli.out")"
	grep -Eq '^send seq=3 rc=(ESRCH|EBADF)' "$DIR/cli.out" &&
		grep -q '^send seq=4 rc=EBADF' "$DIR/cli.out" ||
		fail "$action: sends after the death: $(cat "$DIR/cli.out")"
done

# libha + at-most-once against kvsrv dying after its 4th INCR reply
bg kv1 env NTOSIM_FAULT=reply-after=4:kill "$KVSRV" -n kvra -f "$DIR/kv.db"
kv=$BG
wait_path /dev/name/local/kvra || fail "kvsrv did not register"
bg kvc "$HA_KV" -n kvra -a -w 10000 hits 10
kvc=$BG
wait_exit $kv 20 || fail "kvsrv did not die at reply-after=4"
bg kv2 "$KVSRV" -n kvra -f "$DIR/kv.db"
kv=$BG
wait_exit $kvc 20 || fail "kv client still running"
[ "$STATUS" = 0 ] || fail "kv client exited $STATUS: $(cat "$DIR/kvc.out")"
grep -q '^final hits = 10$' "$DIR/kvc.out" ||
	fail "counter lost or duplicated an increment: $(cat "$DIR/kvc.out")"
grep -q 'not re-sent' "$DIR/kvc.out" && fail "a request was refused: $(cat "$DIR/kvc.out")"
grep -q '^recoveries 1$' "$DIR/kvc.out" || fail "$(tail -n 1 "$DIR/kvc.out")"
kill -9 $kv
wait_exit $kv || hard "kvsrv survived SIGKILL"

no_leaks
still_serving
exit 0
