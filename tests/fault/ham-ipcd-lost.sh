#!/bin/sh
# Behaviour: when ipcd dies and no new one comes within
# NTOSIM_CTL_RECONNECT_MS, every process of ours ends cleanly and leaves
# nothing allocated: ntosim-ham logs "control channel lost ... stopping",
# stops its servers (pattern, kv, file), answers the hamctl parked in it,
# removes its state file and exits 1; a hamctl waiting for a manager that
# never came says ipcd is not running (not "no manager") and exits 3; the
# same servers run bare end with status 2 and their own message, and
# started with no ipcd exit 1 with the reason. In a sanitizer build none
# prints a LeakSanitizer report (before the fix the manager leaked its
# name_attach_t, the servers their dispatch_t (616 bytes: the soak's
# report, from a server the manager started in ipcd's gap) and context).
# Forced: ipcd SIGKILLed under a running manager, a parked `hamctl wait`,
# a hamctl waiting for a missing manager and three bare servers, with
# NTOSIM_CTL_RECONNECT_MS=300 and no new ipcd.
. "${NTOSIM_SRCDIR:-.}/tests/fault/lib.sh"
need "$IPCD" "$HAM" "$HAMCTL" "$PATTERN" "$KVSRV" "$FILESRV" "$FAULT_CLI"
start_ipcd
NTOSIM_CTL_RECONNECT_MS=300
export NTOSIM_CTL_RECONNECT_MS
mkdir "$DIR/fs" "$DIR/fs2" || hard "mkdir"
STATE=$DIR/hil.state
cat >"$DIR/hil.conf" <<EOF
[pat]
command = $PATTERN -p /dev/hil-pat
ready = /dev/hil-pat
[kv]
command = $KVSRV -n hil-kv -f $DIR/kv.db
ready = hil-kv
[fs]
command = $FILESRV -d $DIR/fs -p /hil-fs
ready = /hil-fs
EOF
ctl() { timeout 30 "$HAMCTL" -n hil -t 20000 "$@"; }

bg ham "$HAM" -n hil -f "$DIR/hil.conf" -S "$STATE"
ham=$BG
managed=""
for s in pat kv fs; do
	ctl wait $s running >/dev/null || fail "$s never ran"
	p=$(ctl pid $s) || fail "no pid for $s"
	track "$p"
	managed="$managed $p"
done
[ -f "$STATE" ] || fail "no state file $STATE"

# a hamctl parked in the manager (a state that never comes)
bg ctlwait "$HAMCTL" -n hil -t 60000 wait pat failed
ctlwait=$BG
wait_until 10 in_state "$ctlwait" REPLY || fail "hamctl wait never parked"
# a hamctl waiting for a manager that never comes (nto_path_wait on its
# name; known to ipcd once it has asked)
bg ctlnone "$HAMCTL" -n hil-none -t 60000 wait pat running
ctlnone=$BG
wait_until 10 known "$ctlnone" || fail "hamctl -n hil-none never reached ipcd"

# the same servers, bare: nobody stops them, they see ipcd go themselves
bg pat2 "$PATTERN" -p /dev/hil-pat2
pat2=$BG
bg kv2 "$KVSRV" -n hil-kv2 -f "$DIR/kv2.db"
kv2=$BG
bg fs2 "$FILESRV" -d "$DIR/fs2" -p /hil-fs2
fs2=$BG
for p in /dev/hil-pat2 /dev/name/local/hil-kv2 /hil-fs2; do
	wait_path "$p" || fail "$p never registered"
done

kill -9 "$IPCD_PID"

wait_exit "$ham" 30 || fail "ntosim-ham still running with ipcd gone"
[ "$STATUS" = 1 ] || fail "ntosim-ham exit status $STATUS, not 1"
grep -q 'ntosim-ham: control channel lost (No such process): ipcd is gone; stopping' "$DIR/ham.err" ||
	fail "ntosim-ham did not say it lost ipcd"
grep -q 'ntosim-ham: all servers stopped; exiting' "$DIR/ham.err" ||
	fail "ntosim-ham did not stop its servers"
[ ! -e "$STATE" ] || fail "state file left behind: $(cat "$STATE")"
for p in $managed; do
	exited "$p" || fail "managed server pid $p outlived its manager"
done

wait_exit "$ctlwait" 30 || fail "hamctl wait still running"
[ "$STATUS" = 1 ] || fail "hamctl wait exit status $STATUS, not 1"
grep -q '^hamctl: wait pat failed: ' "$DIR/ctlwait.err" ||
	fail "hamctl wait: $(cat "$DIR/ctlwait.err")"

wait_exit "$ctlnone" 30 || fail "hamctl -n hil-none still running"
[ "$STATUS" = 3 ] || fail "hamctl -n hil-none exit status $STATUS, not 3"
grep -q '^hamctl: no manager named hil-none: ipcd is not running' "$DIR/ctlnone.err" ||
	fail "hamctl -n hil-none: $(cat "$DIR/ctlnone.err")"

for b in pat2:dispatch_block kv2:MsgReceive fs2:dispatch_block; do
	name=${b%%:*}
	eval "p=\$$name"
	wait_exit "$p" 30 || fail "bare $name still running with ipcd gone"
	[ "$STATUS" = 2 ] || fail "bare $name exit status $STATUS, not 2"
	grep -q ": ${b#*:}: No such process\$" "$DIR/$name.err" ||
		fail "bare $name: $(cat "$DIR/$name.err")"
done

# started while no ipcd runs (as a restart manager may in ipcd's gap):
# exit 1 with the reason, nothing leaked (dispatch_t, the soak's report)
bg pat3 "$PATTERN" -p /dev/hil-pat3
wait_exit "$BG" 30 || fail "pattern without ipcd still running"
[ "$STATUS" = 1 ] || fail "pattern without ipcd: exit status $STATUS, not 1"
grep -q '^ntosim-pattern: resmgr_attach /dev/hil-pat3: Transport endpoint is not connected$' "$DIR/pat3.err" ||
	fail "pattern without ipcd: $(cat "$DIR/pat3.err")"
bg kv3 "$KVSRV" -n hil-kv3 -f "$DIR/kv3.db"
wait_exit "$BG" 30 || fail "kvsrv without ipcd still running"
[ "$STATUS" = 1 ] || fail "kvsrv without ipcd: exit status $STATUS, not 1"
grep -q '^ntosim-kvsrv: name_attach hil-kv3: Transport endpoint is not connected$' "$DIR/kv3.err" ||
	fail "kvsrv without ipcd: $(cat "$DIR/kv3.err")"
bg fs3 "$FILESRV" -d "$DIR/fs2" -p /hil-fs3
wait_exit "$BG" 30 || fail "filesrv without ipcd still running"
[ "$STATUS" = 1 ] || fail "filesrv without ipcd: exit status $STATUS, not 1"
grep -q '^ntosim-filesrv: resmgr_attach /hil-fs3: Transport endpoint is not connected$' "$DIR/fs3.err" ||
	fail "filesrv without ipcd: $(cat "$DIR/fs3.err")"
san_clean
