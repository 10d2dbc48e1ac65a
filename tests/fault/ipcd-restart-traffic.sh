#!/bin/sh
# Behaviour: ipcd is SIGKILLed while a client and a server talk, and a new
# ipcd is started on the same socket. Messages go on while no ipcd runs
# (ipcd is not on the message path); the survivors re-tell the new ipcd
# what they own, so the name and the path come back and NEW clients connect
# by name (name_open) and by path (open/read of a resource manager); a
# client that died while no ipcd ran is reaped when its server re-tells its
# connections (the server gets the DISCONNECT pulse); the server's later
# death is reaped by the new ipcd (its client's next send fails with EBADF,
# its name vanishes); a parked nto_path_wait is asked again of the new
# ipcd; ipcd's object counts match what is alive.
# Forced: restart-probe does one batch of 100 exact round trips per
# SIGUSR1 (before the kill, in the gap, after the restart, after the server
# died); a second probe is SIGKILLed in the gap; a path waiter parked in
# the old ipcd is woken by a registration in the new one.
. "${NTOSIM_SRCDIR:-.}/tests/fault/lib.sh"
need "$IPCD" "$PIDIN" "$FAULT_SRV" "$FAULT_CLI" "$PATTERN" \
	"$NTOSIM_BUILDDIR/tests/fault/restart-probe"
PROBE=$NTOSIM_BUILDDIR/tests/fault/restart-probe
start_ipcd

bg srv "$FAULT_SRV" -n rs -D -q
srv=$BG
wait_path /dev/name/local/rs || fail "server did not register"
bg pat "$PATTERN" -p /dev/rspat
pat=$BG
wait_path /dev/rspat || fail "pattern device did not register"
bg c1 "$PROBE" client rs
c1=$BG
bg c2 "$PROBE" client rs
c2=$BG
wait_line "$DIR/c1.out" '^connected' || fail "client 1: $(cat "$DIR/c1.out")"
wait_line "$DIR/c2.out" '^connected' || fail "client 2: $(cat "$DIR/c2.out")"
kill -USR1 $c1 $c2
wait_line "$DIR/c1.out" '^batch 1 ' || fail "client 1 batch 1"
wait_line "$DIR/c2.out" '^batch 1 ' || fail "client 2 batch 1"
grep -q '^batch 1 ok=100 err=0' "$DIR/c1.out" || fail "before: $(cat "$DIR/c1.out")"
# the server has mapped both connections (it served them)

# a process holding 5 fds open on the resource manager across the restart
bg holder "$FAULT_CLI" hold /dev/rspat 5
holder=$BG
wait_line "$DIR/holder.out" '^held 5' || fail "holder: $(cat "$DIR/holder.out")"
# a process waiting for a path that will only appear after the restart
bg pw env NTOSIM_CTL_RECONNECT_MS=60000 "$FAULT_CLI" wait /dev/rslater 60000
pw=$BG
wait_until 10 known $pw || fail "path waiter did not register"

kill -9 "$IPCD_PID"
wait_until 10 exited "$IPCD_PID" || hard "ipcd survived SIGKILL"
# no ipcd: the pair goes on talking
kill -USR1 $c1
wait_line "$DIR/c1.out" '^batch 2 ' || fail "client 1 hung without ipcd"
grep -q '^batch 2 ok=100 err=0' "$DIR/c1.out" || fail "in the gap: $(cat "$DIR/c1.out")"
# client 2 dies while nobody could see it
kill -9 $c2
wait_exit $c2 10 || hard "client 2 survived SIGKILL"

timeout 10 "$IPCD" -s "$SOCK" 2>>"$DIR/ipcd.log" || fail "a new ipcd did not start"
IPCD_PID=$(cat "$SOCK.pid")
wait_path /dev/name/local/rs || fail "the name did not come back"
wait_path /dev/rspat || fail "the path did not come back"
# the server re-told client 2's connection; client 2 is gone: reaped
wait_line "$DIR/srv.out" '^detach scoid=.* rc=OK' ||
	fail "no DISCONNECT for the client that died in the gap: $(cat "$DIR/srv.out")"
