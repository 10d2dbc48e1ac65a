#!/bin/sh
# Behaviour: two single-threaded name_attach servers that name_open each
# other at the same moment, before either receives, both get their
# connection (on QNX name_open sends the server nothing, so neither waits
# for the other), then exchange a pulse. Before the fix each sent the other
# an _IO_CONNECT and both stayed SEND-blocked for good.
# Forced: both peers attach, then SIGUSR1 releases their name_open calls
# together; every wait is bounded, so a deadlock fails the test.
. "${NTOSIM_SRCDIR:-.}/tests/fault/lib.sh"
PROG=$NTOSIM_BUILDDIR/tests/compat/name_raw
need "$IPCD" "$PIDIN" "$FAULT_CLI" "$PROG"
start_ipcd

round=1
while [ $round -le 5 ]; do
	bg a$round "$PROG" peer xa$round xb$round
	a=$BG
	bg b$round "$PROG" peer xb$round xa$round
	b=$BG
	wait_line "$DIR/a$round.out" '^peer: attached' || fail "peer a did not attach"
	wait_line "$DIR/b$round.out" '^peer: attached' || fail "peer b did not attach"
	kill -USR1 $a $b
	if ! wait_exit $a 10 || ! wait_exit $b 10; then
		in_state $a SEND && in_state $b SEND &&
			fail "round $round: the peers are SEND-blocked on each other"
		fail "round $round: a peer is stuck: a: $(cat "$DIR/a$round.out") b: $(cat "$DIR/b$round.out")"
	fi
	for p in a b; do
		grep -q '^peer: pulse value 7$' "$DIR/$p$round.out" ||
			fail "round $round: peer $p: $(cat "$DIR/$p$round.out")"
	done
	round=$((round + 1))
done
exit 0
