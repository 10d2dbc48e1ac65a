#!/bin/sh
# Behaviour: a resource manager SIGKILLed while a reader is REPLY-blocked on
# it: the reader's read fails promptly, the path vanishes, every ipcd object
# and ipcd's fd count return to their baseline, and a new server on the same
# path serves again.
# Forced: ntosim-pattern -d holds the reader in REPLY; kill -9 the server.
. "${NTOSIM_SRCDIR:-.}/tests/fault/lib.sh"
need "$IPCD" "$PIDIN" "$LIBNTO" "$PATTERN"
start_ipcd

fds=$(ipcd_nfds) # before pidin runs: it may leave a transient fd
base=$(counts)
"$PATTERN" -p /dev/pat -d 10000000 &
srv=$!
track $srv
wait_until 10 has_path /dev/pat || fail "pattern server did not register"
$NTO dd if=/dev/pat of=/dev/null bs=16 count=1 2>/dev/null &
rdr=$!
track $rdr
wait_until 10 in_state $rdr REPLY || fail "reader never REPLY-blocked"

kill -9 $srv
wait_until 3 exited $rdr || fail "reader still blocked after the server died"
wait $rdr && fail "read succeeded from a dead server"
wait_until 10 counts_are "$base" ||
	fail "objects $(counts), baseline $base (procs/chans/conns/coids/paths)"
wait_until 10 nfds_at_most "$fds" || fail "ipcd has $(ipcd_nfds) fds, had $fds"
has_path /dev/pat && fail "/dev/pat still registered"

"$PATTERN" -p /dev/pat &
track $!
wait_until 10 has_path /dev/pat || fail "restarted server did not register"
n=$($NTO dd if=/dev/pat bs=4096 count=1 2>/dev/null | wc -c)
[ "$n" = 4096 ] || fail "read $n bytes from the restarted server, want 4096"
exit 0
