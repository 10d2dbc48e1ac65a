#!/bin/sh
# Install the Debian packages ntosim needs to build and test, if missing.
# Used by the README's quick start and by .ci/run. Needs root for apt-get:
# as root directly, else through sudo; without either it says exactly what
# to run instead and exits 1. With --packaging, also what building and
# checking the Debian packages needs (docs/packaging.md).
set -e
pkgs="build-essential autoconf automake libtool pkg-config libevent-dev check procps cmake libnng-dev openssl"
if [ "${1:-}" = --packaging ]; then
	# dh, lintian, the newcomer test's clean root, man pages, unit checks
	pkgs="$pkgs debhelper lintian mmdebstrap man-db systemd"
fi
missing=""
for p in $pkgs; do
	dpkg -s "$p" >/dev/null 2>&1 || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
# advise WHY: the command to run instead, then fail
advise() {
	echo "install-deps: $1" >&2
	echo "install-deps: as root, run:  apt-get install -y$missing" >&2
	echo "install-deps: then run  sh tools/quickstart.sh  again as yourself" >&2
	exit 1
}
command -v apt-get >/dev/null 2>&1 ||
	advise "no apt-get here; install these (Debian names) with your package manager:$missing"
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
	command -v sudo >/dev/null 2>&1 ||
		advise "these packages are missing:$missing, installing them needs root, and sudo is not installed"
	SUDO="sudo"
fi
echo "install-deps: installing$missing${SUDO:+ (through sudo)}"
$SUDO apt-get update -qq || true
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq $missing ||
	advise "apt-get install failed${SUDO:+ (through sudo: are you allowed to use it?)}"
