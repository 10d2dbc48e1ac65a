#!/bin/sh
# The newcomer test (issue 12): on a fresh minimal Debian root, does what a
# new user does and checks that each step works as README.md says.
#  1. clone the checkout as user "newcomer" (who has sudo) and run the
#     README's "Quick start" commands literally;
#  2. as newcomer, run the README's "Using it" commands literally;
#  3. `sudo make install` to /usr/local: the programs are on PATH and run
#     with no manual ldconfig; "Using it" again in a clean clone; then
#     `sudo make uninstall`;
#  4. as root install the .debs built from this checkout
#     (tools/build-debs.sh) and run "Using it" again in the clean clone;
#  5. build a QNX client with pkg-config and run it with no ipcd running
#     (libnto starts one).
# Commands are read from README.md at run time (a ```sh block's lines in
# the section). Needs root, mmdebstrap, unshare and a Debian mirror; skips
# (77) without them. The minimal root is made once and cached as a tarball
# in $NEWCOMER_CACHE (default /var/cache/ntosim-newcomer, remade after 7
# days); each run unpacks a fresh copy. NEWCOMER_CHECK=0 leaves out the
# quick start's `make check` line, and NEWCOMER_DEBS=DIR takes the .debs
# from DIR instead of building them (both for quicker runs while
# developing).
# Runs as `make check-newcomer`; .ci/run runs it as root.
set -u
src=$(cd "${NTOSIM_SRCDIR:-$(dirname "$0")/../..}" && pwd)
cache=${NEWCOMER_CACHE:-/var/cache/ntosim-newcomer}
suite=${NEWCOMER_SUITE:-bookworm}
t0=$(date +%s)

skip() { echo "SKIP: $*"; exit 77; }
fail() { echo "FAIL: $*"; exit 1; }
step() { echo "== $* ($(($(date +%s) - t0)) s)"; }

[ "$(id -u)" = 0 ] || skip "needs root (a chroot and mounts)"
for t in mmdebstrap unshare chroot git; do
	command -v $t >/dev/null 2>&1 || skip "$t is not installed"
done
[ -d "$src/.git" ] || [ -f "$src/.git" ] || skip "$src is not a git checkout"

# ---- the cached minimal root ----
tarball=$cache/$suite-minbase.tar
mkdir -p "$cache" || skip "cannot create $cache"
if [ -z "$(find "$tarball" -mtime -7 2>/dev/null)" ]; then
	step "making a minimal $suite root (cached in $tarball)"
	timeout 1200 mmdebstrap --variant=minbase \
		--include=git,ca-certificates,sudo "$suite" "$tarball.tmp" \
		>"$cache/mmdebstrap.log" 2>&1 || {
		tail -n 5 "$cache/mmdebstrap.log"
		rm -f "$tarball.tmp"
		skip "mmdebstrap failed (no mirror?): $cache/mmdebstrap.log"
	}
	mv "$tarball.tmp" "$tarball"
fi

work=$(mktemp -d "${TMPDIR:-/var/tmp}/ntosim-newcomer-XXXXXX") || exit 99
trap 'rm -rf "$work"' EXIT

