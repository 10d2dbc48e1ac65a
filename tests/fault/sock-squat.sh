#!/bin/sh
# Behaviour: nobody can pose as a user's ipcd (issue 11 point 4). libnto
# (and pidin) trust the socket's directory (owned by the user or root, not
# a symlink, writable by others only with the sticky bit) and then the
# daemon (SO_PEERCRED uid: the user's or root's) before sending a word:
# otherwise the call fails with EPERM, says once on stderr which path, what
# owner it found and what to do, and the squatter receives nothing. ipcd
# refuses to start in a squatted directory. The default paths still work
# for a user (/tmp/ntosim-$UID) and for root (/run/ntosim).
# Forced (as root; skipped otherwise): a victim uid V and a squatter uid A
# (unused uids). 1: /tmp/ntosim-V made by A, 0755, with A's fake ipcd
# (sock-probe listen) in it. 2: fake ipcds that bound as root and dropped
# to A before listen(), in directories the victim owns; a world-writable
# directory. 3: the default paths, for V and for root. Each fake ipcd
# reports every connection and its byte count; a sentinel connection from
# the script, handled in order, proves there was nothing before it.
. "${NTOSIM_SRCDIR:-.}/tests/fault/lib.sh"
SOCK_PROBE=$NTOSIM_BUILDDIR/tests/fault/sock-probe
need "$IPCD" "$PIDIN" "$SOCK_PROBE"
[ "$(id -u)" = 0 ] || skip "needs root (another uid)"

V=$((3000000 + $$ % 100000))
A=$((V + 1))
SQ=/tmp/ntosim-$V
[ -e "$SQ" ] && skip "$SQ already exists"
DIR=$(mktemp -d "${TMPDIR:-/tmp}/ntosim-fault-XXXXXX") || hard "mktemp"
D3="" D4="" RUN_MADE=""
NO_ENV="env -u XDG_RUNTIME_DIR -u NTOSIM_SOCKET"
trap 'rc=$?; rm -rf "$SQ" $D3 $D4; [ -n "$RUN_MADE" ] && rm -rf /run/ntosim; (exit $rc); cleanup' EXIT

# run NAME UID CMD...: CMD as UID (root: 0), outputs in $DIR/NAME.*; $RC
RC=""
run() {
	local name=$1 uid=$2
	shift 2
	timeout 20 "$SOCK_PROBE" as "$uid" "$@" >"$DIR/$name.out" 2>"$DIR/$name.err"
	RC=$?
}
# refused NAME WHO PATH REASON: EPERM (for sock-probe client) and exactly
# one stderr line "WHO: refusing ipcd at PATH: REASON..."
refused() {
	[ "$RC" = 1 ] || fail "$1: exit $RC, want 1: $(cat "$DIR/$1.out" "$DIR/$1.err")"
	[ "$2" != libnto ] || grep -qx 'rc=EPERM' "$DIR/$1.out" ||
		fail "$1: $(cat "$DIR/$1.out") (want rc=EPERM)"
	[ "$(wc -l <"$DIR/$1.err")" = 1 ] && grep -qF "$2: refusing ipcd at $3: $4" "$DIR/$1.err" ||
		fail "$1 said: $(cat "$DIR/$1.err") (want $2: refusing ipcd at $3: $4)"
}
# fake NAME PATH [UID]: a fake ipcd listening at PATH; its pid in $BG
fake() {
	bg "$1" "$SOCK_PROBE" listen "$2" ${3:-}
	wait_line "$DIR/$1.out" '^listening' || fail "fake ipcd $1 did not start"
}
# heard NAME PATH PID none|silent: poke fake ipcd NAME at PATH; before the
# sentinel it had no connection at all (none: refused before connecting),
# or some, none of which carried a byte (silent: connected, checked the
# daemon, never spoke; libnto connects once per attempt, and its start-up
# makes one too)
heard() {
	local n
	"$SOCK_PROBE" poke "$2" || hard "poke $2"
	wait_exit "$3" 20 || fail "fake ipcd $1 did not see the sentinel"
	n=$(lines "$DIR/$1.out" '^conn [0-9]+ bytes=0$')
	grep -q "^conn $((n + 1)) bytes=8 sentinel" "$DIR/$1.out" &&
		[ "$(lines "$DIR/$1.out" '^conn ')" = $((n + 1)) ] &&
		case $4:$n in none:0 | silent:[1-9]*) true ;; *) false ;; esac ||
		fail "fake ipcd $1 heard: $(cat "$DIR/$1.out") (want $4)"
}

