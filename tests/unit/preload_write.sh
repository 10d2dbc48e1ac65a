#!/bin/sh
# Behaviour under test: unmodified programs write to a simulated resource
# manager through LD_PRELOAD=libnto.so: cp to and between simulated files,
# dd of= (whole, and conv=notrunc seek= into the middle), a shell
# redirection, rm, truncate and stat, and the EROFS of a read-only server.
# How: a private ipcd and posix_rm servers under prefixes that do not exist
# on disk; what the server holds is read back through preloaded cat and
# compared with cmp against the expected host-side bytes.
. "$(dirname "$0")/preload_common.sh"

head -c 777777 /dev/urandom >"$TMP/src" || hard "urandom"
start_rm -d "$P"
start_rm -d -r "$P.ro"

run cp "$TMP/src" "$P/cp1" || fail "cp to the server"
run cat "$P/cp1" >"$TMP/out" || fail "cat cp1"
cmp -s "$TMP/src" "$TMP/out" || fail "cp to the server: wrong bytes"
run cp "$P/cp1" "$P/cp2" || fail "cp between simulated files"
run cat "$P/cp2" >"$TMP/out" || fail "cat cp2"
cmp -s "$TMP/src" "$TMP/out" || fail "cp between: wrong bytes"

run dd if="$TMP/src" of="$P/dd1" bs=4k status=none || fail "dd of="
run cat "$P/dd1" >"$TMP/out" || fail "cat dd1"
cmp -s "$TMP/src" "$TMP/out" || fail "dd of=: wrong bytes"
run dd if=/dev/zero of="$P/dd1" bs=4k seek=3 count=2 conv=notrunc \
	status=none || fail "dd conv=notrunc"
cp "$TMP/src" "$TMP/expect"
dd if=/dev/zero of="$TMP/expect" bs=4k seek=3 count=2 conv=notrunc \
	status=none
run cat "$P/dd1" >"$TMP/out" || fail "cat dd1 again"
cmp -s "$TMP/expect" "$TMP/out" || fail "dd conv=notrunc: wrong bytes"

run sh -c "echo redirected >$P/sh1" || fail "shell redirection"
[ "$(run cat "$P/sh1")" = redirected ] || fail "shell redirection: content"

run truncate -s 1000 "$P/cp2" || fail "truncate"
[ "$(run stat -c %s "$P/cp2")" = 1000 ] || fail "truncate/stat: size"
run rm "$P/cp2" || fail "rm"
if run cat "$P/cp2" >/dev/null 2>&1; then
	fail "cat after rm succeeded"
fi

if run cp "$TMP/src" "$P.ro/x" 2>"$TMP/err"; then
	fail "cp to a read-only server succeeded"
fi
grep -q 'Read-only file system' "$TMP/err" || fail "EROFS: $(cat "$TMP/err")"
exit 0
