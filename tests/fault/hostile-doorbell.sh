#!/bin/sh
# Behaviour: a client cannot make a server sleep through later requests.
# The waiter count that decides whether a sender wakes a sleeping receiver
# lives in a page only the server can write: a client maps it read-only,
# cannot make it writable (mprotect) and, even as root reopening it through
# /proc/self/map_files, cannot map or write it (F_SEAL_FUTURE_WRITE). The
# doorbell word it can write carries no meaning: a client that scribbles it
# and exits leaves a server that still wakes for every later request.
# Forced: hostile-cli bell (the scribbles), then 200 requests with the
# safety-net poll set to 10 minutes (NTOSIM_POLL_MS) in server and client,
# so one lost wake would hang the run past its bound.
. "${NTOSIM_SRCDIR:-.}/tests/fault/lib.sh"
need "$IPCD" "$PIDIN" "$FAULT_SRV" "$FAULT_CLI" "$HOSTILE_CLI"
start_ipcd
baseline

export NTOSIM_POLL_MS=600000
bg srv "$FAULT_SRV" -n bell -q
srv=$BG
wait_path /dev/name/local/bell || fail "server did not register"
timeout 20 "$HOSTILE_CLI" bell bell >"$DIR/h.out" 2>&1 || fail "probe: $(cat "$DIR/h.out")"
grep -q '^wait perms=r--s' "$DIR/h.out" || fail "waiter page mapping: $(cat "$DIR/h.out")"
grep -q '^wait mprotect=EACCES' "$DIR/h.out" || fail "waiter page became writable: $(cat "$DIR/h.out")"
if grep -q '^wait reopen=OK' "$DIR/h.out"; then
	grep -q '^wait reopen=OK mmap=EPERM write=EPERM' "$DIR/h.out" ||
		fail "a reopened waiter page was writable: $(cat "$DIR/h.out")"
fi
grep -q '^bell scribbled' "$DIR/h.out" || fail "probe: $(cat "$DIR/h.out")"
# the server is idle (asleep) when the hostile client leaves; every request
# after it must wake it
timeout 120 "$FAULT_CLI" send bell 200 >"$DIR/c.out" ||
	fail "requests after the scribble did not complete: $(tail -n 3 "$DIR/c.out")"
[ "$(lines "$DIR/c.out" 'rc=OK .*data=ok')" = 200 ] || fail "client: $(grep -v 'rc=OK' "$DIR/c.out" | head -n 3)"
grep -q 'slept through' "$DIR/srv.err" && fail "the server lost a wake: $(cat "$DIR/srv.err")"
kill -9 $srv
unset NTOSIM_POLL_MS
no_leaks
still_serving
exit 0
