#!/bin/sh
# Behaviour: no request is executed twice under libha's at-most-once
# policy. The key-value server dies after applying an INCR and before
# replying (the client was REPLY-blocked): with the policy that one call
# fails with HA_ENOTRESENT (ECONNABORTED) and is not re-sent, every other
# INCR is applied exactly once, and the counter ends at exactly the number
# of INCRs the server applied. Without the policy (QNX's behaviour) the
# same death makes libha re-send the INCR, which is applied twice: the
# control run shows the fault really bites.
# Forced: ntosim-kvsrv -K 5 (exit after applying the 5th INCR, before the
# reply); the script restarts kvsrv on the same store file.
. "${NTOSIM_SRCDIR:-.}/tests/fault/lib.sh"
need "$IPCD" "$PIDIN" "$KVSRV" "$HA_KV"
start_ipcd
baseline

# run TAG KEY CLIENT-FLAGS: 20 INCRs of KEY across one -K 5 death
run() {
	bg kv-$1 "$KVSRV" -n amo -f "$DIR/kv.db" -K 5
	local kv=$BG
	wait_path /dev/name/local/amo || fail "$1: kvsrv did not register"
	bg $1 "$HA_KV" -n amo -w 10000 $3 $2 20
	local c=$BG
	wait_exit $kv 20 || fail "$1: kvsrv did not exit at -K 5"
	[ "$STATUS" = 9 ] || fail "$1: kvsrv exit status $STATUS, want 9 (-K)"
	bg kv-$1-2 "$KVSRV" -n amo -f "$DIR/kv.db"
	kv=$BG
	wait_exit $c 30 || fail "$1: client still running"
	[ "$STATUS" = 0 ] || fail "$1: client exited $STATUS: $(cat "$DIR/$1.out")"
	kill -9 $kv
	wait_exit $kv || hard "kvsrv survived SIGKILL"
}

run amo a -a
grep -q '^incr 5: not re-sent' "$DIR/amo.out" || fail "at-most-once: $(sed -n 5p "$DIR/amo.out")"
for i in 1 2 3 4 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20; do
	grep -q "^incr $i: $i\$" "$DIR/amo.out" || fail "at-most-once, INCR $i: $(sed -n ${i}p "$DIR/amo.out")"
done
grep -q '^final a = 20$' "$DIR/amo.out" || fail "at-most-once: $(grep final "$DIR/amo.out") (want 20: 19 acknowledged + 1 applied before the death)"
grep -q '^recoveries 1$' "$DIR/amo.out" || fail "$(tail -n 1 "$DIR/amo.out")"

run dup b ""
grep -q '^final b = 21$' "$DIR/dup.out" ||
	fail "control run without the policy: $(grep final "$DIR/dup.out") (want 21: INCR 5 applied twice)"

no_leaks
still_serving
echo "at-most-once: 20 applied, none twice; without it: INCR 5 applied twice"
exit 0
