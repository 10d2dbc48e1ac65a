#!/bin/sh
# The README's first command: dependencies (as root, or through sudo; else
# it says what to run), build, and the end-to-end demo. Then the README's
# "Using it" works with ". tools/env.sh".
set -e
cd "$(dirname "$0")/.."
sh tools/install-deps.sh
[ -x configure ] || autoreconf -fi
[ -f Makefile ] || ./configure
make -j"$(nproc 2>/dev/null || echo 2)"
make demo
echo
echo "quickstart: built in $(pwd). Next (README, \"Using it\"):  . tools/env.sh"
