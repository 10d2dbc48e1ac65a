#!/bin/sh
# Every man page ntosim installs renders with man(1) without a warning
# from groff or man (the check lintian runs), and names no document by a
# source-tree path alone (an installed page must say where the installed
# copy is). Skips (77) without man-db.
set -u
src=${NTOSIM_SRCDIR:-.}
command -v man >/dev/null 2>&1 || { echo "SKIP: man is not installed"; exit 77; }
command -v groff >/dev/null 2>&1 || { echo "SKIP: groff is not installed"; exit 77; }
tmp=$(mktemp -d) || exit 99
trap 'rm -rf "$tmp"' EXIT
n=0 bad=0
for page in "$src"/docs/*.[1-8]; do
	[ -f "$page" ] || continue
	n=$((n + 1))
	LC_ALL=C.UTF-8 MANROFFSEQ='' MANWIDTH=80 \
		man --warnings -E UTF-8 -l -Tutf8 -Z "$page" \
		>"$tmp/out" 2>"$tmp/err"
	rc=$?
	if [ $rc -ne 0 ] || [ -s "$tmp/err" ]; then
		echo "FAIL: ${page##*/}: man exited $rc:"
		sed 's/^/    /' "$tmp/err"
		bad=$((bad + 1))
	fi
	# a cited docs/X.md must also be given as its installed path
	for d in $(grep -o 'docs/[a-z-]*\.md' "$page" | sort -u); do
		grep -q "/share/doc/ntosim/${d#docs/}" "$page" || {
			echo "FAIL: ${page##*/} cites $d but not its installed path"
			bad=$((bad + 1))
		}
	done
done
[ $n -ge 7 ] || { echo "FAIL: found only $n man pages in $src/docs"; exit 1; }
echo "$n man pages checked, $bad problems"
[ $bad -eq 0 ]
