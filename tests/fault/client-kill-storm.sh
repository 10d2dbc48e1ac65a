#!/bin/sh
# Behaviour: readers killed at arbitrary instants in the middle of transfers
# leave no object behind and never wedge the server: afterwards the server
# still serves, and ipcd's objects and fds are back to their baseline.
# Forced: 30 readers of a 256 MiB pattern device, each SIGKILLed after a
# random 0-40 ms (the sleeps time the faults; nothing waits on them).
. "${NTOSIM_SRCDIR:-.}/tests/fault/lib.sh"
need "$IPCD" "$PIDIN" "$LIBNTO" "$PATTERN"
start_ipcd

"$PATTERN" -p /dev/pat -s 256M &
track $!
wait_until 10 has_path /dev/pat || fail "pattern server did not register"
fds=$(ipcd_nfds) # before pidin runs: it may leave a transient fd
base=$(counts)
i=0
while [ $i -lt 30 ]; do
	$NTO dd if=/dev/pat of=/dev/null bs=64k 2>/dev/null &
	r=$!
	sleep "0.0$(($(od -An -N1 -tu1 /dev/urandom) % 5))"
	kill -9 $r 2>/dev/null
	wait $r 2>/dev/null
	i=$((i + 1))
done
wait_until 10 counts_are "$base" ||
	fail "objects $(counts), baseline $base (procs/chans/conns/coids/paths)"
wait_until 10 nfds_at_most "$fds" || fail "ipcd has $(ipcd_nfds) fds, had $fds"
n=$($NTO dd if=/dev/pat bs=1M count=4 2>/dev/null | wc -c)
[ "$n" = 4194304 ] || fail "read $n bytes after the storm, want 4 MiB"
exit 0
