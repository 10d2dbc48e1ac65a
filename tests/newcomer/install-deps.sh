#!/bin/sh
# Behaviour: the quick start's dependency step (tools/install-deps.sh) for
# every kind of user (issue 12): root runs apt-get itself; a user with sudo
# goes through sudo; a user without sudo, or whom sudo refuses, or on a
# system without apt-get, gets told exactly what to run as root (never
# "sudo: not found") and exit 1, with nothing run; nothing missing: silent.
# Forced: PATH holds only fake dpkg, id, sudo and apt-get that record how
# they were called (dpkg says "check" is missing).
. "${NTOSIM_SRCDIR:-.}/tests/fault/lib.sh"
DIR=$(mktemp -d "${TMPDIR:-/tmp}/ntosim-deps-XXXXXX") || hard "mktemp"
SCRIPT=$NTOSIM_SRCDIR/tools/install-deps.sh
SH=$(command -v sh)

# fake NAME BODY: a program NAME in $DIR/BIN running BODY
fake() { printf '#!%s\n%s\n' "$SH" "$2" >"$DIR/$BIN/$1" && chmod +x "$DIR/$BIN/$1"; }
# world NAME UID [sudo=ok|refuse] [noapt]: a PATH with those fakes
world() {
	BIN=$1
	mkdir "$DIR/$BIN" || hard "mkdir"
	fake dpkg '[ "$2" = check ] && exit 1; exit 0'
	fake id "echo $2"
	[ "${4:-}" = noapt ] ||
		fake apt-get "echo \"apt-get \$*\" >>'$DIR/$BIN.log'"
	case ${3:-} in
	sudo=ok) fake sudo "echo \"sudo \$*\" >>'$DIR/$BIN.log'; exec \"\$@\"" ;;
	sudo=refuse) fake sudo "echo 'sorry, user may not run sudo' >&2; exit 1" ;;
	esac
}
# deps NAME: run the script in world NAME; status in $RC
deps() {
	PATH="$DIR/$1" "$SH" "$SCRIPT" >"$DIR/$1.out" 2>"$DIR/$1.err"
	RC=$?
}
# advised NAME: exit 1, the exact apt-get line, nothing installed
advised() {
	[ "$RC" = 1 ] || fail "$1: exit $RC: $(cat "$DIR/$1.err")"
	grep -qxF "install-deps: as root, run:  apt-get install -y check" "$DIR/$1.err" ||
		fail "$1 said: $(cat "$DIR/$1.err")"
	! grep -q 'not found' "$DIR/$1.err" || fail "$1 said: $(cat "$DIR/$1.err")"
	! grep -q 'install' "$DIR/$1.log" 2>/dev/null || fail "$1 ran: $(cat "$DIR/$1.log")"
}

world root 0
deps root
[ "$RC" = 0 ] && grep -qx 'apt-get install -y -qq check' "$DIR/root.log" &&
	! grep -q sudo "$DIR/root.log" || fail "root: exit $RC, ran $(cat "$DIR/root.log")"

world user 1000 sudo=ok
deps user
[ "$RC" = 0 ] && grep -qx 'sudo apt-get install -y -qq check' "$DIR/user.log" &&
	grep -qx 'apt-get install -y -qq check' "$DIR/user.log" ||
	fail "user with sudo: exit $RC, ran $(cat "$DIR/user.log")"

world nosudo 1000
deps nosudo
advised nosudo
grep -q "sudo is not installed" "$DIR/nosudo.err" || fail "nosudo said: $(cat "$DIR/nosudo.err")"

world refused 1000 sudo=refuse
deps refused
advised refused

world noapt 1000 sudo=ok noapt
deps noapt
advised noapt
grep -q "no apt-get here" "$DIR/noapt.err" || fail "noapt said: $(cat "$DIR/noapt.err")"

world complete 1000
fake dpkg 'exit 0'
deps complete
[ "$RC" = 0 ] && [ ! -s "$DIR/complete.err" ] && [ ! -s "$DIR/complete.out" ] ||
	fail "nothing missing: exit $RC, said $(cat "$DIR/complete.out" "$DIR/complete.err")"
exit 0
