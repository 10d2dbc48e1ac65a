#!/bin/sh
# Behaviour: directories and name changes in a resource manager. A
# directory resmgr (_RESMGR_FLAG_DIR, QNX struct dirent records from
# _IO_READ) is listed with opendir/readdir in a -lnto program and with ls
# under LD_PRELOAD; unlink, rename, mkdir/rmdir, mknod, link,
# symlink/readlink and openfd reach its handlers through the iofunc helpers; a read it holds
# is handled again with resmgr_msg_again once data is written; and
# `ls /dev/name/local` lists the names processes have attached.
# Forced: tests/compat/dir_cli against tests/compat/dir_srv, ls(1), and two
# dir_cli processes that name_attach.
. "${NTOSIM_SRCDIR:-.}/tests/fault/lib.sh"
SRV=$NTOSIM_BUILDDIR/tests/compat/dir_srv
CLI=$NTOSIM_BUILDDIR/tests/compat/dir_cli
need "$IPCD" "$FAULT_CLI" "$SRV" "$CLI"
start_ipcd

bg srv "$SRV" /dev/qfs
srv=$BG
wait_path /dev/qfs || fail "dir_srv did not register: $(cat "$DIR/srv.err")"
wait_line "$DIR/srv.out" '^devino [0-9]+ [0-9]+$' ||
	fail "dir_srv: $(cat "$DIR/srv.err")"

# a read of the empty "wait" is held; a write makes the server handle it
# again (resmgr_msg_again) and the reader gets the data
bg reader "$CLI" waitread /dev/qfs/wait
reader=$BG
wait_line "$DIR/srv.out" '^held$' || fail "the read was not held"
timeout 10 "$CLI" write /dev/qfs/wait hello || fail "write to wait"
wait_exit $reader || fail "held reader still blocked"
[ "$STATUS" = 0 ] || fail "reader failed: $(cat "$DIR/reader.err")"
grep -qx 'read hello' "$DIR/reader.out" ||
	fail "held reader got: $(cat "$DIR/reader.out")"

timeout 20 "$CLI" check /dev/qfs >"$DIR/cli.out" 2>&1 ||
	fail "dir_cli: $(cat "$DIR/cli.out")"
grep -qx ok "$DIR/cli.out" || fail "dir_cli said: $(cat "$DIR/cli.out")"

# pathname-space directories: the names below /dev/name/local
bg n1 "$CLI" name compat-dir-one
wait_line "$DIR/n1.out" '^attached$' || fail "name_attach: $(cat "$DIR/n1.err")"
bg n2 "$CLI" name compat-dir-two
wait_line "$DIR/n2.out" '^attached$' || fail "name_attach: $(cat "$DIR/n2.err")"
out=$(timeout 10 "$CLI" list /dev/name/local) || fail "list: $out"
[ "$out" = ". .. compat-dir-one compat-dir-two" ] ||
	fail "/dev/name/local lists: $out"
out=$(timeout 10 "$CLI" list /dev/name) || fail "list: $out"
[ "$out" = ". .. local" ] || fail "/dev/name lists: $out"
# a rename whose old path another server holds: dir_srv's resmgr layer
# refuses it (the handler only ever sees paths below its mount point)
out=$(timeout 10 "$CLI" rename /dev/name/local/compat-dir-one /dev/qfs/moved)
[ "$out" = EXDEV ] || fail "rename across servers: $out"

# the same with an unmodified ls, under LD_PRELOAD
[ -z "$SAN_RT" ] || exit 0 # a sanitizer build: no LD_PRELOAD (see lib.sh)
LS=$(command -v ls) || exit 0
out=$(timeout 10 $NTO "$LS" /dev/qfs | tr '\n' ' ') || fail "ls /dev/qfs: $out"
[ "$out" = "fifo hard ln wait " ] || fail "ls /dev/qfs: $out"
out=$(timeout 10 $NTO "$LS" -a /dev/name/local | tr '\n' ' ') ||
	fail "ls /dev/name/local: $out"
[ "$out" = ". .. compat-dir-one compat-dir-two " ] ||
	fail "ls /dev/name/local: $out"
out=$(timeout 10 $NTO "$LS" -ld /dev/name/local 2>&1) || fail "ls -ld: $out"
case $out in
d*/dev/name/local) ;;
*) fail "ls -ld /dev/name/local: $out" ;;
esac
exit 0
