#!/bin/sh
# Behaviour: every seed of the fuzz corpus and every input that ever made
# a fuzzer crash (tests/fuzz/regress/) runs through the harnesses without
# a crash: ipcd survives each request sequence and cleans up after it, and
# the server side rejects each malformed slot; ntosim-qnet's frame checks
# stop each malformed link stream at its first bad frame and let no frame
# through that its handler would read past (qframe). Forced: the libFuzzer
# harnesses built with the normal compiler and replay.c as main() (under
# ASan/UBSan in a sanitizer build).
: "${NTOSIM_BUILDDIR:=$(pwd)}"
: "${NTOSIM_SRCDIR:=.}"
B=$NTOSIM_BUILDDIR/tests/fuzz
C=$NTOSIM_SRCDIR/tests/fuzz
NTOSIM_IPCD=${NTOSIM_IPCD:-$NTOSIM_BUILDDIR/ipcd}
export NTOSIM_IPCD
command -v timeout >/dev/null 2>&1 || { echo "SKIP: no timeout(1)"; exit 77; }
for h in ipcd slot qframe; do
	[ -x "$B/$h-replay" ] || { echo "ERROR: $B/$h-replay is not built"; exit 99; }
	timeout 300 "$B/$h-replay" "$C/corpus/$h" "$C/regress/$h" ||
		{ echo "FAIL: $h-replay"; exit 1; }
done
exit 0
