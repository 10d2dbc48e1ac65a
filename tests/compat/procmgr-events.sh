#!/bin/sh
# procmgr_event_notify(PROCMGR_EVENT_PROCESS_DEATH): a watcher registered
# with an updateable pulse gets the pid of a server SIGKILLed, and its
# extra non-updateable registration its own value once (then deleted),
# and a signal registration (SIGRTMIN, updateable) the pid too; a name
# registration is a PATHSPACE event; a triggered SYNC event arrives.
# Forced by SIGKILL of a registered server process.
. "$NTOSIM_SRCDIR/tests/fault/lib.sh"

PMW=$NTOSIM_BUILDDIR/tests/compat/pm-deathwatch
need "$PMW" "$FAULT_SRV" "$FAULT_CLI"
start_ipcd
bg watch "$PMW"
WATCH=$BG
wait_line "$DIR/watch.out" '^ready$' || fail "watcher did not start"
wait_line "$DIR/watch.out" '^sync value=99$' ||
	fail "procmgr_event_trigger_updateable(SYNC) did not arrive"
bg victim "$FAULT_SRV" -n victim
VICTIM=$BG
wait_path /dev/name/local/victim || fail "victim did not register"
wait_line "$DIR/watch.out" '^pathspace$' || fail "no PATHSPACE event"
kill -9 "$VICTIM"
wait_exit "$VICTIM" 10 || hard "victim survived SIGKILL"
wait_line "$DIR/watch.out" "^died pid=$VICTIM\$" ||
	fail "no death pulse for $VICTIM"
wait_line "$DIR/watch.out" "^signal pid=$VICTIM\$" ||
	fail "no death signal for $VICTIM"
wait_line "$DIR/watch.out" '^extra value=42$' ||
	fail "the non-updateable registration did not keep its value"
wait_line "$DIR/watch.out" '^deleted$' || fail "procmgr_event_notify_delete"
# deleted: later deaths bring no "extra" pulse
bg victim2 "$FAULT_SRV" -n victim2
V2=$BG
wait_path /dev/name/local/victim2 || fail "victim2 did not register"
kill -9 "$V2"
wait_exit "$V2" 10 || hard "victim2 survived SIGKILL"
wait_line "$DIR/watch.out" "^died pid=$V2\$" || fail "no death pulse for $V2"
[ "$(lines "$DIR/watch.out" '^extra')" = 1 ] || fail "deleted registration still fires"
! grep -Eq 'unexpected|no signal' "$DIR/watch.out" ||
	fail "$(grep -E 'unexpected|no signal' "$DIR/watch.out")"
# the watcher's own death drops its registrations: ipcd stays sane
kill -9 "$WATCH"
wait_exit "$WATCH" 10 || hard "watcher survived SIGKILL"
still_serving
exit 0
