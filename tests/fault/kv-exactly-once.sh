#!/bin/sh
# Behaviour: with libha's exactly-once policy every INCR is applied exactly
# once and every call returns success, whatever instruction the key-value
# server dies at. The client (ha_kv_client -e) does 20 INCRs while kvsrv
# dies on the 5th, and a new kvsrv is started on the same store file; the
# client re-sends the 5th with the same identity and the new server answers
# it from its reply cache (rebuilt from the log) if it had been applied, or
# applies it if not. Kill points, one run each:
#   reply: -K 5, applied and logged (reply in the same record), no reply;
#   reply-before: NTOSIM_FAULT reply-before=5:kill, inside MsgReply;
#   recv: NTOSIM_FAULT recv=5:kill, received, not applied;
#   torn: -K 5,torn, half the log record written (dropped at restart).
# Then the fallback: a kvsrv without a reply cache (-C 0) does not announce
# one, so the client falls back to at-most-once for the 5th (HA_ENOTRESENT,
# fallbacks 1) and never applies it twice.
. "${NTOSIM_SRCDIR:-.}/tests/fault/lib.sh"
need "$IPCD" "$PIDIN" "$KVSRV" "$HA_KV"
start_ipcd
baseline

# run TAG KEY "SERVER-ENV" "SERVER-FLAGS" CLIENT-FLAGS: 20 INCRs of KEY
# across one death of the server on the 5th.
run() {
	bg kv-$1 env $3 "$KVSRV" -v -n eo -f "$DIR/kv.db" $4
	local kv=$BG
	wait_path /dev/name/local/eo || fail "$1: kvsrv did not register"
	bg $1 "$HA_KV" -n eo -w 10000 $5 $2 20
	local c=$BG
	wait_exit $kv 20 || fail "$1: kvsrv did not die on the 5th INCR"
	[ "$STATUS" = 9 ] || [ "$STATUS" = 137 ] ||
		fail "$1: kvsrv exit status $STATUS, want 9 or SIGKILL"
	bg kv-$1-2 "$KVSRV" -v -n eo -f "$DIR/kv.db" $(echo "$4" | sed 's/-K [^ ]*//')
	kv=$BG
	wait_exit $c 30 || fail "$1: client still running"
	[ "$STATUS" = 0 ] || fail "$1: client exited $STATUS: $(cat "$DIR/$1.out")"
	kill -9 $kv
	wait_exit $kv || hard "kvsrv survived SIGKILL"
}

# exact TAG KEY: every INCR returned success with its own value, once.
exact() {
	i=1
	while [ $i -le 20 ]; do
		grep -q "^incr $i: $i\$" "$DIR/$1.out" ||
			fail "$1, INCR $i: $(sed -n ${i}p "$DIR/$1.out")"
		i=$((i + 1))
	done
	grep -q "^final $2 = 20\$" "$DIR/$1.out" ||
		fail "$1: $(grep final "$DIR/$1.out") (want 20)"
	grep -q '^recoveries 1$' "$DIR/$1.out" || fail "$1: $(grep recoveries "$DIR/$1.out")"
	grep -q '^acknowledged 20 unknown 0 fallbacks 0$' "$DIR/$1.out" ||
		fail "$1: $(tail -n 1 "$DIR/$1.out")"
}

run reply a "" "-K 5" -e
exact reply a
# the 5th was answered from the cache the new server rebuilt from the log
grep -q 'applied before: answered from the reply cache' "$DIR/kv-reply-2.err" ||
	fail "reply: the re-sent INCR was not answered from the cache: $(cat "$DIR/kv-reply-2.err")"

run reply-before b "NTOSIM_FAULT=reply-before=5:kill" "" -e
exact reply-before b
grep -q 'answered from the reply cache' "$DIR/kv-reply-before-2.err" ||
	fail "reply-before: not answered from the cache"

run recv c "NTOSIM_FAULT=recv=5:kill" "" -e
exact recv c
# received but never applied: the re-send is a new request there
! grep -q 'answered from the reply cache' "$DIR/kv-recv-2.err" ||
	fail "recv: a request that was never applied came from the cache"

run torn d "" "-K 5,torn" -e
exact torn d
grep -q 'dropping .* torn last record' "$DIR/kv-torn-2.err" ||
	fail "torn: the restarted server found no torn record: $(cat "$DIR/kv-torn-2.err")"

# no reply cache: an honest fallback to at-most-once, never a duplicate
run nocache e "" "-C 0 -K 5" -e
grep -q '^incr 5: not re-sent' "$DIR/nocache.out" ||
	fail "nocache: $(sed -n 5p "$DIR/nocache.out")"
grep -q '^final e = 20$' "$DIR/nocache.out" ||
	fail "nocache: $(grep final "$DIR/nocache.out") (want 20: 19 acknowledged + 1 applied)"
grep -q '^acknowledged 19 unknown 1 fallbacks 1$' "$DIR/nocache.out" ||
	fail "nocache: $(tail -n 1 "$DIR/nocache.out")"

no_leaks
still_serving
echo "exactly-once: 20 INCRs, 20 successes, counter 20 at each kill point (reply, reply-before, recv, torn); without a cache: 1 fallback, no duplicate"
exit 0
