# Source this from the top of an ntosim checkout (". tools/env.sh"). In a
# configured build tree it puts that build's programs (ipcd, pidin, the
# servers, ntosim-run, waitfor), libraries and uninstalled .pc files on
# PATH, LD_LIBRARY_PATH and PKG_CONFIG_PATH (tools/env-build.sh, written by
# configure); where ntosim is installed (make install, the .deb) and the
# checkout is not built, it changes nothing, so the README's commands work
# the same. POSIX sh, bash and zsh.
if [ -f tools/env-build.sh ]; then
	. tools/env-build.sh
fi
