#!/bin/sh
# Behaviour: a QNX project's own Makefile (tests/qcc/project: -V target,
# -Wc, and -Wl, options, -w9, -N, -M, an archive built with qcc -A,
# -lsocket, a C server and a C++ client built with -lang-c++) builds
# unchanged with `make CC=ntosim-qcc`, and again with plain `make` and
# tools/qcc/bin (qcc, q++, QCC) on PATH; the second build's server and
# client exchange
# messages over a private ipcd: the client gets each line back reversed
# and upper-cased by the archive's code, from the version the Makefile's
# -D set; the link map -M asked for exists and names libnto.
# Forced: nothing; every wait is bounded.
. "${NTOSIM_SRCDIR:-.}/tests/fault/lib.sh"
QCC=$NTOSIM_BUILDDIR/ntosim-qcc
need "$IPCD" "$FAULT_CLI" "$QCC"
command -v make >/dev/null 2>&1 || skip "make is missing"
start_ipcd

cp -R "$NTOSIM_SRCDIR/tests/qcc/project" "$DIR/project" || hard "cp"
chmod -R u+w "$DIR/project"
timeout 300 make -C "$DIR/project" CC="$QCC" >"$DIR/make.out" 2>&1 ||
	fail "make CC=ntosim-qcc failed: $(tail -n 20 "$DIR/make.out")"
P=$DIR/project
[ -s "$P/echo-server" ] || fail "make CC=ntosim-qcc made no echo-server"
make -C "$P" clean >/dev/null 2>&1 || fail "make clean failed"
[ -e "$P/echo-server" ] && hard "make clean left echo-server"
# the Makefile's own CC = qcc, found on PATH
PATH=$NTOSIM_BUILDDIR/tools/qcc/bin:$PATH timeout 300 make -C "$P" \
	>"$DIR/make2.out" 2>&1 ||
	fail "make with qcc on PATH failed: $(tail -n 20 "$DIR/make2.out")"
grep -q '^qcc -Vgcc_ntox86_64 ' "$DIR/make2.out" ||
	fail "the Makefile's qcc did not run: $(head -n 5 "$DIR/make2.out")"
for f in echo-server echo-client libecho.a echo-server.map echo-client.map; do
	[ -s "$P/$f" ] || fail "the build made no $f"
done
grep -q 'libnto' "$P/echo-server.map" || fail "echo-server.map names no libnto"
# the programs run without LD_LIBRARY_PATH (the driver's run path)
ldd "$P/echo-server" | grep -q "libnto.so.* => /" ||
	fail "echo-server does not find libnto: $(ldd "$P/echo-server")"

bg server "$P/echo-server"
srv=$BG
wait_path /dev/name/local/qccecho || fail "the server did not register"
timeout 20 "$P/echo-client" hello qnx >"$DIR/client.out" 2>&1 ||
	fail "client failed: $(cat "$DIR/client.out")"
cat >"$DIR/want" <<'WANT'
client: 'hello' -> 'OLLEH' (server version 3)
client: 'qnx' -> 'XNQ' (server version 3)
WANT
cmp -s "$DIR/want" "$DIR/client.out" || fail "client said: $(cat "$DIR/client.out")"
wait_exit $srv 10 || fail "the server did not take QUIT"
[ "$STATUS" = 0 ] || fail "the server exited $STATUS"
[ "$(lines "$DIR/server.out" "^server: echo '(hello|qnx)'$")" = 2 ] ||
	fail "server said: $(cat "$DIR/server.out")"
grep -qx 'server: quit' "$DIR/server.out" || fail "server said: $(cat "$DIR/server.out")"
exit 0
