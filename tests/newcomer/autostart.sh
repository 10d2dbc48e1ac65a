#!/bin/sh
# Behaviour: with no ipcd on the per-user default socket, a process's first
# kernel call (not a mere path lookup) starts one (issue 12, "an embedded default"): exactly one
# when 8 processes start at once, over a stale socket too; detached (its
# own session, stdio on /dev/null and its log, none of the caller's fds,
# no zombie left with a live caller, survives the caller's process group
# being killed); one stderr line says where. NTOSIM_AUTOSTART=0, an
# explicit NTOSIM_SOCKET, a missing or failing ipcd program: the call
# fails with ENOTCONN and one line names the socket and how to start
# ipcd. A process whose ipcd died never starts another behind the user's
# back (it waits for a restarted one, then fails with ENOTCONN).
# Forced: a private XDG_RUNTIME_DIR; NTOSIM_IPCD points at a wrapper that
# counts how often ipcd was started; a fifo releases 8 callers at once;
# kill -9 of ipcd leaves the stale socket.
. "${NTOSIM_SRCDIR:-.}/tests/fault/lib.sh"
PROBE=$NTOSIM_BUILDDIR/tests/newcomer/autostart-probe
need "$IPCD" "$PROBE"

DIR=$(mktemp -d "${TMPDIR:-/tmp}/ntosim-auto-XXXXXX") || hard "mktemp"
mkdir -m 0700 "$DIR/xdg" || hard "mkdir"
unset NTOSIM_SOCKET NTOSIM_AUTOSTART
export XDG_RUNTIME_DIR="$DIR/xdg"
S=$DIR/xdg/ntosim/ipcd.sock
SOCK=$S # lib.sh's cleanup kills the ipcd of $SOCK.pid
WRAP=$DIR/ipcd-wrap
printf '#!/bin/sh\necho "$$" >>"%s/spawns"\nexec "%s" "$@"\n' "$DIR" "$IPCD" >"$WRAP"
chmod +x "$WRAP"
export NTOSIM_IPCD="$WRAP"
spawns() { [ -f "$DIR/spawns" ] && wc -l <"$DIR/spawns" || echo 0; }

# run NAME [VAR=VALUE...] MODE: the probe with env, outputs in $DIR/NAME.*
run() {
	local name=$1
	shift
	timeout 30 env "$@" >"$DIR/$name.out" 2>"$DIR/$name.err"
	RC=$?
}
# one_line NAME TEXT: NAME's stderr is exactly one line, containing TEXT
one_line() {
	[ "$(wc -l <"$DIR/$1.err")" = 1 ] && grep -qF "$2" "$DIR/$1.err" ||
		fail "$1 said: $(cat "$DIR/$1.err") (want one line with: $2)"
}
# serving: how many live ipcd processes serve $S
serving() {
	local n=0 c
	for c in /proc/[0-9]*/cmdline; do
		[ "$({ tr '\0' ' ' <"$c"; } 2>/dev/null)" = "$IPCD -s $S " ] && n=$((n + 1))
	done
	echo $n
}
# field PID N: of /proc/PID/stat after the name (1 state, 2 ppid, 3 pgrp,
# 4 session)
field() { cut -d')' -f2 "/proc/$1/stat" | awk "{print \$$2}"; }

# ---- a process that only looks paths up: nothing started, nothing said
# (no ipcd, so no server can have registered the path: libc answers) ----
if [ -z "$SAN_RT" ] && [ -r "$LIBNTO" ]; then
	echo "plain file" >"$DIR/plain"
	$NTO cat "$DIR/plain" >"$DIR/plain.out" 2>"$DIR/plain.err" || fail "cat: $(cat "$DIR/plain.err")"
	[ "$(cat "$DIR/plain.out")" = "plain file" ] && [ ! -s "$DIR/plain.err" ] ||
		fail "preloaded cat: $(cat "$DIR/plain.out" "$DIR/plain.err")"
	[ "$(spawns)" = 0 ] || fail "a path lookup started ipcd"
fi

