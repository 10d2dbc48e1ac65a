#!/bin/sh
# The soak's watchdog for one client run: hang-dump.sh SECONDS PGID FILE PIDIN.
# After SECONDS (just before the run's bound), if process group PGID still
# has members, append to FILE-<time> what each is blocked in: every thread's
# kernel wait channel, its system call and arguments, the kernel stack where
# readable, and gdb's backtraces when gdb is installed; then ipcd's view
# (pidin). The soak kills this script's process group when the run ends in
# time, so normally it prints nothing. Diagnosis only: no result depends on it.
secs=$1 pg=$2 out=$3-$(date +%s) pidin=$4
sleep "$secs"
pids=$(ps -e -o pid=,pgid= | awk -v g="$pg" '$2 == g { print $1 }')
[ -n "$pids" ] || exit 0
# show PID: its threads' states, wait channels and system calls, kernel
# stacks where readable, gdb's backtraces where gdb is installed
show() {
	echo "== pid $1: $(tr '\0' ' ' <"/proc/$1/cmdline" 2>/dev/null)"
	for t in /proc/"$1"/task/*; do
		echo "  tid ${t##*/} $(cat "$t/comm" 2>/dev/null)" \
			"state $(sed -n 's/^State:\t//p' "$t/status" 2>/dev/null)" \
			"wchan $(cat "$t/wchan" 2>/dev/null)" \
			"syscall $(cat "$t/syscall" 2>/dev/null)"
		sed 's/^/    /' "$t/stack" 2>/dev/null | head -n 4
	done
	if command -v gdb >/dev/null 2>&1; then
		timeout 30 gdb -batch -nx -p "$1" \
			-ex 'thread apply all bt 12' 2>/dev/null |
			grep -E '^(Thread|#)' | grep -v 'in ?? ()' | head -n 50
	fi
}
{
	timeout 10 "$pidin" >"$out.pidin" 2>&1
	# first the servers the group's threads are blocked on, then the
	# soak's own logs (its DIR is FILE's grandparent), then the group
	for p in $(sed -n 's/.* \(SEND\|REPLY\) *pid \([0-9]*\) .*/\2/p' \
		"$out.pidin" | sort -u); do
		echo "-- a server the client waits for"
		show "$p"
	done
	d=$(dirname "$(dirname "$3")")
	echo "== plans.log (last 12)"
	tail -n 12 "$d/plans.log" 2>/dev/null
	echo "== chaos.log (last 20)"
	tail -n 20 "$d/chaos.log" 2>/dev/null
	echo "== process group $pg after ${secs} s"
	for p in $pids; do show "$p"; done
	echo "== pidin"
	cat "$out.pidin"
	rm -f "$out.pidin"
} >"$out" 2>&1
