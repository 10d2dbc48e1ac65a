#!/bin/sh
# Behaviour: a peer that sends a malformed frame loses its own link and
# nothing else. A fake node "alpha" (bash's /dev/tcp) says a valid HELLO to
# beta's network manager, then sends one bad frame: a header with a bad
# magic, a PING claiming 4 GiB of payload (refused from the header, before
# any allocation), a RESOLVE whose path is not NUL-terminated, a
# RESOLVE_REP whose entry count does not match its length. Each time beta
# logs the reason, closes that link (the fake sees EOF) and takes it down;
# meanwhile beta keeps serving carol's client over the beta-carol link.
# A peer that opens 100 connections and says nothing gets at most 64 of
# them kept (each holds a reader thread until its HELLO timeout): beta
# says it refuses the rest, its thread count stays bounded, and carol's
# client is served meanwhile.
# The frame rules themselves: tests/unit/check_qnet_frame, qframe fuzzer.
. "${srcdir:-.}/tests/qnet/lib.sh"
command -v bash >/dev/null 2>&1 || skip "no bash (its /dev/tcp plays the fake node)"

# a HELLO timeout long enough for the flood below to pile up: beta closes
# a connection that has not said HELLO within it, so on a slow machine
# (a sanitizer build under load accepts a connection in tens of ms) a
# short one let the first flood connections go before the 65th came
QNET_EXTRA="timeout 30000"
qnet_nodes alpha beta carol
qnet_start beta carol
wait_until 15 links_up beta 1 || fail "beta: link to carol did not come up"
wait_until 15 links_up carol 1 || fail "carol: link to beta did not come up"
serve beta svc
T="beta,$SRV_PID,$SRV_CHID"
BPORT=$(sed -n 's,^node beta tcp://127.0.0.1:\([0-9]*\)$,\1,p' "$DIR/table")
[ -n "$BPORT" ] || hard "beta's port"

# little-endian fields as printf %b escapes
le32() {
	printf '\\x%02x\\x%02x\\x%02x\\x%02x' $(($1 & 255)) $((($1 >> 8) & 255)) \
		$((($1 >> 16) & 255)) $((($1 >> 24) & 255))
}
zeros() { i=0; while [ $i -lt "$1" ]; do printf '\\x00'; i=$((i + 1)); done; }
# hdr TYPE LEN [MAGIC]: a frame header (id 7)
hdr() { le32 "${3:-0x514e5431}"; le32 "$1"; le32 "$2"; le32 0; le32 7; le32 0; }
HELLO="$(hdr 1 72)$(le32 1)$(le32 0x01020304)alpha$(zeros 59)"

# fake REASON FRAME: HELLO then FRAME from "alpha"; beta must log REASON,
# close the connection (bash's cat sees EOF) and take the link down
n=0
downs() { [ "$(lines "$DIR/qnet-beta.err" 'link to alpha down')" -ge "$1" ]; }
fake() {
	n=$((n + 1))
	timeout 20 bash -c 'exec 3<>"/dev/tcp/127.0.0.1/$1" || exit 2
		printf "%b" "$2" >&3
		cat <&3 >/dev/null' fake "$BPORT" "$HELLO$2"
	[ $? = 0 ] || fail "$1: beta did not close the fake node's link"
	wait_line "$DIR/qnet-beta.err" "$1" ||
		fail "$1: beta did not say so: $(tail -n 3 "$DIR/qnet-beta.err")"
	wait_until 10 downs $n ||
		fail "$1: the fake link was not taken down"
	kill -0 "$QNET_PID_beta" || fail "$1: beta's network manager died"
	client carol "$T" "echo:after$n"
	expect_line "reply after$n"
}

fake 'malformed frame header .*: bad magic' "$(hdr 2 0 0xdeadbeef)"
fake 'malformed frame header \(type 2, 4294967295 bytes\): payload length' \
	"$(hdr 2 0xffffffff)"
fake 'malformed frame \(type 11, 11 bytes\) from alpha: path not NUL' \
	"$(hdr 11 11)$(le32 0)/dev/kv"
fake 'malformed frame \(type 12, 44 bytes\) from alpha: RESOLVE_REP' \
	"$(hdr 12 44)$(zeros 16)$(le32 9)$(zeros 24)"
[ "$(lines "$DIR/qnet-beta.err" 'link to alpha up')" = 4 ] ||
	fail "expected four fake links up: $(grep alpha "$DIR/qnet-beta.err")"

# the flood: 100 silent connections, held open until we say
mkfifo "$DIR/flood.in" || hard mkfifo
bg flood timeout 60 bash -c 'for i in $(seq 100); do
		exec {fd}<>"/dev/tcp/127.0.0.1/$1" || exit 2
	done
	echo opened
	read -r _ <"$2"' flood "$BPORT" "$DIR/flood.in"
FLOOD=$BG
wait_line "$DIR/flood.out" '^opened$' 30 || fail "the flood did not connect"
wait_line "$DIR/qnet-beta.err" 'refusing connections: 64 accepted ones' 25 ||
	fail "beta did not refuse the flood: $(tail -n 3 "$DIR/qnet-beta.err")"
[ "$(lines "$DIR/qnet-beta.err" 'refusing connections')" = 1 ] ||
	fail "the refusal should be said once"
threads=$(ls /proc/"$QNET_PID_beta"/task | wc -l)
# 64 readers + nng's, the receivers' and the links' threads (~20)
[ "$threads" -le 110 ] || fail "beta has $threads threads under the flood"
client carol "$T" echo:flooded
expect_line "reply flooded"
echo >"$DIR/flood.in"
wait_exit "$FLOOD" 20 || fail "the flood did not end"
exit 0