# ---- the packages, built on this machine from this checkout ----
if [ -n "${NEWCOMER_DEBS:-}" ]; then
	step "using the packages in $NEWCOMER_DEBS (NEWCOMER_DEBS)"
	mkdir -p "$work/debs" && cp "$NEWCOMER_DEBS"/*.deb "$work/debs/" ||
		fail "no .deb in $NEWCOMER_DEBS"
else
	step "building the .deb packages (tools/build-debs.sh)"
	NOCHECK=1 sh "$src/tools/build-debs.sh" "$work/debs" \
		>"$work/debs.log" 2>&1 ||
		{ tail -n 30 "$work/debs.log"; fail "building the packages failed"; }
fi
rm -f "$work"/debs/*-dbgsym_*.deb

# ---- README's commands ----
# section_sh TITLE: the lines of the ```sh blocks in README's section whose
# heading starts with "## TITLE", comments and blank lines kept.
section_sh() {
	awk -v t="## $1" '
		index($0, t) == 1 { in_sec = 1; next }
		in_sec && /^## / { in_sec = 0 }
		in_sec && /^```sh/ { in_code = 1; next }
		in_sec && in_code && /^```/ { in_code = 0; next }
		in_sec && in_code { print }
	' "$src/README.md"
}
section_sh "Quick start" >"$work/quickstart.sh"
section_sh "Using it" >"$work/using.sh"
[ -s "$work/quickstart.sh" ] || fail "README.md has no Quick start commands"
[ -s "$work/using.sh" ] || fail "README.md has no Using it commands"
if [ "${NEWCOMER_CHECK:-1}" = 0 ]; then
	sed -i 's/^make check\b/: make check left out by NEWCOMER_CHECK=0 #/' \
		"$work/quickstart.sh"
fi

# The QNX client: a pulse to its own channel through ipcd.
cat >"$work/qnxclient.c" <<'EOF'
#include <stdio.h>
#include <sys/neutrino.h>

int main(void)
{
	struct _pulse p;
	int chid = ChannelCreate(0), coid, rcvid;

	if (chid < 0) {
		perror("ChannelCreate");
		return 1;
	}
	coid = ConnectAttach(0, 0, chid, _NTO_SIDE_CHANNEL, 0);
	if (coid < 0 || MsgSendPulse(coid, 10, 42, 0x1234) < 0) {
		perror("ConnectAttach/MsgSendPulse");
		return 1;
	}
	rcvid = MsgReceive(chid, &p, sizeof(p), NULL);
	if (rcvid != 0 || p.code != 42 || p.value.sival_int != 0x1234) {
		fprintf(stderr, "got rcvid %d code %d value %#x\n", rcvid,
			p.code, p.value.sival_int);
		return 1;
	}
	printf("pulse code 42 value 0x1234 received\n");
	return 0;
}
EOF

# ---- the run inside the root: a private mount and pid namespace, so
# every mount and every process left running goes away with it ----
root=$work/root
mkdir -p "$root"
step "unpacking the root"
tar -C "$root" -xf "$tarball" || fail "cannot unpack $tarball"
cp /etc/resolv.conf "$root/etc/resolv.conf" 2>/dev/null
mkdir -p "$root/newcomer"
cp "$work"/debs/*.deb "$work/quickstart.sh" "$work/using.sh" \
	"$work/qnxclient.c" "$root/newcomer/"
git clone -q --bare --no-local "$src" "$root/newcomer/ntosim.git" ||
	fail "git clone $src failed"
(cd "$src" && git ls-files -co --exclude-standard -z |
	xargs -0 sh -c 'for f; do [ -e "$f" ] && printf "%s\0" "$f"; done' sh |
	tar --null -cf - -T -) >"$root/newcomer/tree.tar"

cat >"$root/newcomer/inside.sh" <<'INSIDE'
set -u
fail() { echo "FAIL: $*"; exit 1; }
# a failed "Using it" pass is reported and the later steps still run
FAILED=""
failed() { echo "FAIL: $*"; FAILED="$FAILED
  $*"; }
step() { echo "== $*"; }
export DEBIAN_FRONTEND=noninteractive LC_ALL=C.UTF-8
useradd -m -s /bin/bash newcomer || fail "useradd"
echo 'newcomer ALL=(ALL) NOPASSWD: ALL' >/etc/sudoers.d/newcomer
chmod 0440 /etc/sudoers.d/newcomer
chown -R newcomer: /newcomer/ntosim.git
as_user() { su - newcomer -c "$1"; }
# the clone holds this checkout's files as they are, committed or not
as_user 'git clone -q /newcomer/ntosim.git ntosim && cd ntosim &&
	tar -xf /newcomer/tree.tar && git add -A &&
	git -c user.name=newcomer -c user.email=newcomer@localhost \
		commit -qm "the checkout under test" --allow-empty' ||
	fail "clone as newcomer"
cp /newcomer/*.sh /newcomer/qnxclient.c /home/newcomer/
chown newcomer: /home/newcomer/*.sh /home/newcomer/qnxclient.c

# kill_user: every process of newcomer's (this pid namespace only)
kill_user() {
	uid=$(id -u newcomer)
	for s in /proc/[0-9]*/status; do
		grep -q "^Uid:[[:space:]]*$uid[[:space:]]" "$s" 2>/dev/null &&
			kill -9 "$(basename "$(dirname "$s")")" 2>/dev/null
	done
	for i in 1 2 3 4 5 6 7 8 9 10; do
		grep -lq "^Uid:[[:space:]]*$uid[[:space:]]" /proc/[0-9]*/status \
			2>/dev/null || return 0
		sleep 0.2
	done
}

using_dir=ntosim
# run_using WHAT: README's "Using it" as newcomer in the clone; every line
# literally, in one bash -e (so `. file` and `cd` carry to the next line).
# A command that is not found, a missing file, or no ipcd is a failure
# even where a pipeline hides the exit status.
run_using() {
	step "README \"Using it\" as newcomer ($1)"
	as_user "cd $using_dir && timeout 300 bash -e ~/using.sh" \
		>/tmp/using.out 2>/tmp/using.err
	rc=$?
	sed 's/^/    | /' /tmp/using.out
	sed 's/^/    ! /' /tmp/using.err
	if [ $rc -ne 0 ]; then
		failed "\"Using it\" ($1) exited $rc"
	elif grep -Eiq 'command not found|No such file|not connected|cannot (open|connect)|error while loading' \
		/tmp/using.err; then
		failed "\"Using it\" ($1) printed an error"
	fi
	kill_user
}

