#!/bin/sh
# Behaviour: ntosim-qcc translates each qcc command line of options.tab
# into exactly the host command listed there (its dry run, -#, prints the
# command it would run), and rejects malformed ones with exit 1 and the
# listed message. Also: -V alone lists targets the way CMake recognises
# qcc ("targets available"), the q++/QCC names drive the C++ compiler, and
# a moved installed tree (PREFIX/bin, include/ntosim, lib) is found
# relative to the driver.
# Forced: nothing; NTOSIM_QCC_CC/CXX/AR name fixed host tools.
. "${NTOSIM_SRCDIR:-.}/tests/fault/lib.sh"
QCC=$NTOSIM_BUILDDIR/ntosim-qcc
TAB=$NTOSIM_SRCDIR/tests/qcc/options.tab
need "$QCC" "$TAB"
DIR=$(mktemp -d "${TMPDIR:-/tmp}/ntosim-qcc-XXXXXX") || hard "mktemp"
export NTOSIM_QCC_CC=hostcc NTOSIM_QCC_CXX=hostc++ NTOSIM_QCC_AR=hostar

arch=""
case $(uname -m) in
x86_64) arch=" -D__X86_64__" ;;
i?86) arch=" -D__X86__" ;;
esac
S=$NTOSIM_SRCDIR
B=$NTOSIM_BUILDDIR
CFLAGS="-D__QNX__ -D__QNXNTO__$arch -I@SRC/kernel-sim/include -I@SRC/libha/include -pthread"
LINKDIRS="-L@BUILD/kernel-sim/.libs -L@BUILD/libha/.libs -Wl,-rpath,@BUILD/kernel-sim/.libs:@BUILD/libha/.libs"

# expand LINE: the placeholders of options.tab (in a build in the source
# tree, @BUILD and @SRC are one: normalise makes both @SRC)
same=""
[ "$S" = "$B" ] && same=1
expand() {
	printf '%s\n' "$1" | sed -e "s|@CFLAGS|$CFLAGS|g" \
		-e "s|@LINKDIRS|$LINKDIRS|g" -e "s|@LINK|$LINKDIRS -lnto|g" \
		-e 's|@CXX|hostc++|g' -e 's|@CC|hostcc|g' -e 's|@AR|hostar|g' \
		-e 's/ *| */\n/g' | { if [ -n "$same" ]; then sed 's|@BUILD|@SRC|g'; else cat; fi; }
}

# normalise: the build tree's paths as placeholders (the longer first: a
# VPATH build dir may be inside the source dir), a sanitizer build's extra
# flags dropped. The paths are literal, not patterns: `../configure` in
# SRC/san makes the source dir SRC/san/.., whose dots would also match
# the "ke" of SRC/san/kernel-sim.
lit() { printf '%s\n' "$1" | sed 's/[].[*^$\\|]/\\&/g'; }
if [ ${#B} -gt ${#S} ]; then
	first="s|$(lit "$B")|@BUILD|g" second="s|$(lit "$S")|@SRC|g"
else
	first="s|$(lit "$S")|@SRC|g" second="s|$(lit "$B")|@BUILD|g"
fi
normalise() {
	sed -e "$first" -e "$second" \
		-e 's/ -fsanitize=[^ ]*//g' -e 's/ -fno-omit-frame-pointer//g' \
		-e 's/ -fno-sanitize-recover=[^ ]*//g'
}

n=0
while IFS= read -r line; do
	case $line in '#'* | '') continue ;; esac
	args=${line%%=>*}
	want=${line#*=> }
	n=$((n + 1))
	set -f
	# shellcheck disable=SC2086
	set -- $args
	set +f
	rc=0
	"$QCC" -# "$@" >"$DIR/out" 2>"$DIR/err" || rc=$?
	case $want in
	ERROR*)
		msg=${want#ERROR }
		[ "$rc" = 1 ] || fail "qcc $args: exit $rc, want 1 ($(cat "$DIR/out"))"
		grep -qF -- "ntosim-qcc: $msg" "$DIR/err" ||
			fail "qcc $args: said '$(cat "$DIR/err")', want '$msg'"
		[ -s "$DIR/out" ] && fail "qcc $args: printed a command on error"
		;;
	*)
		[ "$rc" = 0 ] || fail "qcc $args: exit $rc: $(cat "$DIR/err")"
		expand "$want" | sed 's/ *$//' >"$DIR/want"
		normalise <"$DIR/out" >"$DIR/got"
		cmp -s "$DIR/want" "$DIR/got" ||
			fail "qcc $args:
  got:  $(cat "$DIR/got")
  want: $(cat "$DIR/want")"
		;;
	esac
done <"$TAB"
[ "$n" -gt 40 ] || hard "only $n cases read from $TAB"

# -V alone: the list CMake's QCC detection looks for
"$QCC" -V >"$DIR/list" 2>&1 || fail "-V alone failed"
grep -q 'targets available' "$DIR/list" || fail "-V: $(cat "$DIR/list")"
grep -qx '	gcc_ntox86_64' "$DIR/list" || fail "-V lists no gcc_ntox86_64"
grep -qx '	gcc_ntoaarch64le_cxx' "$DIR/list" || fail "-V lists no gcc_ntoaarch64le_cxx"

# -set-default: nothing to set, said so, nothing run
"$QCC" -Vgcc_ntox86_64 -set-default >"$DIR/out" 2>"$DIR/err" ||
	fail "-set-default failed"
grep -q 'nothing to set' "$DIR/err" || fail "-set-default: $(cat "$DIR/err")"

# the C++ names
for name in ntosim-q++ ntosim-QCC; do
	[ -x "$NTOSIM_BUILDDIR/$name" ] || fail "$name is not built"
	"$NTOSIM_BUILDDIR/$name" -# -c x.cc | normalise >"$DIR/got"
	expand "@CXX @CFLAGS -c x.cc" >"$DIR/want"
	cmp -s "$DIR/want" "$DIR/got" || fail "$name: $(cat "$DIR/got")"
	"$NTOSIM_BUILDDIR/$name" -# -lang-c -c x.c | normalise >"$DIR/got"
	expand "@CC @CFLAGS -c x.c" >"$DIR/want"
	cmp -s "$DIR/want" "$DIR/got" || fail "$name -lang-c: $(cat "$DIR/got")"
done

# a moved installed tree: PREFIX/bin/ntosim-qcc finds PREFIX/include/ntosim
# and PREFIX/lib, and adds PREFIX/lib as the run path
P=$DIR/prefix
mkdir -p "$P/bin" "$P/include/ntosim/sys" "$P/lib" || hard "mkdir"
: >"$P/include/ntosim/sys/neutrino.h"
cp "$QCC" "$P/bin/ntosim-qcc" || hard "cp"
"$P/bin/ntosim-qcc" -# -o x x.o >"$DIR/got" || fail "moved tree: failed"
echo "hostcc -D__QNX__ -D__QNXNTO__$arch -I$P/bin/../include/ntosim -pthread -o x x.o -L$P/bin/../lib -Wl,-rpath,$P/bin/../lib -lnto" >"$DIR/want"
cmp -s "$DIR/want" "$DIR/got" || fail "moved tree:
  got:  $(cat "$DIR/got")
  want: $(cat "$DIR/want")"

# the host compiler missing: a clear error, exit 127
NTOSIM_QCC_CC=/nonexistent/cc "$QCC" -c x.c >"$DIR/out" 2>&1 && fail "ran a missing compiler"
grep -q 'ntosim-qcc: cannot run /nonexistent/cc: No such file' "$DIR/out" ||
	fail "missing compiler: $(cat "$DIR/out")"
exit 0