wait_until 10 gone $c2 || fail "ipcd still holds client 2"
# proc_json PID: ipcd's record of PID (a ghost, known only from a peer's
# report, has no coids and no channels)
proc_json() { pidin_json | sed 's/{"pid":/\n{"pid":/g' | grep "^{\"pid\":$1,"; }
c1_retold() { proc_json $c1 | grep -q "\"coids\":\[{\"coid\":[0-9]*,\"pid\":$srv,[^}]*\"dead\":false}"; }
srv_retold() { proc_json $srv | grep -q '"channels":\[{'; }
wait_until 10 c1_retold || fail "client 1's coid was not re-told: $(proc_json $c1)"
wait_until 10 srv_retold || fail "the server's channel was not re-told: $(proc_json $srv)"

# the holder re-told its 5 fd-space coids; its death after the restart
# closes every one of them in the server (ipcd's _IO_CLOSEs, DISCONNECT)
holder_retold() { [ "$(proc_json $holder | grep -o "\"coid\":[0-9]*,\"pid\":$pat," | wc -l)" = 5 ]; }
wait_until 10 holder_retold || fail "the holder's fds were not re-told: $(proc_json $holder)"
timeout 20 "$FAULT_CLI" ocbs /dev/rspat >"$DIR/ocbs.out" 2>&1
grep -qx 'ocbs 5' "$DIR/ocbs.out" || fail "open count after the restart: $(cat "$DIR/ocbs.out")"
kill -9 $holder
wait_exit $holder 10 || hard "holder survived SIGKILL"
ocbs_zero() { timeout 20 "$FAULT_CLI" ocbs /dev/rspat 2>&1 | grep -qx 'ocbs 0'; }
wait_until 10 ocbs_zero || fail "the dead holder's fds were not closed: $(timeout 20 "$FAULT_CLI" ocbs /dev/rspat 2>&1)"

# new clients, by name and by path
timeout 20 "$FAULT_CLI" send rs 3 >"$DIR/new.out" 2>&1 || fail "new client by name: $(cat "$DIR/new.out")"
[ "$(lines "$DIR/new.out" 'rc=OK .*data=ok')" = 3 ] || fail "new client by name: $(cat "$DIR/new.out")"
timeout 20 "$FAULT_CLI" read /dev/rspat 65536 >"$DIR/read.out" 2>&1 || fail "new reader: $(cat "$DIR/read.out")"
grep -q '^read 65536 ok' "$DIR/read.out" || fail "new reader by path: $(cat "$DIR/read.out")"
# the path waiter asked the new ipcd again: a registration wakes it
exited $pw && fail "the path waiter gave up while no ipcd ran"
bg later "$PATTERN" -p /dev/rslater
later=$BG
wait_exit $pw 20 || fail "the path waiter was not woken after the restart"
[ "$STATUS" = 0 ] || fail "path waiter exit $STATUS"
kill -9 $later
wait_exit $later 10 || hard "rslater survived SIGKILL"
# the old client still talks after the restart
kill -USR1 $c1
wait_line "$DIR/c1.out" '^batch 3 ' || fail "client 1 after the restart"
grep -q '^batch 3 ok=100 err=0' "$DIR/c1.out" || fail "after: $(cat "$DIR/c1.out")"

# the server dies: the new ipcd reaps it as the old one would have
kill -9 $srv
wait_exit $srv 10 || hard "server survived SIGKILL"
wait_until 10 gone $srv || fail "the new ipcd did not reap the server"
kill -USR1 $c1
wait_line "$DIR/c1.out" '^batch 4 ' || fail "client 1 hung after its server died"
grep -q '^batch 4 ok=0 err=100 first=EBADF' "$DIR/c1.out" || fail "after the server died: $(cat "$DIR/c1.out")"
has_path /dev/name/local/rs && fail "the dead server's name is still registered"
kill -TERM $c1
wait_exit $c1 10 || fail "client 1 did not exit"
[ "$STATUS" = 0 ] || fail "client 1 exit $STATUS"
kill -9 $pat
wait_exit $pat 10 || hard "pattern server survived SIGKILL"
wait_until 10 counts_are 0/0/0/0/0 || fail "objects left: $(counts)"
still_serving
exit 0
