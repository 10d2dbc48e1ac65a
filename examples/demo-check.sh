#!/bin/sh
# The demo's short form, as a test (examples/demo.am): the whole end-to-end
# scenario of examples/demo.sh (private ipcd, ntosim-ham with three servers,
# libha clients, random SIGKILLs) for DEMO_SECONDS (default 8) seconds; it
# passes when the demo reports errors: 0, leaves nothing running, and its
# text reads right for a newcomer (issue 12): the legend comes before the
# run, lines of the same millisecond are in cause-and-effect order (kill,
# restarting, ready, then clients), every kill of pattern shows a reader
# recovery or says why none was needed, the guide's expected fd2 failure
# is not labelled an error, and counts of one are singular.
: "${NTOSIM_SRCDIR:=$(cd "$(dirname "$0")/.." && pwd)}"
DEMO_SECONDS=${DEMO_SECONDS:-8}
export DEMO_SECONDS
command -v bash >/dev/null 2>&1 || { echo "SKIP: no bash"; exit 77; }
OUT=$(mktemp "${TMPDIR:-/tmp}/ntosim-demo-check.XXXXXX") || exit 99
trap 'rm -f "$OUT"' EXIT
bash "$NTOSIM_SRCDIR/examples/demo.sh" >"$OUT" 2>&1
rc=$?
cat "$OUT"
[ $rc = 0 ] || exit $rc
fail() { echo "FAIL: $*"; exit 1; }
# the legend, before the first kill and the timeline
legend=$(grep -n 'What the names mean:' "$OUT" | cut -d: -f1)
first=$(grep -n -m 1 -E '^ +[0-9.]+s  SIGKILL|^Timeline' "$OUT" | cut -d: -f1)
[ -n "$legend" ] && [ "$legend" -lt "$first" ] || fail "no legend before the run"
for term in guide-simple guide-state '"failure streak"' 'exactly once' 'fs, pattern, kv'; do
	sed -n "${legend},${first}p" "$OUT" | grep -qF -- "$term" || fail "the legend does not explain $term"
done
! grep -Eq '(^|[^0-9.])1 (recoveries|runs|reads)' "$OUT" || fail "plural after 1: $(grep -E '(^|[^0-9.])1 (recoveries|runs|reads)' "$OUT")"
! grep -Eq '^ +[0-9.]+s  guide-[a-z]+ +error' "$OUT" || fail "an expected outcome is labelled error"
sed -n '/^Timeline/,/^Summary/p' "$OUT" | awk '
	function rank(who, what) {
		return who == "demo" ? 0 : who == "kill" ? 1 : who == "ham" ? (what ~ /^ready:/ ? 3 : 2) : 4
	}
	/^ +[0-9]+\.[0-9]+s  / {
		r = rank($2, $3 == "ready:" || $4 == "ready:" ? "ready:" : "")
		if ($1 == t && r < last) { print "FAIL: out of order at " $1 ": " $0; bad = 1 }
		t = $1; last = r
	}
	/SIGKILL pattern/ { if (open) { print "FAIL: unexplained: " kill; bad = 1 } open = !/nothing to recover/; kill = $0 }
	/  reader +recovered/ { open = 0 }
	END { if (open) { print "FAIL: unexplained: " kill; bad = 1 } exit bad }' ||
	exit 1
exit 0