# ---- no ipcd to be had: one line, ENOTCONN, nothing started ----
run off NTOSIM_AUTOSTART=0 "$PROBE" once
[ "$RC" = 1 ] && grep -qx rc=ENOTCONN "$DIR/off.out" || fail "off: $RC $(cat "$DIR/off.out")"
one_line off "no ipcd at $S (No such file or directory); start one with: ipcd (NTOSIM_AUTOSTART=0"
run explicit NTOSIM_SOCKET="$DIR/x.sock" "$PROBE" once
[ "$RC" = 1 ] && grep -qx rc=ENOTCONN "$DIR/explicit.out" || fail "explicit: $(cat "$DIR/explicit.out")"
one_line explicit "no ipcd at $DIR/x.sock (No such file or directory); start one with: ipcd -s $DIR/x.sock (NTOSIM_SOCKET is set"
run missing NTOSIM_IPCD="$DIR/no-such-ipcd" "$PROBE" once
[ "$RC" = 1 ] && grep -qx rc=ENOTCONN "$DIR/missing.out" || fail "missing: $(cat "$DIR/missing.out")"
one_line missing "no ipcd at $S, and starting one failed: cannot run $DIR/no-such-ipcd: No such file or directory (set NTOSIM_IPCD"
run failing NTOSIM_IPCD=/bin/false "$PROBE" once
[ "$RC" = 1 ] && grep -qx rc=ENOTCONN "$DIR/failing.out" || fail "failing: $(cat "$DIR/failing.out")"
one_line failing "no ipcd at $S, and starting one failed: /bin/false -s $S failed (exit status 1; its log: $S.log)"
[ "$(spawns)" = 0 ] && [ ! -e "$DIR/x.sock" ] && [ "$(serving)" = 0 ] ||
	fail "an ipcd was started: $(spawns) spawns, $(serving) serving"

# ---- the first caller starts one, detached ----
# a non-close-on-exec fd 9 and a pipe on stdout: if ipcd kept either, cat
# would never see EOF and the caller's pipeline would not finish
("$PROBE" once 9>"$DIR/marker" | cat >"$DIR/first.out") 2>"$DIR/first.err" &
first=$!
track $first
wait_exit $first 30 || fail "the first caller's pipeline did not finish (ipcd holds its pipe?)"
grep -qx rc=ok "$DIR/first.out" || fail "first: $(cat "$DIR/first.out" "$DIR/first.err")"
IPCD_PID=$(cat "$S.pid") || fail "no pid file $S.pid"
one_line first "no ipcd was running: started $WRAP (pid $IPCD_PID) on $S; it stays up for your later programs (log $S.log; stop it with kill $IPCD_PID)"
[ "$(spawns)" = 1 ] && [ "$(serving)" = 1 ] || fail "$(spawns) spawns, $(serving) ipcds serving $S"
[ "$(field "$IPCD_PID" 3)" = "$IPCD_PID" ] && [ "$(field "$IPCD_PID" 4)" = "$IPCD_PID" ] ||
	fail "ipcd $IPCD_PID is not in a session of its own: $(cat "/proc/$IPCD_PID/stat")"
[ "$(readlink "/proc/$IPCD_PID/fd/0")" = /dev/null ] &&
	[ "$(readlink "/proc/$IPCD_PID/fd/1")" = /dev/null ] &&
	[ "$(readlink "/proc/$IPCD_PID/fd/2")" = "$S.log" ] ||
	fail "ipcd's stdio: $(ls -l "/proc/$IPCD_PID/fd/")"
ls -l "/proc/$IPCD_PID/fd/" | grep -qF "$DIR/marker" && fail "ipcd inherited the caller's fd 9"
[ "$(stat -c %a "$DIR/xdg/ntosim")" = 700 ] || fail "socket directory mode $(stat -c %a "$DIR/xdg/ntosim")"

# a later caller uses it and says nothing
run quiet "$PROBE" once
[ "$RC" = 0 ] && [ ! -s "$DIR/quiet.err" ] && [ "$(spawns)" = 1 ] ||
	fail "with ipcd up: rc $RC, said $(cat "$DIR/quiet.err"), $(spawns) spawns"

