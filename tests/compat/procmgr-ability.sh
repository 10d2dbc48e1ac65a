#!/bin/sh
# procmgr_ability: QNX 7/8 ability lists are accepted (EOK), locked
# abilities refuse changes (EPERM), malformed ones are refused (EINVAL),
# names and custom abilities resolve. Nothing is enforced on Linux.
. "$NTOSIM_SRCDIR/tests/fault/lib.sh"

PMA=$NTOSIM_BUILDDIR/tests/compat/pm-ability
need "$PMA"
DIR=$(mktemp -d "${TMPDIR:-/tmp}/ntosim-pm-XXXXXX") || hard mktemp
timeout 10 "$PMA" >"$DIR/ability.out" 2>&1 || fail "$(cat "$DIR/ability.out")"
[ "$(lines "$DIR/ability.out" WRONG)" = 0 ] || fail "$(cat "$DIR/ability.out")"
exit 0
