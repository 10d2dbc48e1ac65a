#!/bin/sh
# Behaviour: a QNX CMake project (tests/qcc/cmake) configures with
# ntosim's toolchain file, where CMake identifies QNX and the QCC compiler
# (as with QNX's own toolchain file: -V targets, -Wp, dependency flags,
# -lang-c++), links a configure check through the driver, builds its
# server, client and static library unchanged, and the two exchange
# messages over a private ipcd with the values the project set (version 4).
# Forced: nothing. Skips (77) without cmake.
. "${NTOSIM_SRCDIR:-.}/tests/fault/lib.sh"
QCC=$NTOSIM_BUILDDIR/ntosim-qcc
TC=$NTOSIM_BUILDDIR/tools/qcc/ntosim-toolchain.cmake
need "$IPCD" "$FAULT_CLI" "$QCC" "$TC"
command -v cmake >/dev/null 2>&1 || skip "cmake is missing"
start_ipcd

B=$DIR/build
timeout 300 cmake -S "$NTOSIM_SRCDIR/tests/qcc/cmake" -B "$B" \
	-DCMAKE_TOOLCHAIN_FILE="$TC" -DNTOSIM_QCC="$QCC" \
	>"$DIR/cmake.out" 2>&1 ||
	fail "cmake configure failed: $(tail -n 30 "$DIR/cmake.out")"
grep -q '^CMAKE_C_COMPILER_ID:.*=QCC$\|CMAKE_C_COMPILER_ID "QCC"' \
	"$B/CMakeFiles/"*/CMakeCCompiler.cmake ||
	fail "CMake did not identify QCC"
timeout 300 cmake --build "$B" -- VERBOSE=1 >"$DIR/build.out" 2>&1 ||
	fail "cmake --build failed: $(tail -n 30 "$DIR/build.out")"
# CMake drove qcc the qcc way
grep -q 'ntosim-qcc .*-Vgcc_nto' "$DIR/build.out" || fail "no -V target on the compile lines"
grep -q 'ntosim-QCC .*-lang-c++' "$DIR/build.out" || fail "C++ not built with -lang-c++"

bg server "$B/echo-server"
srv=$BG
wait_path /dev/name/local/qccecho || fail "the server did not register"
timeout 20 "$B/echo-client" cmake >"$DIR/client.out" 2>&1 ||
	fail "client failed: $(cat "$DIR/client.out")"
[ "$(cat "$DIR/client.out")" = "client: 'cmake' -> 'EKAMC' (server version 4)" ] ||
	fail "client said: $(cat "$DIR/client.out")"
wait_exit $srv 10 || fail "the server did not take QUIT"
[ "$STATUS" = 0 ] || fail "the server exited $STATUS"
exit 0
