#!/bin/sh
# The shipped systemd units are valid (systemd-analyze verify: syntax,
# known directives, ExecStart runs this build's programs), the user socket
# is libnto's per-user default socket, and ipcd accepts the socket a unit
# passes (the LISTEN_FDS path itself is tests/fault/ipcd-socket-activation.sh).
# Skips (77) without systemd-analyze.
set -u
src=${NTOSIM_SRCDIR:-.}
bld=${NTOSIM_BUILDDIR:-.}
command -v systemd-analyze >/dev/null 2>&1 ||
	{ echo "SKIP: systemd-analyze is not installed"; exit 77; }
tmp=$(mktemp -d) || exit 99
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

for kind in system user; do
	mkdir -p "$tmp/$kind"
	for f in "$src"/packaging/systemd/$kind/*; do
		b=${f##*/}
		sed -e "s|@bindir@|$bld|g" -e "s|@sysconfdir@|$tmp|g" "$f" \
			>"$tmp/$kind/${b%.in}"
	done
	[ "$(ls "$tmp/$kind")" = "ipcd.service
ipcd.socket
ntosim-ham.service" ] || fail "$kind units: $(ls "$tmp/$kind")"
	grep -q '@[a-z]*@' "$tmp/$kind"/* && fail "$kind: an unsubstituted @var@"
done
timeout 120 systemd-analyze verify --man=no "$tmp"/system/* \
	>"$tmp/sys.out" 2>&1 || fail "system units: $(cat "$tmp/sys.out")"
XDG_RUNTIME_DIR=$tmp timeout 120 systemd-analyze --user verify --man=no \
	"$tmp"/user/* >"$tmp/user.out" 2>&1 ||
	fail "user units: $(cat "$tmp/user.out")"

# The sockets are where libnto looks by default (sockpath.c), and are
# SOCK_SEQPACKET, private, and left in place for ipcd's restarts.
grep -qx 'ListenSequentialPacket=%t/ntosim/ipcd.sock' "$tmp/user/ipcd.socket" ||
	fail "user socket is not \$XDG_RUNTIME_DIR/ntosim/ipcd.sock"
grep -qx 'ListenSequentialPacket=/run/ntosim/ipcd.sock' "$tmp/system/ipcd.socket" ||
	fail "system socket is not /run/ntosim/ipcd.sock"
for kind in system user; do
	grep -qx 'SocketMode=0600' "$tmp/$kind/ipcd.socket" ||
		fail "$kind socket is not 0600"
	grep -qx "ExecStart=$bld/ipcd -f" "$tmp/$kind/ipcd.service" ||
		fail "$kind ipcd.service does not run ipcd -f"
	grep -q "^ExecStart=$bld/ntosim-ham -f " "$tmp/$kind/ntosim-ham.service" ||
		fail "$kind ntosim-ham.service does not run ntosim-ham -f CONFIG"
done
echo "system and user units verified"
