#!/bin/sh
# slog2 and slogf: with NTOSIM_SLOG=stderr each line a QNX program logs
# appears on stderr as "<set>.<buffer>[pid]: <SEVERITY> <code>: <text>"
# (slogf: "<program>[pid]: ..."), lines above the verbosity do not, and
# slog2fa's argument pairs are decoded. The program links with -lslog2
# only. (syslog is the default sink; it is not read back here.)
. "$NTOSIM_SRCDIR/tests/fault/lib.sh"
# QNX-style programs exit holding what they attached or registered (a
# name, a dispatch context, a slog2 buffer set), as QNX programs do; in a
# sanitizer build that is not a leak to report. libnto's own leaks are
# checked by the unit tests.
ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0"
export ASAN_OPTIONS

PMS=$NTOSIM_BUILDDIR/tests/compat/pm-slog
need "$PMS"
DIR=$(mktemp -d "${TMPDIR:-/tmp}/ntosim-pm-XXXXXX") || hard mktemp
NTOSIM_SLOG=stderr timeout 10 "$PMS" >"$DIR/slog.out" 2>"$DIR/slog.err" ||
	fail "pm-slog failed: $(cat "$DIR/slog.err")"
E=$DIR/slog.err
expect() {
	[ "$(lines "$E" "$1")" = 1 ] || fail "expected one line matching '$1' in: $(cat "$E")"
}
expect '^pmslog\.main\[[0-9]+\]: INFO 11: started 42 ok$'
expect '^pmslog\.hi_rate\[[0-9]+\]: ERROR 13: constant string$'
expect '^pmslog\.main\[[0-9]+\]: WARNING 14: s=hello n=-5 big=1234567890123 w=\[   7\] pi=3\.14$'
expect '^pmslog\.main\[[0-9]+\]: DEBUG2 15: shown at DEBUG2 verbosity$'
expect '^pm-slog\[[0-9]+\]: NOTICE 3145734: old api 7$'
[ "$(lines "$E" hidden)" = 0 ] || fail "a line above the verbosity was logged"
[ "$(wc -l <"$E")" = 5 ] || fail "unexpected lines: $(cat "$E")"
# NTOSIM_SLOG=none: nothing on stderr
NTOSIM_SLOG=none timeout 10 "$PMS" 2>"$DIR/none.err" || fail "pm-slog failed"
[ ! -s "$DIR/none.err" ] || fail "NTOSIM_SLOG=none wrote: $(cat "$DIR/none.err")"
exit 0
