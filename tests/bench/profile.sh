#!/bin/sh
# profile.sh: where the microseconds go. For a round trip of SIZE bytes
# (MsgSend and the floor: the futex hand-off with libnto's spin policy):
# perf stat (CPU, context switches, syscalls and futex calls per round
# trip), perf sched latency (wake-up to running: the futex wake latency)
# and perf record (the hottest symbols, client and server together). For a
# connection set-up loop (SIZE one of the connect case's rows: open, name,
# attach, attach_send, attach_shared, unix): the same counts per pair for
# the bench's processes and for ipcd, the syscalls they make, and the
# hottest symbols of each. A report, not a test; needs perf and permission
# to trace (root, or kernel.perf_event_paranoid <= 1). `make bench-profile`
# runs it.
#
#	profile.sh BUILDDIR [SIZE|ROW [OUTDIR]]
# The raw perf data stays in OUTDIR (default: a temp dir, removed).
set -u

BUILDDIR=${1:?usage: profile.sh BUILDDIR [SIZE [OUTDIR]]}
SIZE=${2:-64}
OUT=${3:-}
if [ "${NTOSIM_PROFILE_INNER:-}" != 1 ]; then
	command -v perf >/dev/null 2>&1 || { echo "profile.sh: no perf" >&2; exit 77; }
	NTOSIM_PROFILE_INNER=1
	export NTOSIM_PROFILE_INNER
	# run-bench.sh is a source file: next to this script, which need not
	# be in BUILDDIR (a VPATH build, make distcheck)
	exec sh "$(dirname "$0")/run-bench.sh" "$BUILDDIR" --exec \
		sh "$0" "$@"
fi
BENCH=$BUILDDIR/tests/bench/bench
KEEP=1
if [ -z "$OUT" ]; then
	OUT=$(mktemp -d "${TMPDIR:-/tmp}/ntosim-profile-XXXXXX") || exit 99
	KEEP=0
fi
mkdir -p "$OUT" || exit 99
: "${NTOSIM_BENCH_REP_S:=0.5}"
export NTOSIM_BENCH_REP_S

# value KEY FILE: the case's "KEY value" line
value() { sed -n "s/^$1 //p" "$2" | head -n 1; }
# count EVENT FILE: a perf stat counter (CSV output)
count() { awk -F, -v e="$1" '$3 == e { print $1 }' "$2" | head -n 1; }
# per A B [M]: A * M / B, 2 decimals
per() { awk -v a="$1" -v b="$2" -v m="${3:-1}" 'BEGIN { if (b > 0) printf "%.2f", a * m / b; else print "-" }'; }

finish() {
	if [ $KEEP = 0 ]; then
		rm -rf "$OUT"
	else
		echo
		echo "perf data in $OUT (perf report -i $OUT/<case>.data)"
	fi
}

