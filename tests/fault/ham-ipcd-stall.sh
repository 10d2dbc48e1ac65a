#!/bin/sh
# Behaviour: ntosim-ham told to stop while ipcd is stalled (SIGSTOPped)
# still exits, with status 0, within the bound of its control calls: it
# stops its server by signals, and when destroying its name's channel
# times out it says so and leaves its control thread blocked rather than
# waiting for a thread that only the stalled ipcd could wake. No
# sanitizer report.
# Forced: ipcd SIGSTOPped under a running manager with
# NTOSIM_CTL_TIMEOUT_MS=500, then SIGTERM to the manager; ipcd resumes
# only after the manager has exited.
. "${NTOSIM_SRCDIR:-.}/tests/fault/lib.sh"
need "$IPCD" "$HAM" "$HAMCTL" "$PATTERN"
start_ipcd
NTOSIM_CTL_TIMEOUT_MS=500
export NTOSIM_CTL_TIMEOUT_MS
STATE=$DIR/his.state
cat >"$DIR/his.conf" <<EOF
[pat]
command = $PATTERN -p /dev/his-pat
ready = /dev/his-pat
EOF
bg ham "$HAM" -n his -f "$DIR/his.conf" -S "$STATE"
ham=$BG
timeout 30 "$HAMCTL" -n his -t 20000 wait pat running >/dev/null ||
	fail "pat never ran"
pat=$(timeout 30 "$HAMCTL" -n his pid pat) || fail "no pid for pat"
track "$pat"

kill -STOP "$IPCD_PID"
kill -TERM "$ham"
wait_exit "$ham" 30 || fail "ntosim-ham hangs on exit with ipcd stalled"
kill -CONT "$IPCD_PID"
[ "$STATUS" = 0 ] || fail "ntosim-ham exit status $STATUS, not 0"
grep -q "ntosim-ham: pat: pid $pat killed by signal 15" "$DIR/ham.err" ||
	fail "pat was not stopped by SIGTERM"
grep -q 'ntosim-ham: ChannelDestroy: Connection timed out: leaving the control thread blocked' "$DIR/ham.err" ||
	fail "ntosim-ham did not say why it left its control thread"
exited "$pat" || fail "pat pid $pat outlived its manager"
[ ! -e "$STATE" ] || fail "state file left behind"
san_clean