step "README \"Quick start\" as newcomer (with sudo), in the clone"
as_user 'cd ntosim && timeout 3600 bash -e ~/quickstart.sh' \
	>/tmp/quick.log 2>&1
rc=$?
tail -n 15 /tmp/quick.log | sed 's/^/    | /'
[ $rc -eq 0 ] || { tail -n 60 /tmp/quick.log; fail "Quick start exited $rc"; }
kill_user

run_using "the build tree, nothing installed"

# make install to /usr/local: the programs run with no manual ldconfig
step "sudo make install (/usr/local), as newcomer"
as_user 'cd ntosim && sudo make install' >/tmp/install.log 2>&1 ||
	{ tail -n 30 /tmp/install.log; fail "sudo make install"; }
grep 'ntosim: ' /tmp/install.log | sed 's/^/    | /'
ldconfig -p | grep -q 'libnto.so.0 .*=> /usr/local/lib/libnto.so.0$' ||
	fail "libnto.so.0 is not in the loader cache after make install"
for p in ipcd pidin ntosim-pattern ntosim-ham hamctl; do
	[ "$(as_user "command -v $p")" = "/usr/local/bin/$p" ] ||
		fail "$p is not on newcomer's PATH in /usr/local/bin"
done
[ -s /usr/local/share/doc/ntosim/protocol.md ] ||
	fail "protocol.md (cited by ipcd(8)) is not installed"
# a clean clone: "Using it" must not need the build tree now
as_user 'git clone -q ntosim ntosim-clean' || fail "clone"
using_dir=ntosim-clean
run_using "after make install, in a clean clone"
as_user 'cd ntosim && sudo make uninstall' >/tmp/uninstall.log 2>&1 ||
	{ tail -n 30 /tmp/uninstall.log; fail "sudo make uninstall"; }
[ ! -e /usr/local/bin/ipcd ] || fail "make uninstall left /usr/local/bin/ipcd"

step "installing the packages"
apt-get install -y -qq /newcomer/*.deb >/tmp/apt.log 2>&1 ||
	{ tail -n 20 /tmp/apt.log; fail "apt-get install of the .debs"; }
for p in ipcd pidin ntosim-pattern ntosim-ham hamctl; do
	[ "$(command -v $p)" = "/usr/bin/$p" ] || fail "$p is not in /usr/bin"
done
[ -s /usr/share/doc/ntosim/protocol.md ] || fail "protocol.md not installed"
run_using "the Debian packages, in a clean clone"

step "a QNX client built with pkg-config, ipcd not running"
as_user 'cc -o qnxclient qnxclient.c $(pkg-config --cflags --libs ntosim)' ||
	fail "building the QNX client with pkg-config"
pre=""
if ! grep -q NTOSIM_AUTOSTART /usr/lib/*/libnto.so.0; then
	echo "    note: this libnto has no autostart yet: starting ipcd first"
	pre="ipcd && "
fi
as_user "$pre timeout 60 ./qnxclient" >/tmp/client.out 2>&1
rc=$?
sed 's/^/    | /' /tmp/client.out
[ $rc -eq 0 ] || fail "the QNX client exited $rc"
grep -qx 'pulse code 42 value 0x1234 received' /tmp/client.out ||
	fail "the QNX client did not get its pulse"
kill_user
[ -z "$FAILED" ] || fail "these steps failed:$FAILED"
echo "== inside: all steps passed"
INSIDE

step "running inside the root (mount and pid namespace)"
timeout 5400 unshare --mount --pid --fork --propagation private sh -c '
	root=$1
	mount -t proc proc "$root/proc" &&
	mount --rbind /dev "$root/dev" &&
	mount -t tmpfs -o mode=1777 tmpfs "$root/dev/shm" &&
	mount -t tmpfs -o mode=1777 tmpfs "$root/tmp" || exit 99
	exec chroot "$root" /bin/sh /newcomer/inside.sh
' sh "$root" 2>&1 | tee "$work/inside.log"
rc=$(grep -c '^== inside: all steps passed$' "$work/inside.log")
step "done"
[ "$rc" = 1 ] || fail "the newcomer steps failed (log above)"
echo "newcomer: passed in $(($(date +%s) - t0)) s"
