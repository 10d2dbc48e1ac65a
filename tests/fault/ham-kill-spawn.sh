#!/bin/sh
# Behaviour: ntosim-ham SIGKILLed in the middle of starting a server leaves
# no server the next manager does not know of: a server runs only once the
# state file names it, so the next manager on the same state file starts
# exactly one instance (no duplicate), supervises it (a SIGKILL of it after
# the manager's restart is restarted), and shuts it down.
# Forced: NTOSIM_HAM_FAULT makes the manager SIGKILL itself at its second
# spawn (the restart after we SIGKILL the first server), once right after
# the fork ("spawned": the state file still names the dead first server)
# and once after the state file names the new child ("saved"). Before the
# fix the child of "spawned" ran the server unrecorded and the next manager
# started a second one.
. "${NTOSIM_SRCDIR:-.}/tests/fault/lib.sh"
need "$IPCD" "$HAM" "$HAMCTL" "$PATTERN"
start_ipcd
STATE=$DIR/hk.state
cat >"$DIR/hk.conf" <<EOF
[pat]
command = $PATTERN -p /dev/hk-pat
ready = /dev/hk-pat
backoff = 0ms 0ms
EOF
ctl() { timeout 30 "$HAMCTL" -n hk -t 20000 "$@"; }
# instances: pids running the server (the gated child, before its exec,
# still shows the manager's command line)
instances() {
	for p in $(ours_alive); do
		tr '\0' ' ' <"/proc/$p/cmdline" 2>/dev/null |
			grep -q -- '-p /dev/hk-pat' && echo "$p"
	done
}
none_left() { [ -z "$(ours_alive)" ]; }
pid_not() { # pid_not OLD: the manager reports a running pid other than OLD
	local p
	p=$(ctl pid pat 2>/dev/null) || return 1
	[ -n "$p" ] && [ "$p" != 0 ] && [ "$p" != "$1" ] && NEWPID=$p
}
one_instance() { # one_instance PID: exactly PID runs the server
	local got
	got=$(instances | tr '\n' ' ')
	[ "$got" = "$1 " ] || fail "$2: server instances '$got', expected '$1'"
}

for point in spawned saved; do
	NTOSIM_HAM_FAULT=$point=2 "$HAM" -n hk -f "$DIR/hk.conf" -S "$STATE" \
		>>"$DIR/ham1.out" 2>>"$DIR/ham1.err" &
	h1=$!
	track $h1
	ctl wait pat running >/dev/null || fail "$point: pat never ran"
	first=$(ctl pid pat) || fail "$point: no pid"
	one_instance "$first" "$point, first manager"
	kill -9 "$first"
	wait_exit $h1 20 || fail "$point: the manager did not reach its fault"
	[ "$STATUS" = 137 ] || fail "$point: manager exit status $STATUS, not SIGKILL"
	# the state file names the dead first server ("spawned") or the child
	# that was never released ("saved")
	named=$(sed -n 's/^pat \([0-9]*\) .*/\1/p' "$STATE")
	case $point in
	spawned) [ "$named" = "$first" ] || fail "spawned: state names '$named'" ;;
	saved) [ -n "$named" ] && [ "$named" != "$first" ] ||
		fail "saved: state names '$named' (first $first)" ;;
	esac
	# nothing of ours survives: the child saw the manager die and never
	# ran the server
	wait_until 10 none_left ||
		fail "$point: left running with no manager: $(instances | tr '\n' ' ')"

	"$HAM" -n hk -f "$DIR/hk.conf" -S "$STATE" \
		>>"$DIR/ham2.out" 2>>"$DIR/ham2.err" &
	h2=$!
	track $h2
	ctl wait pat running >/dev/null || fail "$point: second manager: pat never ran"
	p=$(ctl pid pat)
	one_instance "$p" "$point, second manager"
	grep -q "pat: pid $named of the previous manager is gone" "$DIR/ham2.err" ||
		fail "$point: second manager did not see pid $named gone"
	# supervised: killed, it is restarted, still one instance
	kill -9 "$p"
	wait_until 20 pid_not "$p" || fail "$point: pid $p not restarted"
	ctl wait pat running >/dev/null || fail "$point: restart never ran"
	one_instance "$NEWPID" "$point, after a restart"
	ctl shutdown >/dev/null || fail "$point: shutdown"
	wait_exit $h2 20 || fail "$point: second manager did not exit"
	[ "$STATUS" = 0 ] || fail "$point: second manager exit status $STATUS"
	wait_until 10 none_left || fail "$point: left behind: $(ours_alive)"
	[ ! -e "$STATE" ] || fail "$point: state file left after shutdown"
	: >"$DIR/ham2.err"
done
still_serving
exit 0
