#!/bin/sh
# Install the Debian packages ntosim needs to build and test, if missing.
# Used by the README's quick start and by .ci/run.
set -e
pkgs="build-essential autoconf automake libtool pkg-config libevent-dev check procps cmake"
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
