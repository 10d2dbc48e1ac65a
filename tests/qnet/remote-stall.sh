#!/bin/sh
# Behaviour: a remote server that stops receiving holds only the calls sent
# to it, never the link: while six clients on alpha are SEND-blocked on a
# stopped server on beta (each in its own thread of beta's network
# manager), another client on alpha gets its replies from a second server
# on beta over the same link; when the stopped server resumes, each of the
# six gets its own reply. Forced: SIGSTOP of the server; beta's pidin
# shows the six SEND-blocked threads before the other client sends.
. "${srcdir:-.}/tests/qnet/lib.sh"
need "$PIDIN"

qnet_nodes alpha beta
qnet_start alpha beta
qnet_wait_links
serve beta stuck
TS="beta,$SRV_PID,$SRV_CHID"
STUCK=$SRV_BG
SPID=$SRV_PID
serve beta live
TL="beta,$SRV_PID,$SRV_CHID"

kill -STOP "$STUCK"
i=1
while [ $i -le 6 ]; do
	bgon alpha "blk$i" "$PROBE" client "$TS" "echo:blk$i"
	eval "B$i=\$BG"
	i=$((i + 1))
done
sendblocked() {
	[ "$(on beta timeout 10 "$PIDIN" |
		grep -Ec "^ *$QNET_PID_beta +[0-9]+ +SEND +pid $SPID ")" -ge 6 ]
}
wait_until 30 sendblocked ||
	fail "beta's network manager never had six sends blocked on the stopped server: $(on beta timeout 10 "$PIDIN" | grep SEND)"

client alpha "$TL" echo:one echo:two
expect_line "reply one"
expect_line "reply two"

kill -CONT "$STUCK"
i=1
while [ $i -le 6 ]; do
	eval "b=\$B$i"
	wait_exit "$b" 20 || fail "client $i still blocked after its server resumed"
	grep -qx "reply blk$i" "$DIR/blk$i.out" ||
		fail "client $i: $(cat "$DIR/blk$i.out")"
	i=$((i + 1))
done
exit 0
