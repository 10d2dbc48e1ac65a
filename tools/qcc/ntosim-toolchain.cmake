# CMake toolchain file: build a QNX CMake project on ntosim, as it is.
#   cmake -DCMAKE_TOOLCHAIN_FILE=<datadir>/ntosim/cmake/ntosim-toolchain.cmake ..
# The compilers are ntosim-qcc and ntosim-QCC (QNX's qcc and QCC driving
# the host compiler), so CMake sees a QNX system with the QCC compiler, as
# with QNX's own toolchain file: the project's if(QNX)/if(QNXNTO) branches
# and its qcc options (-V, -Wc, -Wl, -lsocket) are the ones that build.
# The binaries are host binaries: they run here (try_run, ctest) directly.
# docs/qcc.md says why and what differs.

set(CMAKE_SYSTEM_NAME QNX)
set(CMAKE_SYSTEM_PROCESSOR ${CMAKE_HOST_SYSTEM_PROCESSOR})
# CMake >= 3.x sets QNXNTO from Platform/QNX; QNX's SDP toolchains also
# set QNX, which projects test.
set(QNX 1)

# The driver: -DNTOSIM_QCC=/path/ntosim-qcc (e.g. a build tree's), else
# $NTOSIM_QCC, else the one installed with this file (found relative to
# it, so a staged or moved installation works), else the configured path.
# Kept in the environment so CMake's try_compile projects, which re-read
# this file, find the same one.
if(NTOSIM_QCC)
  set(ENV{NTOSIM_QCC} "${NTOSIM_QCC}")
elseif(DEFINED ENV{NTOSIM_QCC})
  set(NTOSIM_QCC "$ENV{NTOSIM_QCC}")
elseif(EXISTS "${CMAKE_CURRENT_LIST_DIR}/../../../bin/ntosim-qcc")
  get_filename_component(NTOSIM_QCC "${CMAKE_CURRENT_LIST_DIR}/../../../bin/ntosim-qcc"
    ABSOLUTE)
else()
  set(NTOSIM_QCC "/usr/local/bin/ntosim-qcc")
endif()
if(NOT EXISTS "${NTOSIM_QCC}")
  message(FATAL_ERROR "ntosim: no ntosim-qcc at ${NTOSIM_QCC} "
    "(give -DNTOSIM_QCC=/path/to/ntosim-qcc)")
endif()
get_filename_component(_ntosim_qcc_dir "${NTOSIM_QCC}" DIRECTORY)

set(CMAKE_C_COMPILER "${NTOSIM_QCC}")
set(CMAKE_CXX_COMPILER "${_ntosim_qcc_dir}/ntosim-QCC")
set(CMAKE_ASM_COMPILER "${NTOSIM_QCC}")

# The -V target CMake passes on every compile: the host's CPU in qcc's
# spelling (ntosim-qcc notes it and builds for this host anyway).
if(CMAKE_HOST_SYSTEM_PROCESSOR MATCHES "^(aarch64|arm64)$")
  set(_ntosim_target gcc_ntoaarch64le)
elseif(CMAKE_HOST_SYSTEM_PROCESSOR MATCHES "^(x86_64|amd64|AMD64)$")
  set(_ntosim_target gcc_ntox86_64)
else()
  set(_ntosim_target gcc_ntox86)
endif()
set(CMAKE_C_COMPILER_TARGET ${_ntosim_target})
set(CMAKE_CXX_COMPILER_TARGET ${_ntosim_target})
set(CMAKE_ASM_COMPILER_TARGET ${_ntosim_target})

# Host binaries need no emulator: "env" runs them (try_run, add_test).
find_program(NTOSIM_ENV_PROGRAM env)
set(CMAKE_CROSSCOMPILING_EMULATOR "${NTOSIM_ENV_PROGRAM}")

# Platform/QNX does not compute the library architecture; the host's
# (Debian multiarch) lets find_library/find_package see its libraries.
if(NOT "x86_64-linux-gnu" STREQUAL "")
  set(CMAKE_LIBRARY_ARCHITECTURE "x86_64-linux-gnu")
endif()
