#!/bin/sh
# Behaviour: a server that dies in the middle of answering: inside
# MsgReply (the slot claimed for the reply, nothing copied yet) or in the
# middle of MsgWrite (half of the reply copied into the client's buffer).
# The client's MsgSend fails with ESRCH, never a short "success", and
# later sends get EBADF. An HA reader of the pattern device, whose large
# reads are answered with MsgWrite, recovers across such deaths and still
# gets every byte exact.
# Forced: NTOSIM_FAULT=reply-before=1:kill (name_open sends the server
# nothing) and write-mid=N:kill on fault-srv, write-mid=N:kill on
# ntosim-pattern serving 1 MiB reads (chunked MsgWrite); the script starts
# each replacement server once the previous one is gone.
. "${NTOSIM_SRCDIR:-.}/tests/fault/lib.sh"
need "$IPCD" "$PIDIN" "$FAULT_SRV" "$FAULT_CLI" "$PATTERN" "$HA_READER"
start_ipcd
baseline

# 1. plain client, server dies inside MsgReply
bg srv0 env NTOSIM_FAULT=reply-before=1:kill "$FAULT_SRV" -n rbk
srv=$BG
wait_path /dev/name/local/rbk || fail "server did not register"
timeout 20 "$FAULT_CLI" send rbk 2 -r 5000 >"$DIR/rb.out" || fail "client failed"
wait_exit $srv 5 || fail "server did not die at reply-before=1"
grep -q '^send seq=1 rc=ESRCH' "$DIR/rb.out" &&
	grep -q '^send seq=2 rc=EBADF' "$DIR/rb.out" ||
	fail "death inside MsgReply: $(cat "$DIR/rb.out") (want ESRCH, then EBADF)"

# 2. plain client, MsgWrite reply cut in half
bg srv env NTOSIM_FAULT=write-mid=1:kill "$FAULT_SRV" -n wm
srv=$BG
wait_path /dev/name/local/wm || fail "server did not register"
timeout 20 "$FAULT_CLI" send wm 2 -w -r 200000 >"$DIR/plain.out" || fail "client failed"
wait_exit $srv 5 || fail "server did not die at write-mid=1"
grep -q '^send seq=1 rc=ESRCH' "$DIR/plain.out" ||
	fail "cut reply: $(cat "$DIR/plain.out") (want ESRCH)"
grep -q '^send seq=2 rc=EBADF' "$DIR/plain.out" ||
	fail "after the cut reply: $(cat "$DIR/plain.out") (want EBADF)"

# 3. HA reader of the pattern device across three cut replies
bg pat1 env NTOSIM_FAULT=write-mid=3:kill "$PATTERN" -p /dev/wm -s 64M
p=$BG
wait_path /dev/wm || fail "pattern server did not register"
bg rdr "$HA_READER" -p /dev/wm -n 50331648 -c 1048576 -w 10000
rdr=$BG
for plan in write-mid=7:kill write-mid=2:kill none; do
	wait_exit $p 20 || fail "pattern server did not die ($(tail -n 2 "$DIR/rdr.out"))"
	if [ $plan = none ]; then
		bg pat-last "$PATTERN" -p /dev/wm -s 64M
	else
		bg pat-$plan env NTOSIM_FAULT=$plan "$PATTERN" -p /dev/wm -s 64M
	fi
	p=$BG
done
wait_exit $rdr 60 || fail "reader still running: $(tail -n 2 "$DIR/rdr.out")"
[ "$STATUS" = 0 ] || fail "reader exited $STATUS: $(cat "$DIR/rdr.err")"
grep -q '^ok 50331648 bytes verified, 3 recoveries' "$DIR/rdr.out" ||
	fail "reader: $(tail -n 1 "$DIR/rdr.out")"
kill -9 $p
wait_exit $p || hard "server survived SIGKILL"

no_leaks
still_serving
exit 0
