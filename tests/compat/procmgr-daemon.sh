#!/bin/sh
# procmgr_daemon: a resource manager that calls resmgr_attach and then
# procmgr_daemon (the order QNX servers use) keeps serving its path from
# the background child, which ipcd now knows as the owner; one that
# daemonizes first and attaches after works too. Checked: the caller's
# exit status, output printed before the call appears once, the child's
# session, cwd, umask, fds 0-2 and other fds for the default flags and for
# NOCHDIR|NOCLOSE|NODEVNULL|KEEPUMASK, and that killing the daemon removes
# its path (ipcd reaps the right process).
. "$NTOSIM_SRCDIR/tests/fault/lib.sh"

PMD=$NTOSIM_BUILDDIR/tests/compat/pm-daemon
PMR=$NTOSIM_BUILDDIR/tests/compat/pm-read
need "$PMD" "$PMR" "$FAULT_CLI"
start_ipcd
umask 022
KEEP=$DIR/keep.txt
: >"$KEEP"
HERE=$(pwd -P)

# start NAME ORDER PATH STATUS FLAGS: run the server, wait for the caller
# to exit with STATUS, read PATH; sets DPID (who served) and PARENT.
start() {
	name=$1 path=$3 status=$4
	bg "$name" "$PMD" "$2" "$3" "$4" "$5" "$KEEP"
	PARENT=$BG
	wait_exit "$PARENT" 10 || fail "$name: the caller of procmgr_daemon did not exit"
	[ "$STATUS" = "$status" ] || fail "$name: exit status $STATUS, expected $status"
	wait_path "$path" || fail "$name: $path is not registered"
	out=$(timeout 10 "$PMR" "$path") || fail "$name: reading $path failed"
	DPID=${out#pid=}
	[ "$out" = "pid=$DPID" ] || fail "$name: read gave '$out'"
	[ "$DPID" != "$PARENT" ] || fail "$name: served by the exited caller"
	kill -0 "$DPID" 2>/dev/null || fail "$name: daemon $DPID is not running"
	track "$DPID"
	[ "$(lines "$DIR/$name.out" "^starting $path\$")" = 1 ] ||
		fail "$name: 'starting' printed $(lines "$DIR/$name.out" starting) times"
	# setsid(): the daemon leads its own session
	[ "$(cut -d' ' -f6 "/proc/$DPID/stat")" = "$DPID" ] ||
		fail "$name: daemon is not a session leader"
	known "$DPID" || fail "$name: ipcd does not know the daemon $DPID"
	! known "$PARENT" || fail "$name: ipcd still lists the caller $PARENT"
}

fd_target() { readlink "/proc/$DPID/fd/$1"; }
keeps_file() { ls -l "/proc/$DPID/fd" 2>/dev/null | grep -q "$KEEP"; }

# default flags, attach first, exit status 7
start a attach-first /dev/pm-a 7 0
[ "$(readlink "/proc/$DPID/cwd")" = / ] || fail "a: cwd is not /"
grep -q '^Umask:[[:space:]]*0000$' "/proc/$DPID/status" || fail "a: umask is not 0"
for fd in 0 1 2; do
	[ "$(fd_target $fd)" = /dev/null ] || fail "a: fd $fd is $(fd_target $fd)"
done
! keeps_file || fail "a: a descriptor opened before procmgr_daemon is still open"
# a second client, then the daemon dies: ipcd reaps it and its path goes
out=$(timeout 10 "$PMR" /dev/pm-a) || fail "a: second read failed"
[ "$out" = "pid=$DPID" ] || fail "a: second read gave '$out'"
kill -9 "$DPID"
wait_until 10 eval '! has_path /dev/pm-a' || fail "a: /dev/pm-a outlived its daemon"

# every flag set, daemonize first, exit status 0
start b daemon-first /dev/pm-b 0 0xf
[ "$(readlink "/proc/$DPID/cwd")" = "$HERE" ] || fail "b: NOCHDIR: cwd changed"
grep -q '^Umask:[[:space:]]*0022$' "/proc/$DPID/status" || fail "b: KEEPUMASK: umask changed"
[ "$(fd_target 1)" = "$DIR/b.out" ] || fail "b: NODEVNULL: stdout is $(fd_target 1)"
keeps_file || fail "b: NOCLOSE: the descriptor opened before was closed"
wait_line "$DIR/b.err" "^daemon pid=$DPID\$" || fail "b: stderr of the daemon lost"

# every flag set, attach first (QNX servers' usual NOCLOSE|NODEVNULL)
start c attach-first /dev/pm-c 0 0x6
out=$(timeout 10 "$PMR" /dev/pm-b) || fail "c: /dev/pm-b no longer served"
[ "${out#pid=}" != "$DPID" ] || fail "c: wrong server"
wait_line "$DIR/c.err" "^daemon pid=$DPID\$" || fail "c: stderr of the daemon lost"
exit 0