# connect_profile: one connect row in a loop (the bench's processes: the
# client, the servers it forked) against ipcd, per pair
connect_profile() {
	ipcd_pid=$(cat "$NTOSIM_SOCKET.pid") || return
	echo "profile of the connect loop '$SIZE' ($(date -u '+%Y-%m-%d %H:%M UTC'), load $(cut -d' ' -f1 /proc/loadavg), nproc $(nproc))"
	ev=task-clock,context-switches,page-faults,raw_syscalls:sys_enter
	# 1. counts per pair, bench processes and ipcd
	perf stat -x, -o "$OUT/ipcd.stat" -e $ev -p "$ipcd_pid" &
	sp=$!
	NTOSIM_BENCH_REPS=1 perf stat -x, -o "$OUT/bench.stat" -e $ev \
		"$BENCH" --case connect "$SIZE" >"$OUT/connect.out" 2>"$OUT/connect.err"
	kill -INT $sp
	wait $sp
	n=$(value "${SIZE}_total" "$OUT/connect.out")
	[ -n "$n" ] || {
		echo "connect $SIZE failed: $(tail -n 2 "$OUT/connect.err")"
		return
	}
	echo
	echo "== $SIZE: $(per "$(value "${SIZE}_ns" "$OUT/connect.out")" 1000) us per pair (median), $n pairs" \
		"(counts include the case's set-up: its servers' start)"
	for w in bench ipcd; do
		echo "   per pair, $w: CPU $(per "$(count task-clock "$OUT/$w.stat")" "$n" 1000) us," \
			"context switches $(per "$(count context-switches "$OUT/$w.stat")" "$n")," \
			"syscalls $(per "$(count raw_syscalls:sys_enter "$OUT/$w.stat")" "$n")," \
			"page faults $(per "$(count page-faults "$OUT/$w.stat")" "$n")"
	done
	# 2. which syscalls (strace -c of a shorter loop: strace slows it)
	if command -v strace >/dev/null 2>&1; then
		strace -c -f -o "$OUT/ipcd.strace" -p "$ipcd_pid" 2>/dev/null &
		sp=$!
		NTOSIM_BENCH_REPS=1 NTOSIM_BENCH_REP_S=0.2 strace -c -f \
			-o "$OUT/bench.strace" "$BENCH" --case connect "$SIZE" \
			>"$OUT/strace.out" 2>/dev/null
		kill -INT $sp
		wait $sp
		n=$(value "${SIZE}_total" "$OUT/strace.out")
		for w in bench ipcd; do
			echo "   syscalls per pair under strace, $w (top 12):" $(awk -v n="${n:-1}" \
				'$NF ~ /^[a-z_0-9]+$/ && $4 ~ /^[0-9]+$/ && $NF != "total" { printf "%d %s %.2f\n", $4, $NF, $4 / n }' \
				"$OUT/$w.strace" | sort -rn | head -n 12 | awk '{ printf "%s %s, ", $2, $3 }')
		done
	fi
	# 3. where the samples are
	perf record -q -F 5000 -e cpu-clock -g -o "$OUT/ipcd.data" -p "$ipcd_pid" \
		>/dev/null 2>&1 &
	sp=$!
	NTOSIM_BENCH_REPS=1 perf record -q -F 5000 -e cpu-clock -g \
		-o "$OUT/bench.data" "$BENCH" --case connect "$SIZE" >/dev/null 2>&1
	kill -INT $sp
	wait $sp
	for w in bench ipcd; do
		echo "   hottest symbols, $w (self, % of samples):"
		perf report -i "$OUT/$w.data" --no-children --sort dso,symbol \
			--stdio -g none 2>/dev/null | grep '%' | head -n 12 |
			sed 's/^/   /'
	done
}

case $SIZE in
open | name | attach | attach_send | attach_shared | unix)
	connect_profile
	finish
	exit 0
	;;
esac
echo "profile of a $SIZE B round trip ($(date -u '+%Y-%m-%d %H:%M UTC'), load $(cut -d' ' -f1 /proc/loadavg), nproc $(nproc))"
for c in rt-msg rt-floor; do
	p=$OUT/$c
	# 1. counts per round trip
	perf stat -x, -o "$p.stat" -e task-clock,context-switches,cpu-migrations,page-faults,raw_syscalls:sys_enter,syscalls:sys_enter_futex \
		"$BENCH" --case $c "$SIZE" >"$p.out" 2>"$p.err" || {
		echo "$c: perf stat failed: $(tail -n 2 "$p.err")"
		continue
	}
	n=$(value rt_total "$p.out")
	n=$((${n%.*} + 1))
	echo
	echo "== $c $SIZE B: $(value rt_ns "$p.out") ns per round trip (median), $n round trips"
	echo "   per round trip, both processes: CPU $(per "$(count task-clock "$p.stat")" $((n / 1000))) us," \
		"context switches $(per "$(count context-switches "$p.stat")" $n)," \
		"syscalls $(per "$(count raw_syscalls:sys_enter "$p.stat")" $n)," \
		"futex calls $(per "$(count syscalls:sys_enter_futex "$p.stat")" $n)," \
		"page faults $(per "$(count page-faults "$p.stat")" $n)"
	echo "   sleeps per round trip client/server: $(value rt_cli_sleeps "$p.out")/$(value rt_srv_sleeps "$p.out");" \
		"CPU us client/server: $(per "$(value rt_cli_cpu_ns "$p.out")" 1000)/$(per "$(value rt_srv_cpu_ns "$p.out")" 1000)"
	# 2. wake-up latency: from sched_wakeup to running
	NTOSIM_BENCH_REPS=1 perf sched record -q -o "$p.sched" \
		"$BENCH" --case $c "$SIZE" >/dev/null 2>&1 &&
		perf sched latency -i "$p.sched" 2>/dev/null |
		awk -F'|' '$1 ~ /bench/ { gsub(/  +/, " "); printf "   wake-up to running (perf sched latency):%sswitches,%s,%s\n", $3, $4, $5 }'
	# 3. where the samples are
	NTOSIM_BENCH_REPS=1 perf record -q -F 10000 -e cpu-clock -g -o "$p.data" \
		"$BENCH" --case $c "$SIZE" >/dev/null 2>&1 || continue
	echo "   hottest symbols (self, % of samples; client and server):"
	perf report -i "$p.data" --no-children --sort dso,symbol --stdio \
		-g none 2>/dev/null | grep '%' | head -n 14 | sed 's/^/   /'
done
finish
