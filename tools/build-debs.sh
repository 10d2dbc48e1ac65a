#!/bin/sh
# Build ntosim's Debian packages from this checkout and check them with
# lintian: copies the tracked (and new, not ignored) files to a scratch
# tree, runs `dpkg-buildpackage -us -uc -b` there, and leaves the .debs and
# the lintian report in OUTDIR. NOCHECK=1 skips the test suite in the build
# (DEB_BUILD_OPTIONS=nocheck). Needs debhelper and lintian
# (sh tools/install-deps.sh --packaging). See docs/packaging.md.
# usage: sh tools/build-debs.sh OUTDIR
set -eu
[ $# -eq 1 ] || { echo "usage: sh tools/build-debs.sh OUTDIR" >&2; exit 2; }
top=$(cd "$(dirname "$0")/.." && pwd)
mkdir -p "$1"
out=$(cd "$1" && pwd)
for t in dpkg-buildpackage dh lintian; do
	command -v $t >/dev/null 2>&1 || {
		echo "build-debs: $t is missing: sh tools/install-deps.sh --packaging" >&2
		exit 2
	}
done
ver=$(dpkg-parsechangelog -l "$top/debian/changelog" -S Version)
work=$(mktemp -d "${TMPDIR:-/tmp}/ntosim-debs-XXXXXX")
trap 'rm -rf "$work"' EXIT
src=$work/ntosim-$ver
mkdir -p "$src"
(cd "$top" && git ls-files -co --exclude-standard -z |
	xargs -0 sh -c 'for f; do [ -e "$f" ] && printf "%s\0" "$f"; done' sh |
	tar --null -cf - -T -) | tar -xf - -C "$src"
opts=${DEB_BUILD_OPTIONS:-}
[ "${NOCHECK:-0}" = 1 ] && opts="$opts nocheck"
echo "build-debs: building in $src (log: $out/build.log)"
(cd "$src" && DEB_BUILD_OPTIONS="$opts parallel=$(nproc)" dpkg-buildpackage -us -uc -b) \
	>"$out/build.log" 2>&1 || {
	tail -n 40 "$out/build.log" >&2
	echo "build-debs: dpkg-buildpackage failed (log: $out/build.log)" >&2
	exit 1
}
rm -f "$out"/*.deb
mv "$work"/*.deb "$work"/*.changes "$work"/*.buildinfo "$out"/
# lintian: errors and warnings fail; overrides carry their reasons
lintian --fail-on error,warning "$out"/ntosim_"$ver"_*.changes \
	>"$out/lintian.log" 2>&1 || {
	cat "$out/lintian.log" >&2
	echo "build-debs: lintian found problems" >&2
	exit 1
}
ls "$out"/*.deb
echo "build-debs: lintian clean ($(wc -l <"$out/lintian.log") lines of notes)"
