#!/bin/sh
# The demo's short form, as a test (examples/demo.am): the whole end-to-end
# scenario of examples/demo.sh (private ipcd, ntosim-ham with three servers,
# libha clients, random SIGKILLs) for DEMO_SECONDS (default 8) seconds; it
# passes when the demo reports errors: 0 and leaves nothing running.
: "${NTOSIM_SRCDIR:=$(cd "$(dirname "$0")/.." && pwd)}"
DEMO_SECONDS=${DEMO_SECONDS:-8}
export DEMO_SECONDS
command -v bash >/dev/null 2>&1 || { echo "SKIP: no bash"; exit 77; }
exec bash "$NTOSIM_SRCDIR/examples/demo.sh"
