# Sourced by tests/unit/preload_*.sh (not a test itself): a private temp
# dir with a private ipcd, posix_rm servers started on demand, cleanup on
# any exit, and `run CMD...` to run one unmodified program with
# LD_PRELOAD=libnto.so. Exit codes follow automake: 0 pass, 77 skip, 99
# hard error; tests call fail() (exit 1) on a wrong result.
set -u

fail() { echo "FAIL: $*" >&2; exit 1; }
hard() { echo "ERROR: $*" >&2; exit 99; }
skip() { echo "SKIP: $*" >&2; exit 77; }

: "${NTOSIM_BUILDDIR:=$(cd "$(dirname "$0")/../.." && pwd)}"
LIBNTO=$NTOSIM_BUILDDIR/kernel-sim/.libs/libnto.so
IPCD=${NTOSIM_IPCD:-$NTOSIM_BUILDDIR/ipcd}
POSIX_RM=$NTOSIM_BUILDDIR/tests/unit/posix_rm
WAIT=20 # seconds: the bound on every command

[ -x "$IPCD" ] || hard "no ipcd at $IPCD"
[ -f "$LIBNTO" ] || hard "no shared libnto at $LIBNTO"
[ -x "$POSIX_RM" ] || hard "no posix_rm at $POSIX_RM"
command -v timeout >/dev/null 2>&1 || skip "timeout(1) is missing"
# a sanitizer runtime must come first in the process: no preloading then
if ldd "$LIBNTO" 2>/dev/null | grep -q 'lib[atu]san'; then
	skip "libnto is built with a sanitizer"
fi

TMP=$(mktemp -d "${TMPDIR:-/tmp}/ntosim-preload.XXXXXX") || hard "mktemp"
SRV_PIDS=
cleanup() {
	for p in $SRV_PIDS; do kill -9 "$p" 2>/dev/null; done
	if [ -f "$TMP/ipcd.sock.pid" ]; then
		kill -9 "$(cat "$TMP/ipcd.sock.pid")" 2>/dev/null
	fi
	rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 99' HUP INT TERM

NTOSIM_SOCKET=$TMP/ipcd.sock
export NTOSIM_SOCKET
# ipcd daemonizes once it accepts connections; its pid is in SOCKET.pid
timeout "$WAIT" "$IPCD" -s "$NTOSIM_SOCKET" || hard "ipcd did not start"

# A prefix nothing on disk has, so only the simulated server can answer.
P=/ntosim-test-$$
[ -e "$P" ] && hard "$P exists on disk"

# start_rm ARGS...: a posix_rm daemon, returned once its path is registered
start_rm() {
	_pid=$(timeout "$WAIT" "$POSIX_RM" -D "$@") || hard "posix_rm $*"
	SRV_PIDS="$SRV_PIDS $_pid"
}

# run CMD...: one unmodified program with libnto preloaded, bounded
run() {
	timeout "$WAIT" env LD_PRELOAD="$LIBNTO" "$@"
}
