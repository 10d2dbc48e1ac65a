#!/bin/sh
# Behaviour under test: unmodified coreutils against the servers ntosim
# ships, through LD_PRELOAD=libnto.so: ntosim-filesrv (cat, head -c, dd and
# cp in both directions, stat, rm, all checked against the host directory
# it exports) and ntosim-pattern (cat, dd and cp see the same bytes and the
# advertised size). Skipped if those servers are not built.
# How: a private ipcd; each server runs in the foreground under a prefix
# that does not exist on disk; `posix_rm -W` waits (woken by ipcd) until
# its path is registered.
. "$(dirname "$0")/preload_common.sh"

FILESRV=$NTOSIM_BUILDDIR/ntosim-filesrv
PATTERN=$NTOSIM_BUILDDIR/ntosim-pattern
[ -x "$FILESRV" ] && [ -x "$PATTERN" ] || skip "servers not built"

# start_fg LOG PATH CMD...: a foreground server, returned once PATH resolves
start_fg() {
	_log=$1 _path=$2
	shift 2
	"$@" >"$TMP/$_log" 2>&1 &
	SRV_PIDS="$SRV_PIDS $!"
	timeout "$WAIT" "$POSIX_RM" -W "$_path" ||
		hard "$1 did not register $_path: $(cat "$TMP/$_log")"
}

mkdir "$TMP/host" || hard "mkdir"
head -c 300000 /dev/urandom >"$TMP/src" || hard "urandom"
cp "$TMP/src" "$TMP/host/f1" || hard "cp"
start_fg filesrv.log "$P/fs" "$FILESRV" -d "$TMP/host" -p "$P/fs"

run cat "$P/fs/f1" >"$TMP/out" || fail "cat"
cmp -s "$TMP/src" "$TMP/out" || fail "cat: wrong bytes"
run head -c 5000 "$P/fs/f1" >"$TMP/out" || fail "head -c"
head -c 5000 "$TMP/src" >"$TMP/expect"
cmp -s "$TMP/expect" "$TMP/out" || fail "head -c: wrong bytes"
run dd if="$P/fs/f1" of="$TMP/dd" bs=4k status=none || fail "dd if="
cmp -s "$TMP/src" "$TMP/dd" || fail "dd if=: wrong bytes"
run dd if="$TMP/src" of="$P/fs/f2" bs=4k status=none || fail "dd of="
cmp -s "$TMP/src" "$TMP/host/f2" || fail "dd of=: wrong bytes on the host"
run cp "$TMP/src" "$P/fs/f3" || fail "cp to the server"
cmp -s "$TMP/src" "$TMP/host/f3" || fail "cp to: wrong bytes on the host"
run cp "$P/fs/f3" "$TMP/cp" || fail "cp from the server"
cmp -s "$TMP/src" "$TMP/cp" || fail "cp from: wrong bytes"
[ "$(run stat -c %s "$P/fs/f1")" = 300000 ] || fail "stat: size"
run rm "$P/fs/f2" || fail "rm"
[ -e "$TMP/host/f2" ] && fail "rm: the host file is still there"

start_fg pattern.log "$P/pat" "$PATTERN" -p "$P/pat" -s 1M
run cat "$P/pat" >"$TMP/p1" || fail "cat pattern"
run dd if="$P/pat" of="$TMP/p2" bs=4k status=none || fail "dd pattern"
run cp "$P/pat" "$TMP/p3" || fail "cp pattern"
[ "$(wc -c <"$TMP/p1")" -eq 1048576 ] || fail "pattern: size"
cmp -s "$TMP/p1" "$TMP/p2" || fail "pattern: cat and dd differ"
cmp -s "$TMP/p1" "$TMP/p3" || fail "pattern: cat and cp differ"
exit 0
