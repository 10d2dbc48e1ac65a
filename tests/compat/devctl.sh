#!/bin/sh
# Behaviour: devctl() on both sides. A QNX-style resource manager with an
# io_devctl handler answers __DIOT/__DIOF/__DIOTF/__DION commands, a
# ret_val-only command, an error, and (through iofunc_devctl_default) the
# DCMD_ALL_* commands; the client sees error numbers as devctl's return
# value, the data, dev_info, and ENOTTY for an unknown command.
# Forced: tests/compat/devctl_cli runs its checks against devctl_srv.
. "${NTOSIM_SRCDIR:-.}/tests/fault/lib.sh"
SRV=$NTOSIM_BUILDDIR/tests/compat/devctl_srv
CLI=$NTOSIM_BUILDDIR/tests/compat/devctl_cli
need "$IPCD" "$FAULT_CLI" "$SRV" "$CLI"
start_ipcd

bg srv "$SRV" /dev/sample
wait_path /dev/sample || fail "devctl_srv did not register: $(cat "$DIR/srv.err")"
timeout 20 "$CLI" /dev/sample >"$DIR/cli.out" 2>&1 ||
	fail "devctl_cli: $(cat "$DIR/cli.out")"
grep -qx ok "$DIR/cli.out" || fail "devctl_cli said: $(cat "$DIR/cli.out")"
exit 0
