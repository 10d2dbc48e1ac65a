#!/bin/sh
# The README's first command: dependencies, build, and the end-to-end demo.
set -e
cd "$(dirname "$0")/.."
sh tools/install-deps.sh
[ -x configure ] || autoreconf -fi
[ -f Makefile ] || ./configure
make -j"$(nproc 2>/dev/null || echo 2)"
make demo
