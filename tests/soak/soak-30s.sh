#!/bin/sh
# The soak's short run for make check: tests/soak/soak.sh for 30 s (or
# SOAK_CHECK_SECONDS), its table in tests/soak/last-soak-check.txt so a
# long `make soak` report is not overwritten.
SOAK_SECONDS=${SOAK_CHECK_SECONDS:-30}
SOAK_REPORT=${NTOSIM_BUILDDIR:-.}/tests/soak/last-soak-check.txt
export SOAK_SECONDS SOAK_REPORT
exec /bin/sh "${NTOSIM_SRCDIR:-.}/tests/soak/soak.sh"
