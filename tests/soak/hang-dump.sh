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
{
	echo "process group $pg after ${secs} s:"
	for p in $pids; do
		echo "== pid $p: $(tr '\0' ' ' <"/proc/$p/cmdline" 2>/dev/null)"
		for t in /proc/"$p"/task/*; do
			echo "  tid ${t##*/} $(cat "$t/comm" 2>/dev/null)" \
				"state $(sed -n 's/^State:\t//p' "$t/status" 2>/dev/null)" \
				"wchan $(cat "$t/wchan" 2>/dev/null)" \
				"syscall $(cat "$t/syscall" 2>/dev/null)"
			sed 's/^/    /' "$t/stack" 2>/dev/null | head -n 8
		done
		if command -v gdb >/dev/null 2>&1; then
			timeout 30 gdb -batch -nx -p "$p" \
				-ex 'thread apply all bt 12' 2>/dev/null |
				grep -E '^(Thread|#)' | head -n 60
		fi
	done
	echo "== pidin"
	timeout 10 "$pidin" 2>&1 | head -n 60
} >"$out" 2>&1
