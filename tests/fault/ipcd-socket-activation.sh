#!/bin/sh
# Behaviour: ipcd started the way systemd's ipcd.socket starts it (its
# listening socket as fd 3, LISTEN_PID/LISTEN_FDS, sd_listen_fds(3)) serves
# on that socket: a client that connected before ipcd ran is answered, a
# restart after SIGKILL serves on the very same socket (same inode), and a
# clean stop leaves the socket file to its owner. A socket ipcd cannot use
# (a stream socket, two sockets, a path other than -s) is refused with a
# clear message; variables meant for another process are ignored.
# Forced: sd-activate plays systemd; kill -9 and SIGTERM to ipcd.
. "${NTOSIM_SRCDIR:-.}/tests/fault/lib.sh"
SDACT=$NTOSIM_BUILDDIR/tests/fault/sd-activate
need "$IPCD" "$PIDIN" "$SDACT" "$FAULT_SRV" "$FAULT_CLI" "$CTL_ABUSE"

DIR=$(mktemp -d "${TMPDIR:-/tmp}/ntosim-fault-XXXXXX") || hard "mktemp"
SOCK=$DIR/ipcd.sock
export NTOSIM_SOCKET=$SOCK

# started N: the pid of the N-th start, once sd-activate printed it
started() { sed -n "s/^started //p" "$DIR/sd.out" | sed -n "${1}p"; }
has_start() { [ -n "$(started "$1")" ]; }

# 1. Lazy: nothing runs until a client connects; that client is answered.
bg sd "$SDACT" -l -r 2 "$SOCK" -- "$IPCD" -f
SD=$BG
wait_until 10 test -S "$SOCK" || fail "sd-activate made no socket"
[ -z "$(started 1)" ] || fail "ipcd started before any client connected"
ino=$(stat -c %i "$SOCK")
n=$(count procs)
[ -n "$n" ] || fail "the first client got no answer: $(cat "$DIR/sd.err")"
has_start 1 || fail "no start recorded"
IPCD_PID=$(started 1)
[ "$(cat "$SOCK.pid")" = "$IPCD_PID" ] ||
	fail "pid file $(cat "$SOCK.pid"), activated ipcd $IPCD_PID"
still_serving

# 2. SIGKILL: the restarted ipcd serves on the same socket (same inode).
kill -9 "$IPCD_PID"
wait_until 10 has_start 2 || fail "no second start after SIGKILL"
grep -qx "exited $IPCD_PID 137" "$DIR/sd.out" ||
	fail "first ipcd's exit: $(cat "$DIR/sd.out")"
IPCD_PID=$(started 2)
[ "$(stat -c %i "$SOCK")" = "$ino" ] || fail "the socket file was replaced"
wait_until 10 test -f "$SOCK.pid" || fail "no pid file"
still_serving

# 3. SIGTERM: a clean exit (0) that leaves the passed socket in place.
kill -TERM "$IPCD_PID"
wait_exit "$SD" 20 || fail "sd-activate still waits for ipcd"
grep -qx "exited $IPCD_PID 0" "$DIR/sd.out" ||
	fail "clean stop: $(cat "$DIR/sd.out")"
[ -S "$SOCK" ] && [ "$(stat -c %i "$SOCK")" = "$ino" ] ||
	fail "ipcd removed the socket it was given"
[ ! -e "$SOCK.pid" ] || fail "the pid file was left behind"
IPCD_PID=""

# refused NAME EXPECT SD-OPTIONS...: ipcd exits 1, stderr says EXPECT
refused() {
	name=$1 expect=$2
	shift 2
	rm -f "$DIR/r.sock"
	timeout 20 "$SDACT" "$@" "$DIR/r.sock" -- "$IPCD" -f \
		>"$DIR/$name.out" 2>"$DIR/$name.err" ||
		hard "sd-activate $*: $(cat "$DIR/$name.err")"
	grep -q "^exited [0-9]* 1$" "$DIR/$name.out" ||
		fail "$name: ipcd did not exit 1: $(cat "$DIR/$name.out")"
	grep -q "$expect" "$DIR/$name.err" ||
		fail "$name: no '$expect' in: $(cat "$DIR/$name.err")"
}
# 4. the wrong kind of socket, or two of them
refused stream "not a SOCK_SEQPACKET socket" -t stream
refused two "exactly one listening socket" -n 2
# 5. -s naming another path than the passed socket's
rm -f "$DIR/r.sock"
timeout 20 "$SDACT" "$DIR/r.sock" -- "$IPCD" -f -s "$DIR/other.sock" \
	>"$DIR/other.out" 2>"$DIR/other.err" || hard "sd-activate -s"
grep -q "^exited [0-9]* 1$" "$DIR/other.out" ||
	fail "-s other path: $(cat "$DIR/other.out")"
grep -q "but the socket passed by LISTEN_FDS is $DIR/r.sock" \
	"$DIR/other.err" || fail "-s other path: $(cat "$DIR/other.err")"

# 6. LISTEN_PID names another process: ipcd ignores fd 3 and binds its own
rm -f "$DIR/r.sock"
bg leak "$SDACT" -P "$DIR/r.sock" -- "$IPCD" -f -s "$DIR/own.sock"
LEAK=$BG
wait_until 10 test -S "$DIR/own.sock" ||
	fail "ipcd did not bind its own socket: $(cat "$DIR/leak.err")"
wait_until 10 test -f "$DIR/own.sock.pid" || fail "no pid file for own.sock"
IPCD_PID=$(cat "$DIR/own.sock.pid")
[ -n "$(NTOSIM_SOCKET=$DIR/own.sock count procs)" ] ||
	fail "ipcd on its own socket does not answer"
kill -TERM "$IPCD_PID"
wait_exit "$LEAK" 20 || fail "ipcd did not stop"
grep -qx "exited $IPCD_PID 0" "$DIR/leak.out" ||
	fail "ipcd with a leaked LISTEN_PID: $(cat "$DIR/leak.out")"
[ ! -e "$DIR/own.sock" ] || fail "ipcd left its own socket behind"
IPCD_PID=""
exit 0
