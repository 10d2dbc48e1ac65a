#!/bin/sh
# Behaviour: the README's "Using it" works literally right after the quick
# start, in the build tree, for a user with no ipcd running (issue 12): the
# commands are taken from README.md itself (its first ```sh block after
# "## Using it"), so the README and this test cannot drift. They must all
# succeed; the pattern server's first 64 bytes come out exactly (read by
# an unmodified cat through ntosim-run), pidin shows its path, the QNX
# program built with pkg-config prints its reply, and exactly one ipcd was
# autostarted on the way. Then ntosim-run's own contract: usage, LD_PRELOAD
# kept, the installed path used outside a build tree.
# Forced: a private XDG_RUNTIME_DIR, a work directory holding tools/env.sh
# and examples/ as a source tree checkout would.
. "${NTOSIM_SRCDIR:-.}/tests/fault/lib.sh"
PROBE=$NTOSIM_BUILDDIR/tests/newcomer/autostart-probe
RUN=$NTOSIM_BUILDDIR/ntosim-run
need "$IPCD" "$PROBE" "$RUN" "$NTOSIM_BUILDDIR/waitfor" "$PATTERN" "$LIBNTO"
command -v cc >/dev/null 2>&1 || skip "no cc"
command -v pkg-config >/dev/null 2>&1 || skip "no pkg-config"
[ -r "$NTOSIM_BUILDDIR/tools/env-build.sh" ] || skip "tools/env-build.sh is not generated"

DIR=$(mktemp -d "${TMPDIR:-/tmp}/ntosim-readme-XXXXXX") || hard "mktemp"
mkdir -m 0700 "$DIR/xdg" && mkdir -p "$DIR/work/tools" || hard "mkdir"
ln -s "$NTOSIM_SRCDIR/tools/env.sh" "$DIR/work/tools/env.sh" &&
	ln -s "$NTOSIM_BUILDDIR/tools/env-build.sh" "$DIR/work/tools/env-build.sh" &&
	ln -s "$NTOSIM_SRCDIR/examples" "$DIR/work/examples" || hard "ln"
unset NTOSIM_SOCKET NTOSIM_AUTOSTART NTOSIM_IPCD LD_PRELOAD
export XDG_RUNTIME_DIR="$DIR/xdg"
S=$DIR/xdg/ntosim/ipcd.sock
SOCK=$S # lib.sh's cleanup kills the ipcd of $SOCK.pid
# the README's processes (the background server) carry our XDG_RUNTIME_DIR
readme_procs() {
	for e in /proc/[0-9]*/environ; do
		p=${e#/proc/}
		p=${p%/environ}
		[ "$p" = "$$" ] && continue
		{ tr '\0' '\n' <"$e"; } 2>/dev/null | grep -qxF "XDG_RUNTIME_DIR=$DIR/xdg" &&
			! exited "$p" && echo "$p"
	done
}
trap 'rc=$?; for p in $(readme_procs); do kill -9 "$p" 2>/dev/null; done; (exit $rc); cleanup' EXIT

awk '/^## Using it/ { f = 1 } f && /^```sh/ { b = 1; next } b && /^```/ { exit } b' \
	"$NTOSIM_SRCDIR/README.md" >"$DIR/using-it.sh"
[ -s "$DIR/using-it.sh" ] || hard "no \"## Using it\" sh block in README.md"
grep -q 'tools/env.sh' "$DIR/using-it.sh" || fail "\"Using it\" does not set up the build tree"

(cd "$DIR/work" && exec timeout 120 sh -e "$DIR/using-it.sh") >"$DIR/readme.out" 2>"$DIR/readme.err"
RC=$?
[ "$RC" = 0 ] || fail "README's \"Using it\" failed with status $RC"

"$PROBE" pattern 64 | od -An -tx1 >"$DIR/want.od"
grep -Fxf "$DIR/want.od" "$DIR/readme.out" >"$DIR/got.od"
cmp -s "$DIR/want.od" "$DIR/got.od" ||
	fail "the pattern's first 64 bytes did not come out: want $(cat "$DIR/want.od")"
grep -Eq '^/dev/pattern +[0-9]+ ntosim-pattern' "$DIR/readme.out" ||
	fail "pidin does not show /dev/pattern"
grep -qx 'reply: HELLO, NEUTRINO' "$DIR/readme.out" || fail "hello did not print its reply"
[ "$(grep -c 'no ipcd was running: started' "$DIR/readme.err")" = 1 ] &&
	[ "$(wc -l <"$DIR/readme.err")" = 1 ] || fail "stderr: $(cat "$DIR/readme.err")"

# ---- ntosim-run ----
"$RUN" >/dev/null 2>&1 && fail "ntosim-run with no command succeeded"
"$RUN" --help | grep -q '^usage: ntosim-run CMD' || fail "ntosim-run --help"
got=$(LD_PRELOAD=libfoo.so "$RUN" sh -c 'echo "$LD_PRELOAD|$NTOSIM_IPCD"')
[ "$got" = "$LIBNTO libfoo.so|$NTOSIM_BUILDDIR/ipcd" ] || fail "ntosim-run's environment: $got"
# a copy outside the build tree uses the installed library (a configure
# path; on a build machine without ntosim installed it says so)
mkdir "$DIR/bin" && cp "$RUN" "$DIR/bin/" || hard "cp"
want=$(sed -n "s/^[[:space:]]*lib='\(.*\)'$/\1/p" "$RUN")
case $want in /*/libnto.so) ;; *) fail "ntosim-run's installed path: '$want'" ;; esac
if [ -r "$want" ]; then
	got=$("$DIR/bin/ntosim-run" sh -c 'echo "$LD_PRELOAD"' 2>&1)
	[ "$got" = "$want" ] || fail "installed ntosim-run preloads '$got', want $want"
else
	"$DIR/bin/ntosim-run" true 2>"$DIR/inst.err" && fail "ntosim-run ran without libnto"
	grep -qxF "ntosim-run: $want is missing (is ntosim installed?)" "$DIR/inst.err" ||
		fail "installed ntosim-run said: $(cat "$DIR/inst.err")"
fi
exit 0
