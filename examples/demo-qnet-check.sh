#!/bin/sh
# `make demo-qnet`'s short form as a test: three nodes, the HA reader on
# alpha reading beta's (or gamma's) pattern device while servers, network
# managers and links are killed, for DEMO_SECONDS (default 10). Passes when
# the demo reports errors: 0 and the reader verified bytes after recoveries.
: "${NTOSIM_SRCDIR:=$(cd "$(dirname "$0")/.." && pwd)}"
DEMO_SECONDS=${DEMO_SECONDS:-10}
export DEMO_SECONDS
command -v bash >/dev/null 2>&1 || { echo "SKIP: no bash"; exit 77; }
OUT=$(mktemp "${TMPDIR:-/tmp}/ntosim-demo-qnet-check.XXXXXX") || exit 99
trap 'rm -f "$OUT"' EXIT
bash "$NTOSIM_SRCDIR/examples/demo-qnet.sh" >"$OUT" 2>&1
rc=$?
cat "$OUT"
[ $rc = 0 ] || exit $rc
grep -q '^  errors: 0$' "$OUT" || { echo "FAIL: no 'errors: 0'"; exit 1; }
grep -Eq '^  ok [1-9][0-9]* bytes verified' "$OUT" || { echo "FAIL: nothing verified"; exit 1; }
exit 0
