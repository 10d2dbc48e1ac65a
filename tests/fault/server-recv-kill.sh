#!/bin/sh
# Behaviour: a server that dies right after taking a request (the client is
# REPLY-blocked): the client's MsgSend fails with ESRCH and later sends on
# the coid with EBADF. Under libha the connection recovers onto a restarted
# server: by default the request the dead server had received is sent
# again (so it reaches a server twice), and with the at-most-once policy it
# is not (the call fails with HA_ENOTRESENT, ECONNABORTED) while the
# requests after it go through.
# Forced: NTOSIM_FAULT=recv=2:kill on fault-srv (name_open sends the
# server nothing, so it dies holding request 2); the script starts the
# replacement server once the first one is gone.
. "${NTOSIM_SRCDIR:-.}/tests/fault/lib.sh"
need "$IPCD" "$PIDIN" "$FAULT_SRV" "$FAULT_CLI"
start_ipcd
baseline

# 1. plain client
bg srv1 env NTOSIM_FAULT=recv=2:kill "$FAULT_SRV" -n rk
srv=$BG
wait_path /dev/name/local/rk || fail "server did not register"
timeout 20 "$FAULT_CLI" send rk 4 -r 1000 >"$DIR/plain.out" || fail "client failed"
wait_exit $srv 5 || fail "server did not die at recv=2"
for want in 'seq=1 rc=OK .*data=ok' 'seq=2 rc=ESRCH' 'seq=3 rc=EBADF' 'seq=4 rc=EBADF'; do
	grep -q "^send $want" "$DIR/plain.out" ||
		fail "plain client: want '$want' in: $(cat "$DIR/plain.out")"
done
# it died inside MsgReceive, holding request 2: it never logged it
grep -q '^msg seq=2' "$DIR/srv1.out" && fail "server lived past request 2"

# ha_round TAG CLIENT-FLAGS: an HA client against a server that dies on
# request 2 and a replacement; leaves the client's output in $DIR/TAG.out.
ha_round() {
	bg $1-a env NTOSIM_FAULT=recv=2:kill "$FAULT_SRV" -n rk
	local s1=$BG
	wait_path /dev/name/local/rk || fail "$1: server did not register"
	bg $1 "$FAULT_CLI" send rk 4 -r 1000 -h 10000 $2
	local cl=$BG
	wait_exit $s1 10 || fail "$1: server did not die at recv=2"
	bg $1-b "$FAULT_SRV" -n rk
	local s2=$BG
	wait_exit $cl 20 || fail "$1: HA client still running"
	[ "$STATUS" = 0 ] || fail "$1: HA client exited $STATUS: $(cat "$DIR/$1.out")"
	grep -q '^recoveries 1$' "$DIR/$1.out" || fail "$1: $(cat "$DIR/$1.out")"
	kill -9 $s2
	wait_exit $s2 || hard "server survived SIGKILL"
}

# 2. libha, default policy: request 2 is re-sent after recovery
ha_round ha ""
for n in 1 2 3 4; do
	grep -q "^send seq=$n rc=OK .*data=ok" "$DIR/ha.out" ||
		fail "HA client, request $n: $(cat "$DIR/ha.out")"
done
grep -q '^msg seq=2' "$DIR/ha-b.out" ||
	fail "default policy: request 2 was not re-sent to the new server"

# 3. libha, at-most-once: request 2 is not re-sent; 3 and 4 go through
ha_round amo -a
grep -q '^send seq=2 rc=ECONNABORTED' "$DIR/amo.out" ||
	fail "at-most-once, request 2: $(cat "$DIR/amo.out")"
for n in 1 3 4; do
	grep -q "^send seq=$n rc=OK .*data=ok" "$DIR/amo.out" ||
		fail "at-most-once, request $n: $(cat "$DIR/amo.out")"
done
grep -q '^msg seq=2' "$DIR/amo-b.out" &&
	fail "at-most-once: request 2 was re-sent to the new server"

no_leaks
still_serving
exit 0
