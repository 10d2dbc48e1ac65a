#!/bin/sh
# Behaviour: a client killed while holding open fds on a resource manager:
# the server receives one _IO_CLOSE per fd from the kernel on the dead
# client's behalf, so its open count (OCBs) drops back, and ipcd's objects
# and fds return to baseline.
# Forced: three `fault-cli hold` processes open the pattern device 5 times
# each and sleep; kill -9 them all. The pattern device reports its OCB
# count through a debug devctl (PATTERN_DCMD_OCB_COUNT).
. "${NTOSIM_SRCDIR:-.}/tests/fault/lib.sh"
need "$IPCD" "$PIDIN" "$PATTERN" "$FAULT_CLI"
start_ipcd
baseline

bg pat "$PATTERN" -p /dev/pfd -s 1M
pat=$BG
wait_path /dev/pfd || fail "pattern server did not register"
ocbs() { timeout 10 "$FAULT_CLI" ocbs /dev/pfd | sed -n 's/^ocbs //p'; }
ocbs_are() { [ "$(ocbs)" = "$1" ]; }
[ "$(ocbs)" = 0 ] || fail "fresh device has $(ocbs) opens"

holders=""
for h in 1 2 3; do
	bg hold$h "$FAULT_CLI" hold /dev/pfd 5
	holders="$holders $BG"
	wait_line "$DIR/hold$h.out" '^held 5' || fail "holder $h: $(cat "$DIR/hold$h.out")"
done
[ "$(ocbs)" = 15 ] || fail "device has $(ocbs) opens, want 15"
kill -9 $holders
for p in $holders; do
	wait_exit $p 5 || hard "holder survived SIGKILL"
done
wait_until 10 ocbs_are 0 || fail "device still has $(ocbs) opens after its clients died"
timeout 20 "$FAULT_CLI" read /dev/pfd 1048576 >"$DIR/read.out" ||
	fail "the device no longer serves: $(cat "$DIR/read.out")"
kill -9 $pat
wait_exit $pat || hard "server survived SIGKILL"

no_leaks
still_serving
exit 0