run probe "$V" "$IPCD" --help
[ "$RC" = 0 ] || skip "uid $V cannot run the build tree's programs"

# ---- 1. /tmp/ntosim-V squatted by A, with A's fake ipcd in it ----
mkdir "$SQ" && chown "$A:$A" "$SQ" && chmod 0755 "$SQ" || hard "mkdir $SQ"
bg squat "$SOCK_PROBE" as "$A" "$SOCK_PROBE" listen "$SQ/ipcd.sock"
squat=$BG
wait_line "$DIR/squat.out" "^listening uid=$A\$" || fail "squatter did not start"
why="its directory $SQ is owned by uid $A, not by you (uid $V) or root"
run c1 "$V" $NO_ENV "$SOCK_PROBE" client
refused c1 libnto "$SQ/ipcd.sock" "$why"
grep -qF "XDG_RUNTIME_DIR (or NTOSIM_SOCKET)" "$DIR/c1.err" ||
	fail "c1 does not say what to do: $(cat "$DIR/c1.err")"
run p1 "$V" $NO_ENV "$PIDIN"
refused p1 pidin "$SQ/ipcd.sock" "$why"
run i1 "$V" $NO_ENV "$IPCD"
[ "$RC" = 1 ] && grep -qF "ipcd: refusing to listen on $SQ/ipcd.sock: $why" "$DIR/i1.err" ||
	fail "ipcd in the squatted directory: exit $RC: $(cat "$DIR/i1.err")"
[ -S "$SQ/ipcd.sock" ] || fail "ipcd removed the squatter's socket"
heard squat "$SQ/ipcd.sock" $squat none
rm -rf "$SQ"

# the default directory a symbolic link (even to a directory of V's own)
D3=$(mktemp -d /tmp/ntosim-v-XXXXXX) && chown "$V:$V" "$D3" || hard "mktemp"
ln -s "$D3" "$SQ" || hard "ln"
run c2 "$V" $NO_ENV "$SOCK_PROBE" client
refused c2 libnto "$SQ/ipcd.sock" "$SQ is a symbolic link, not a directory"
run i2 "$V" $NO_ENV "$IPCD"
[ "$RC" = 1 ] && grep -qF "ipcd: refusing to listen on $SQ/ipcd.sock: $SQ is a symbolic link" "$DIR/i2.err" ||
	fail "ipcd on a symlinked directory: exit $RC: $(cat "$DIR/i2.err")"
rm -f "$SQ"

# ---- 2. a fake ipcd of uid A in a directory the victim owns ----
# root's: connected, SO_PEERCRED says A, nothing sent (libnto and pidin)
mkdir "$DIR/own" || hard "mkdir"
fake f2 "$DIR/own/ipcd.sock" "$A"
grep -qx "listening uid=$A" "$DIR/f2.out" || fail "f2: $(cat "$DIR/f2.out")"
f2=$BG
why="the daemon listening there runs as uid $A, not as you (uid 0) or root"
run c3 0 env NTOSIM_SOCKET="$DIR/own/ipcd.sock" "$SOCK_PROBE" client
refused c3 libnto "$DIR/own/ipcd.sock" "$why"
run p3 0 env NTOSIM_SOCKET="$DIR/own/ipcd.sock" "$PIDIN"
refused p3 pidin "$DIR/own/ipcd.sock" "$why"
heard f2 "$DIR/own/ipcd.sock" $f2 silent

