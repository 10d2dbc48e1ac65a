#!/bin/sh
# Install the Debian packages ntosim needs to build and test, if missing.
# Used by the README's quick start and by .ci/run. With --packaging, also
# what building and checking the Debian packages needs (docs/packaging.md).
set -e
pkgs="build-essential autoconf automake libtool pkg-config libevent-dev check procps cmake"
if [ "${1:-}" = --packaging ]; then
	# dh, lintian, the newcomer test's clean root, man pages, unit checks
	pkgs="$pkgs debhelper lintian mmdebstrap man-db systemd"
fi
missing=""
for p in $pkgs; do
	dpkg -s "$p" >/dev/null 2>&1 || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
echo "install-deps: installing$missing"
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
$SUDO apt-get update -qq || true
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq $missing
