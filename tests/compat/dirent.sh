#!/bin/sh
# Behaviour: QNX's struct dirent. A directory resource manager fills
# struct dirent records as QNX's guide does (d_namelen, d_offset, 8- or
# 4-aligned d_reclen, stat extras on _IO_XFLAG_DIR_EXTRA_HINT); a client
# built with ntosim's headers reads it with opendir/readdir (exact names,
# lengths and offsets), dircntl(D_FLAG_STAT) and the _DEXTRA_* walk,
# readdir_r/_readdir_r, telldir/seekdir and scandir/alphasort, and reads a
# Linux directory the same way (names as `ls -a` gives them, lstat extras
# as stat(1) gives them); a broken server's record ends the listing with
# EBADMSG; an unmodified ls, and a plain program's scandir, list the
# resource manager's directory under LD_PRELOAD.
# Forced: tests/compat/dirent_cli against tests/compat/dirent_srv (three
# instances: 8-aligned, 4-aligned, broken), a temp Linux directory, ls(1),
# tests/compat/dirent_scan (glibc's headers, no libnto).
. "${NTOSIM_SRCDIR:-.}/tests/fault/lib.sh"
SRV=$NTOSIM_BUILDDIR/tests/compat/dirent_srv
CLI=$NTOSIM_BUILDDIR/tests/compat/dirent_cli
need "$IPCD" "$FAULT_CLI" "$SRV" "$CLI"
export LC_ALL=C
start_ipcd

bg srv8 "$SRV" /dev/qdir
wait_path /dev/qdir || fail "dirent_srv did not register: $(cat "$DIR/srv8.err")"
bg srv4 "$SRV" -4 /dev/qdir4
wait_path /dev/qdir4 || fail "dirent_srv -4: $(cat "$DIR/srv4.err")"
bg srvb "$SRV" -b /dev/qdirb
wait_path /dev/qdirb || fail "dirent_srv -b: $(cat "$DIR/srvb.err")"

# what the server serves: name, d_namelen, d_offset (its entry number)
long=$(printf '%255s' '' | tr ' ' x)
{
	printf '. 1 0\n.. 2 1\na 1 2\nbb 2 3\ndddd 4 4\n%s 255 5\n' "$long"
	i=0
	while [ $i -lt 100 ]; do
		printf 'file%03d 7 %d\n' $i $((i + 6))
		i=$((i + 1))
	done
} >"$DIR/want.list"

for m in /dev/qdir /dev/qdir4; do
	timeout 20 "$CLI" list $m >"$DIR/got.list" 2>&1 ||
		fail "dirent_cli list $m: $(cat "$DIR/got.list")"
	cmp -s "$DIR/want.list" "$DIR/got.list" ||
		fail "list $m: $(diff "$DIR/want.list" "$DIR/got.list" | head)"
done

# D_FLAG_STAT: the server's _DTYPE_STAT extra on every entry
awk '{ print $1, "STAT", (NR <= 2 ? "40755" : "100640") }' \
	"$DIR/want.list" >"$DIR/want.stat"
timeout 20 "$CLI" stat /dev/qdir >"$DIR/got.stat" 2>&1 ||
	fail "dirent_cli stat: $(cat "$DIR/got.stat")"
cmp -s "$DIR/want.stat" "$DIR/got.stat" ||
	fail "stat /dev/qdir: $(diff "$DIR/want.stat" "$DIR/got.stat" | head)"
# the 4-aligned server sends no extras: none, and nothing misread
timeout 20 "$CLI" stat /dev/qdir4 >"$DIR/got.stat4" 2>&1 ||
	fail "dirent_cli stat -4: $(cat "$DIR/got.stat4")"
[ "$(grep -c ' none$' "$DIR/got.stat4")" = 106 ] ||
	fail "stat /dev/qdir4: $(head -3 "$DIR/got.stat4")"

out=$(timeout 20 "$CLI" api /dev/qdir 2>&1) || fail "dirent_cli api: $out"
[ "$out" = "entries 106 selected 100" ] || fail "api /dev/qdir: $out"