# ---- a stale socket, a live caller in its own process group ----
kill -9 "$IPCD_PID"
wait_until 10 exited "$IPCD_PID" || hard "ipcd survived SIGKILL"
[ -S "$S" ] || hard "ipcd's socket went away with it (no stale socket to test)"
mkfifo "$DIR/hold.in" || hard "mkfifo"
exec 4<>"$DIR/hold.in"
setsid "$PROBE" hold <"$DIR/hold.in" >"$DIR/hold.out" 2>"$DIR/hold.err" &
holder=$!
track $holder
wait_line "$DIR/hold.out" '^rc=' 30 || fail "holder: $(cat "$DIR/hold.err")"
grep -qx rc=ok "$DIR/hold.out" || fail "holder: $(cat "$DIR/hold.out" "$DIR/hold.err")"
IPCD_PID=$(cat "$S.pid")
one_line hold "started $WRAP (pid $IPCD_PID) on $S"
[ "$(spawns)" = 2 ] && [ "$(serving)" = 1 ] || fail "$(spawns) spawns, $(serving) serving"
# nothing of the holder's is left over: no child (a zombie launcher) at all
for st in /proc/[0-9]*/status; do
	grep -qx "PPid:	$holder" "$st" 2>/dev/null &&
		fail "the caller has a child: $(head -n 3 "$st")"
done
pg=$(field "$holder" 3)
[ "$pg" != "$(field "$IPCD_PID" 3)" ] || fail "ipcd is in the caller's process group"
kill -9 "-$pg"
wait_exit $holder 10 || hard "holder survived SIGKILL"
kill -0 "$IPCD_PID" 2>/dev/null || fail "ipcd died with its caller's process group"
exec 4>&-

# ---- 8 callers at once: one ipcd, one start ----
kill -9 "$IPCD_PID"
wait_until 10 exited "$IPCD_PID" || hard "ipcd survived SIGKILL"
mkfifo "$DIR/go" || hard "mkfifo"
exec 5<>"$DIR/go"
R=""
for i in 1 2 3 4 5 6 7 8; do
	(read -r x && exec "$PROBE" once) <"$DIR/go" >"$DIR/r$i.out" 2>"$DIR/r$i.err" &
	track $!
	R="$R $!"
done
printf '\n\n\n\n\n\n\n\n' >&5
for p in $R; do
	wait_exit "$p" 30 || fail "a racing caller did not finish"
done
exec 5>&-
[ "$(cat "$DIR"/r*.out | grep -cx rc=ok)" = 8 ] || fail "racers: $(cat "$DIR"/r*.out "$DIR"/r*.err)"
[ "$(spawns)" = 3 ] || fail "8 racers started $(($(spawns) - 2)) ipcds, want 1"
[ "$(cat "$DIR"/r*.err | grep -c 'no ipcd was running: started')" = 1 ] &&
	[ "$(cat "$DIR"/r*.err | wc -l)" = 1 ] || fail "racers said: $(cat "$DIR"/r*.err)"
[ "$(serving)" = 1 ] || fail "$(serving) ipcds serve $S"
IPCD_PID=$(cat "$S.pid")

# ---- ipcd dies under a registered process: it never autostarts one ----
mkfifo "$DIR/twice.in" || hard "mkfifo"
exec 6<>"$DIR/twice.in"
NTOSIM_CTL_RECONNECT_MS=300 "$PROBE" twice <"$DIR/twice.in" >"$DIR/twice.out" 2>"$DIR/twice.err" &
twice=$!
track $twice
wait_line "$DIR/twice.out" '^rc=ok' 30 || fail "twice: $(cat "$DIR/twice.out" "$DIR/twice.err")"
kill -9 "$IPCD_PID"
wait_until 10 exited "$IPCD_PID" || hard "ipcd survived SIGKILL"
echo >&6
wait_exit $twice 30 || fail "the second call did not return"
[ "$(sed -n 2p "$DIR/twice.out")" = rc=ENOTCONN ] || fail "after ipcd's death: $(cat "$DIR/twice.out")"
[ "$(spawns)" = 3 ] && [ "$(serving)" = 0 ] && [ ! -s "$DIR/twice.err" ] ||
	fail "a registered process started an ipcd: $(spawns) spawns, $(serving) serving, said $(cat "$DIR/twice.err")"
exec 6>&-
exit 0
