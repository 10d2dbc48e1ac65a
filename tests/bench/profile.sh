#!/bin/sh
# profile.sh: where the microseconds of a round trip go. For MsgSend and
# for the floor (the futex hand-off with libnto's spin policy), one SIZE:
# perf stat (CPU, context switches, syscalls and futex calls per round
# trip), perf sched latency (wake-up to running: the futex wake latency)
# and perf record (the hottest symbols, client and server together).
# A report, not a test; needs perf and permission to trace (root, or
# kernel.perf_event_paranoid <= 1). `make bench-profile` runs it.
#
#	profile.sh BUILDDIR [SIZE [OUTDIR]]
# The raw perf data stays in OUTDIR (default: a temp dir, removed).
set -u

BUILDDIR=${1:?usage: profile.sh BUILDDIR [SIZE [OUTDIR]]}
SIZE=${2:-64}
OUT=${3:-}
if [ "${NTOSIM_PROFILE_INNER:-}" != 1 ]; then
	command -v perf >/dev/null 2>&1 || { echo "profile.sh: no perf" >&2; exit 77; }
	NTOSIM_PROFILE_INNER=1
	export NTOSIM_PROFILE_INNER
	exec sh "$BUILDDIR/tests/bench/run-bench.sh" "$BUILDDIR" --exec \
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
per() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "-" }'; }

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
if [ $KEEP = 0 ]; then
	rm -rf "$OUT"
else
	echo
	echo "perf data in $OUT (perf report -i $OUT/rt-msg.data)"
fi