# a broken record: the good entries, then EBADMSG
out=$(timeout 20 "$CLI" list /dev/qdirb 2>&1) && fail "broken server read: $out"
[ "$out" = "$(printf '. 1 0\n.. 2 1\na 1 2\nbb 2 3\nerror EBADMSG')" ] ||
	fail "broken server: $out"

# a Linux directory through the same calls
real=$DIR/real
mkdir "$real" "$real/sub" || hard "mkdir"
: >"$real/one"
: >"$real/two words"
: >"$real/$(printf '%255s' '' | tr ' ' y)"
ln -s one "$real/ln" && mkfifo "$real/fifo" || hard "ln/mkfifo"
ls -a "$real" | sort >"$DIR/want.real"
[ "$(wc -l <"$DIR/want.real")" = 8 ] || hard "ls -a: $(cat "$DIR/want.real")"
timeout 20 "$CLI" names "$real" >"$DIR/got.real" 2>&1 ||
	fail "dirent_cli names: $(cat "$DIR/got.real")"
sort "$DIR/got.real" | cmp -s "$DIR/want.real" - ||
	fail "names $real: $(sort "$DIR/got.real" | diff "$DIR/want.real" -)"
while read -r n; do
	printf '%s LSTAT %o\n' "$n" "0x$(stat -c %f "$real/$n")"
done <"$DIR/want.real" >"$DIR/want.rstat"
timeout 20 "$CLI" stat "$real" >"$DIR/got.rstat" 2>&1 ||
	fail "dirent_cli stat $real: $(cat "$DIR/got.rstat")"
sort "$DIR/got.rstat" | cmp -s "$DIR/want.rstat" - ||
	fail "stat $real: $(sort "$DIR/got.rstat" | diff "$DIR/want.rstat" -)"
out=$(timeout 20 "$CLI" api "$real" 2>&1) || fail "dirent_cli api $real: $out"
[ "$out" = "entries 8 selected 1" ] || fail "api $real: $out"

# an unmodified ls (glibc's struct dirent) under LD_PRELOAD
[ -z "$SAN_RT" ] || exit 0 # a sanitizer build: no LD_PRELOAD (see lib.sh)
LS=$(command -v ls) || exit 0
cut -d' ' -f1 "$DIR/want.list" | sort >"$DIR/want.ls"
for m in /dev/qdir /dev/qdir4; do
	timeout 20 $NTO "$LS" -a $m >"$DIR/got.ls" 2>&1 ||
		fail "ls -a $m: $(cat "$DIR/got.ls")"
	cmp -s "$DIR/want.ls" "$DIR/got.ls" ||
		fail "ls -a $m: $(diff "$DIR/want.ls" "$DIR/got.ls" | head)"
done
# glibc's scandir cannot read a simulated directory; libnto's takes it
SCAN=$NTOSIM_BUILDDIR/tests/compat/dirent_scan
grep -v '^file' "$DIR/want.ls" >"$DIR/want.scan"
timeout 20 $NTO "$SCAN" /dev/qdir >"$DIR/got.scan" 2>&1 ||
	fail "scandir /dev/qdir: $(cat "$DIR/got.scan")"
cmp -s "$DIR/want.scan" "$DIR/got.scan" ||
	fail "scandir /dev/qdir: $(diff "$DIR/want.scan" "$DIR/got.scan")"
# and a Linux directory still gets glibc's (no name there starts "file")
timeout 20 $NTO "$SCAN" "$real" >"$DIR/got.rscan" 2>&1 ||
	fail "scandir $real: $(cat "$DIR/got.rscan")"
cmp -s "$DIR/want.real" "$DIR/got.rscan" ||
	fail "scandir $real: $(diff "$DIR/want.real" "$DIR/got.rscan")"
out=$(timeout 20 $NTO "$LS" /dev/qdirb 2>&1) && fail "ls of a broken server: $out"
case $out in
*"Bad message"*) ;;
*) fail "ls of a broken server: $out" ;;
esac
exit 0
