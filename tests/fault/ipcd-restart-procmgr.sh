#!/bin/sh
# Behaviour: what procmgr keeps for a process survives ipcd's death. A
# survivor's procmgr_event_notify registration (PROCESS_DEATH, a pulse on
# its own coid, updateable: the value is the dead pid) and its
# procmgr_event_notify_add ones (DAEMON_DEATH by pulse, PATHSPACE by
# signal) keep firing from the new ipcd, under the ids the process holds:
# it deletes one (0, then ESRCH) and new ids never collide with a kept
# one. A process that called procmgr_daemon() is still a daemon to the new
# ipcd: its death is a DAEMON_DEATH too. A client's secure event
# (MsgRegisterEvent) keeps its handle: its server's MsgDeliverEvent on it
# succeeds and the pulse arrives.
# Forced: SIGKILL of ipcd after every registration; a new ipcd on the same
# socket; ipcd.log shows each survivor's re-tell with 0 refused; then a
# process dies, a name is attached, and the daemon is SIGKILLed.
. "${NTOSIM_SRCDIR:-.}/tests/fault/lib.sh"
PROBE=$NTOSIM_BUILDDIR/tests/fault/procev-probe
need "$IPCD" "$FAULT_SRV" "$FAULT_CLI" "$PROBE"
start_ipcd

bg watch "$PROBE" watch pev
watch=$BG
wait_line "$DIR/watch.out" '^ready ' || fail "probe not ready: $(cat "$DIR/watch.out")"
ddeath=$(sed -n 's/^ready .* ddeath=\([0-9]*\) .*/\1/p' "$DIR/watch.out")
pspace=$(sed -n 's/^ready .* pspace=\([0-9]*\)$/\1/p' "$DIR/watch.out")
[ -n "$ddeath" ] && [ -n "$pspace" ] || fail "ids: $(cat "$DIR/watch.out")"
# the daemon: procmgr_daemon's parent exits, the child carries on
"$PROBE" daemon >"$DIR/daemon.out" 2>&1 || fail "daemon: $(cat "$DIR/daemon.out")"
wait_line "$DIR/daemon.out" '^daemon pid=' || fail "no daemon"
dpid=$(sed -n 's/^daemon pid=//p' "$DIR/daemon.out")
track "$dpid"
bg secev "$PROBE" secev pevsec
secev=$BG
wait_line "$DIR/secev.out" '^secev ready ' || fail "secev: $(cat "$DIR/secev.out")"
# before the restart, the handle works
timeout 20 "$FAULT_CLI" pulse pevsec 1 >"$DIR/pulse0.out" 2>&1 || fail "pulse: $(cat "$DIR/pulse0.out")"
wait_line "$DIR/secev.out" '^pulse code=12 value=99$' || fail "secure event: $(cat "$DIR/secev.out")"

# ipcd dies; a new one is re-told by both survivors
kill -9 "$IPCD_PID"
wait_until 10 exited "$IPCD_PID" || hard "ipcd survived SIGKILL"
timeout 10 "$IPCD" -v -s "$SOCK" 2>>"$DIR/ipcd.log" || hard "new ipcd did not start"
IPCD_PID=$(cat "$SOCK.pid")
wait_line "$DIR/ipcd.log" "pid $watch: re-told [0-9]+ objects" ||
	fail "the watcher did not re-tell"
wait_line "$DIR/ipcd.log" "pid $dpid: re-told [0-9]+ objects" ||
	fail "the daemon did not re-tell"
wait_line "$DIR/ipcd.log" "pid $secev: re-told [0-9]+ objects" ||
	fail "the secure-event client did not re-tell"
grep -E "pid ($watch|$dpid|$secev): re-told" "$DIR/ipcd.log" | grep -v '(0 refused)' &&
	fail "a claim was refused"
mark=$(wc -l <"$DIR/watch.out")
after() { tail -n +"$((mark + 1))" "$DIR/watch.out" | grep -Eq "$1"; }

# PROCESS_DEATH (the registration of procmgr_event_notify) and PATHSPACE
# (procmgr_event_notify_add, a signal) from the new ipcd
bg victim "$FAULT_SRV" -n pevvictim
victim=$BG
wait_path /dev/name/local/pevvictim || fail "victim did not register"
wait_until 10 after '^signal [0-9]+ value=77$' ||
	fail "no PATHSPACE signal after the restart"
kill -9 "$victim"
wait_until 10 after "^pulse code=10 value=$victim\$" ||
	fail "no PROCESS_DEATH pulse for $victim after the restart"

# DAEMON_DEATH: the new ipcd knows the daemon is one
kill -9 "$dpid"
wait_until 10 after "^pulse code=11 value=$dpid\$" ||
	fail "no DAEMON_DEATH pulse for the daemon $dpid"
wait_until 10 after "^pulse code=10 value=$dpid\$" ||
	fail "no PROCESS_DEATH pulse for the daemon $dpid"

# the ids: the kept one deletes once, new ones avoid the kept PATHSPACE id
timeout 20 "$FAULT_CLI" pulse pev 1 >"$DIR/pulse.out" 2>&1 || fail "pulse: $(cat "$DIR/pulse.out")"
wait_until 10 after '^add id=' || fail "probe did not act on the pulse"
wait_until 10 eval '[ "$(tail -n +"$((mark + 1))" "$DIR/watch.out" | grep -c "^add id=")" = 2 ]' ||
	fail "second add missing"
after "^delete1 id=$ddeath rc=0\$" || fail "delete of the kept id: $(grep delete1 "$DIR/watch.out")"
after "^delete2 id=$ddeath rc=3\$" || fail "second delete not ESRCH: $(grep delete2 "$DIR/watch.out")"
for id in $(sed -n 's/^add id=//p' "$DIR/watch.out"); do
	[ "$id" -gt 0 ] || fail "add after the restart: $id"
	[ "$id" != "$pspace" ] || fail "new id $id collides with the kept PATHSPACE id"
done
# the secure event's handle, from the new ipcd
mark=$(wc -l <"$DIR/secev.out")
timeout 20 "$FAULT_CLI" pulse pevsec 1 >"$DIR/pulse1.out" 2>&1 || fail "pulse: $(cat "$DIR/pulse1.out")"
sec_after() { tail -n +"$((mark + 1))" "$DIR/secev.out" | grep -Eq "$1"; }
wait_until 10 sec_after '^deliver rc=' || fail "no delivery after the restart"
sec_after '^deliver rc=0$' || fail "MsgDeliverEvent after the restart: $(tail -n +"$((mark + 1))" "$DIR/secev.out")"
wait_until 10 sec_after '^pulse code=12 value=99$' || fail "no secure-event pulse after the restart"
kill -9 "$watch" "$secev"
still_serving
exit 0