# V's (the fake bound as root in V's 0700 directory, then became A)
chmod 0700 "$D3" || hard "chmod"
fake f3 "$D3/ipcd.sock" "$A"
f3=$BG
run c4 "$V" env NTOSIM_SOCKET="$D3/ipcd.sock" "$SOCK_PROBE" client
refused c4 libnto "$D3/ipcd.sock" "the daemon listening there runs as uid $A, not as you (uid $V) or root"
heard f3 "$D3/ipcd.sock" $f3 silent

# a directory anyone may write (no sticky bit): refused before connecting
D4=$(mktemp -d /tmp/ntosim-w-XXXXXX) && chmod 0777 "$D4" || hard "mktemp"
fake f4 "$D4/ipcd.sock"
f4=$BG
run c5 "$V" env NTOSIM_SOCKET="$D4/ipcd.sock" "$SOCK_PROBE" client
refused c5 libnto "$D4/ipcd.sock" "its directory $D4 (owner uid 0, mode 0777) is writable by group or others without the sticky bit"
run i5 "$V" "$IPCD" -s "$D4/x.sock"
[ "$RC" = 1 ] && grep -qF "is writable by group or others without the sticky bit" "$DIR/i5.err" ||
	fail "ipcd in a world-writable directory: exit $RC: $(cat "$DIR/i5.err")"
heard f4 "$D4/ipcd.sock" $f4 none

# ---- 3. the default paths still work ----
# ipcd_gone SOCK: the ipcd of SOCK (pid file) is gone
stop_ipcd() {
	local pid
	pid=$(cat "$1.pid") || fail "no pid file $1.pid"
	track "$pid"
	kill -TERM "$pid"
	wait_until 10 exited "$pid" || fail "ipcd $pid did not exit on SIGTERM"
}
run i6 "$V" $NO_ENV "$IPCD"
[ "$RC" = 0 ] || fail "ipcd as uid $V: exit $RC: $(cat "$DIR/i6.err")"
[ -S "$SQ/ipcd.sock" ] && [ "$(stat -c %u:%a "$SQ")" = "$V:700" ] ||
	fail "uid $V's default socket: $(ls -ld "$SQ" "$SQ/ipcd.sock" 2>&1)"
run c6 "$V" $NO_ENV "$SOCK_PROBE" client
[ "$RC" = 0 ] && grep -qx 'rc=ok' "$DIR/c6.out" && [ ! -s "$DIR/c6.err" ] ||
	fail "uid $V's client: $(cat "$DIR/c6.out" "$DIR/c6.err")"
run p6 "$V" $NO_ENV "$PIDIN"
[ "$RC" = 0 ] || fail "uid $V's pidin: $(cat "$DIR/p6.err")"
stop_ipcd "$SQ/ipcd.sock"

# root: /run/ntosim (unless a real root ipcd is serving there)
RS=/run/ntosim/ipcd.sock
if [ -S "$RS" ] && timeout 10 $NO_ENV "$PIDIN" >/dev/null 2>&1; then
	echo "note: an ipcd serves $RS already: root's default path not tried"
	exit 0
fi
[ -d /run/ntosim ] || RUN_MADE=1
run i7 0 $NO_ENV "$IPCD"
[ "$RC" = 0 ] || fail "root's ipcd: exit $RC: $(cat "$DIR/i7.err")"
[ -S "$RS" ] || fail "root's ipcd is not at $RS"
run c7 0 $NO_ENV "$SOCK_PROBE" client
[ "$RC" = 0 ] && grep -qx 'rc=ok' "$DIR/c7.out" && [ ! -s "$DIR/c7.err" ] ||
	fail "root's client: $(cat "$DIR/c7.out" "$DIR/c7.err")"
stop_ipcd "$RS"
exit 0
