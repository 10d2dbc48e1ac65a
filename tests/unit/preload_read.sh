#!/bin/sh
# Behaviour under test: unmodified Debian coreutils read a simulated file
# through LD_PRELOAD=libnto.so: cat, head -c, dd (whole, and skip=/count=,
# which seeks) and cp, byte for byte, plus the errors a user would see.
# How: a private ipcd and a posix_rm server exporting a 1.2 MB random file
# under a prefix that does not exist on disk; outputs are compared with cmp
# against the host copy the server loaded.
. "$(dirname "$0")/preload_common.sh"

head -c 1234567 /dev/urandom >"$TMP/src" || hard "urandom"
printf 'hello, world\n' >"$TMP/small"
start_rm -d -F "big=$TMP/src" -F "small=$TMP/small" "$P"

run cat "$P/small" >"$TMP/out" || fail "cat small"
cmp -s "$TMP/small" "$TMP/out" || fail "cat small: wrong bytes"
run cat "$P/small" "$P/big" "$P/small" >"$TMP/out" || fail "cat three"
cat "$TMP/small" "$TMP/src" "$TMP/small" >"$TMP/expect"
cmp -s "$TMP/expect" "$TMP/out" || fail "cat three: wrong bytes"

run head -c 100000 "$P/big" >"$TMP/out" || fail "head -c"
head -c 100000 "$TMP/src" >"$TMP/expect"
cmp -s "$TMP/expect" "$TMP/out" || fail "head -c: wrong bytes"

run dd if="$P/big" of="$TMP/dd" bs=4k status=none || fail "dd"
cmp -s "$TMP/src" "$TMP/dd" || fail "dd: wrong bytes"
run dd if="$P/big" of="$TMP/dd" bs=4k skip=7 count=9 status=none ||
	fail "dd skip"
dd if="$TMP/src" of="$TMP/expect" bs=4k skip=7 count=9 status=none
cmp -s "$TMP/expect" "$TMP/dd" || fail "dd skip: wrong bytes"

run cp "$P/big" "$TMP/cp" || fail "cp"
cmp -s "$TMP/src" "$TMP/cp" || fail "cp: wrong bytes"

# what a user sees for a missing simulated file
if run cat "$P/missing" >/dev/null 2>"$TMP/err"; then
	fail "cat of a missing file succeeded"
fi
grep -q 'No such file' "$TMP/err" || fail "cat missing: $(cat "$TMP/err")"
exit 0
