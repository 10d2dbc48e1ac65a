#!/bin/bash
# ntosim's end-to-end demo (`make demo`): a private ipcd; ntosim-ham running
# the file server (/fs), the pattern device (/dev/pattern) and the key-value
# server (kv); libha clients working through it all: ha_reader verifying
# every byte of the pattern, ha_kv_client incrementing counters (exactly-once),
# and the two programs of QNX's libha guide (their sleeps driven by this
# script, which kills their server during each one). Servers are SIGKILLed at
# random moments; the manager restarts them and the clients recover. Prints
# each kill as it happens, then a timeline (kill, restart, ready, each
# client's recovery) and a summary. Exit 0 only if every client operation is
# accounted for (errors: 0). Leaves nothing running and nothing on disk.
#
#   DEMO_SECONDS  length of the client phase (default 40; make check runs 8)
#   DEMO_SEED     seed for the random kills (default: time)
#   DEMO_KEEP=1   keep the temp dir (logs) for a look afterwards
set -u

: "${NTOSIM_BUILDDIR:=$(cd "$(dirname "$0")/.." && pwd)}"
B=$NTOSIM_BUILDDIR
SECS=${DEMO_SECONDS:-40}
RANDOM=${DEMO_SEED:-$$}

if [ "${BASH_VERSINFO[0]}" -lt 5 ]; then
	echo "demo: needs bash 5 (for \$EPOCHREALTIME)" >&2
	exit 77
fi
case $SECS in '' | *[!0-9]*) echo "demo: DEMO_SECONDS must be a number" >&2; exit 2 ;; esac
[ "$SECS" -ge 4 ] || SECS=4

# The real programs behind libtool's wrappers, so restart times are the
# server's own (a wrapper adds a shell start-up to every exec).
bin() {
	local d n
	d=$(dirname "$B/$1")
	n=$(basename "$1")
	if [ -x "$d/.libs/$n" ]; then echo "$d/.libs/$n"; else echo "$B/$1"; fi
}
export LD_LIBRARY_PATH="$B/kernel-sim/.libs:$B/libha/.libs${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
IPCD=$B/ipcd
HAM=$(bin ntosim-ham)
HAMCTL=$(bin hamctl)
FILESRV=$(bin ntosim-filesrv)
PATTERN=$(bin ntosim-pattern)
KVSRV=$(bin ntosim-kvsrv)
READER=$(bin examples/ha_reader)
KVCLIENT=$(bin examples/ha_kv_client)
G_SIMPLE=$(bin tests/unit/ha_guide_simple_hooked)
G_STATE=$(bin tests/unit/ha_guide_state_hooked)
for f in "$IPCD" "$HAM" "$HAMCTL" "$FILESRV" "$PATTERN" "$KVSRV" "$READER" \
	"$KVCLIENT"; do
	[ -x "$f" ] || { echo "demo: $f is not built (run make first)" >&2; exit 99; }
done
GUIDES=1
[ -x "$G_SIMPLE" ] && [ -x "$G_STATE" ] || GUIDES=0
# a sanitizer build: the example programs exit with fds open on purpose
# (the guide's), which is not what this demo is about
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0"
# line-buffered client output, for the timeline's stamps; not with a
# sanitizer runtime, which must be the first library loaded
STDBUF=
command -v stdbuf >/dev/null 2>&1 && ! ldd "$READER" 2>/dev/null |
	grep -q 'lib[atu]san' && STDBUF="stdbuf -oL"
command -v flock >/dev/null 2>&1 || { echo "demo: needs flock(1)" >&2; exit 77; }

T=$(mktemp -d "${TMPDIR:-/tmp}/ntosim-demo.XXXXXX") || exit 99
export NTOSIM_SOCKET=$T/ipcd.sock
HAM_PID=
# descendants PID...: those pids and every process below them (from
# /proc: a client loop's children are the programs to stop)
descendants() {
	awk -v roots=" $* " '
	FNR == 1 {
		r = $0; sub(/.*\) /, "", r); split(r, f, " ")
		kids[f[2]] = kids[f[2]] " " $1
	}
	END {
		n = split(roots, q, " ")
		for (i = 1; i <= n; i++) {
			print q[i]; m = split(kids[q[i]], c, " ")
			for (j = 1; j <= m; j++) q[++n] = c[j]
		}
	}' /proc/[0-9]*/stat 2>/dev/null
}
cleanup() {
	trap - EXIT INT TERM HUP
	local p all=
	for p in $(jobs -p); do
		[ "$p" = "$HAM_PID" ] || all="$all $p"
	done
	[ -n "$all" ] && kill -TERM $(descendants $all) 2>/dev/null
	if [ -n "$HAM_PID" ] && kill -0 "$HAM_PID" 2>/dev/null; then
		kill -TERM "$HAM_PID" 2>/dev/null # stops its servers
		for _ in $(seq 100); do
			kill -0 "$HAM_PID" 2>/dev/null || break
			sleep 0.05
		done
		kill -9 "$HAM_PID" 2>/dev/null
	fi
	# servers a killed manager left behind: they are in its state file
	if [ -f "$T/ntosim-ham.state" ]; then
		for p in $(awk 'NR > 2 { print $2 }' "$T/ntosim-ham.state"); do
			kill -9 "$p" 2>/dev/null
		done
	fi
	[ -f "$T/ipcd.sock.pid" ] && kill -TERM "$(cat "$T/ipcd.sock.pid")" 2>/dev/null
	wait 2>/dev/null
	if [ "${DEMO_KEEP:-0}" = 1 ]; then
		echo "demo: logs kept in $T"
	else
		rm -rf "$T"
	fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

now_us() { echo "${EPOCHREALTIME/./}"; }
T0=$(now_us)
DEADLINE=$((T0 + SECS * 1000000))
rel() { # seconds since the start, for live lines
	local d=$(($(now_us) - T0))
	printf '%3d.%03ds' $((d / 1000000)) $((d % 1000000 / 1000))
}
# event TYPE TEXT: one line of the timeline (append is atomic per line)
event() { echo "$EPOCHREALTIME $1 $2" >>"$T/events"; }
# stamp TAG: prefix each line of stdin with the time it was read
stamp() {
	local l
	while IFS= read -r l; do printf '%s %s %s\n' "$EPOCHREALTIME" "$1" "$l"; done
}
ctl() { "$HAMCTL" -t 15000 "$@"; }
field() { # field NAME KVLINE
	local w
	for w in $2; do case $w in "$1="*) echo "${w#*=}"; return ;; esac; done
}
rnd_ms() { echo $(($1 + RANDOM % ($2 - $1 + 1))); } # rnd_ms MIN MAX
nap_ms() { sleep "$(($1 / 1000)).$(printf '%03d' $(($1 % 1000)))"; }

# ---- the system ----
mkdir -p "$T/export"
printf 'The quick brown fox jumps over the lazy dog; ntosim restarts it.\n' \
	>"$T/export/remote_file"
cat >"$T/ham.conf" <<EOF
# written by examples/demo.sh: see ntosim-ham(8)
[defaults]
intensity = 40 30s
backoff = 50ms 400ms
backoff-reset = 1s

[fs]
command = '$FILESRV' -d '$T/export' -p /fs
ready = /fs

[pattern]
command = '$PATTERN' -p /dev/pattern
ready = /dev/pattern

[kv]
command = '$KVSRV' -f '$T/kv.store'
ready = kv
EOF

echo "ntosim demo: ${SECS}s of clients while servers are SIGKILLed at random"
echo "  ipcd (private, $T/ipcd.sock), ntosim-ham managing fs, pattern, kv"
cat <<'LEGEND'
  What the names mean:
    fs, pattern, kv  the servers: a file server (/fs), a device of known
                     bytes (/dev/pattern), a key-value store (kv)
    ntosim-ham       the restart manager: restarts a killed server. Its
                     "failure streak" counts deaths in a row, each less
                     than 1 s after the start; from 2 on, a back-off delay
                     comes before the restart
    recovery         a libha client re-opening its connection to the
                     restarted server and carrying on where it was
    ha_reader        reads /dev/pattern and checks every byte
    kv client        increments counters exactly once: a request the dead
                     server may have executed is sent again with the same
                     identity, and the restarted server answers it from
                     its reply cache instead of applying it twice
    guide-simple,    the two programs of QNX's libha guide, unchanged; the
    guide-state      demo kills their server while they sleep. guide-state
                     also reads a plain open() fd, which by design is not
                     recovered: that read failing is the expected outcome
LEGEND
"$IPCD" -s "$NTOSIM_SOCKET" || { echo "demo: ipcd did not start" >&2; exit 99; }
"$HAM" -f "$T/ham.conf" 2>"$T/ham.log" &
HAM_PID=$!
for s in fs pattern kv; do
	ctl wait "$s" running >/dev/null ||
		{ echo "demo: $s never became ready" >&2; cat "$T/ham.log" >&2; exit 1; }
done
event info "all servers ready"
printf '  %s  all servers ready:' "$(rel)"
for s in fs pattern kv; do
	printf ' %s %sms' "$s" "$(field ready_ms "$(ctl -k status "$s")")"
done
echo

# kill_server SERVER WHO: SIGKILL it and wait for the restarted instance.
# The caller holds the server's lock (a guide program must not be reading
# it at that moment: the guide's own code does not wait for a restart).
kill_server() {
	local s=$1 who=$2 line pid n
	line=$(ctl -k status "$s") || return 0
	pid=$(field pid "$line")
	n=$(field restarts "$line")
	[ "$(field state "$line")" = running ] && [ "$pid" -gt 0 ] || return 0
	event kill "$s pid $pid ($who)"
	kill -9 "$pid"
	if line=$(ctl -k wait "$s" running $((n + 1))); then
		printf '  %s  SIGKILL %-7s pid %-6s -> pid %-6s ready %s ms after the death%s\n' \
			"$(rel)" "$s" "$pid" "$(field pid "$line")" \
			"$(field ready_ms "$line")" \
			"$([ "$(field backoff_ms "$line")" != 0 ] &&
				echo " (back-off $(field backoff_ms "$line") ms)")"
	else
		event error "$s did not come back after the kill of pid $pid"
		echo "  $(rel)  $s did not come back after the kill of pid $pid" >&2
	fi
}

# ---- clients ----
# A run that finds its server down at the very start (the open itself fails:
# libha recovers established connections, as QNX's does, and these
# examples do not wait for a server at open time) is not an error: the loop
# notes it, waits for the server and goes on.
reader_loop() {
	local run=0 rc
	while [ "$(now_us)" -lt "$DEADLINE" ]; do
		run=$((run + 1))
		$STDBUF "$READER" -p /dev/pattern -n $((128 << 20)) -c 65536 \
			-w 15000 2>&1 | stamp reader >"$T/reader.run"
		rc=${PIPESTATUS[0]}
		if [ "$rc" != 0 ] && grep -q ' reader ha_open ' "$T/reader.run"; then
			echo "$EPOCHREALTIME reader-noopen $run" >>"$T/reader.out"
			ctl wait pattern running >/dev/null
			continue
		fi
		cat "$T/reader.run" >>"$T/reader.out"
		echo "$EPOCHREALTIME reader-exit $run $rc" >>"$T/reader.out"
	done
}
# Each run increments its own counter 150 times with exactly-once on, so
# every INCR is answered and the counter must end at exactly that number
# (lost: below it; duplicated: above it plus any "not re-sent", which is an
# unknown outcome). If the run's final GET failed, the counter is read
# again afterwards.
kv_loop() {
	local run=0 rc lk start
	exec {lk}>"$T/lock.kv"
	while [ "$(now_us)" -lt "$DEADLINE" ]; do
		run=$((run + 1))
		start=$EPOCHREALTIME
		$STDBUF "$KVCLIENT" -e -w 15000 "demo-$run" 150 2>&1 |
			stamp kv >"$T/kv.run"
		rc=${PIPESTATUS[0]}
		if [ "$rc" != 0 ] && grep -q ' kv ha_name_open ' "$T/kv.run"; then
			echo "$EPOCHREALTIME kv-noopen $run" >>"$T/kv.out"
			ctl wait kv running >/dev/null
			continue
		fi
		if [ "$rc" != 0 ] && ! grep -q ' kv final ' "$T/kv.run"; then
			flock -x "$lk" # no kill while we read it back
			ctl wait kv running >/dev/null
			"$KVCLIENT" "demo-$run" 0 2>&1 | grep '^final' |
				stamp kv-reread >>"$T/kv.run"
			flock -u "$lk"
		fi
		echo "$start kv-run $run" >>"$T/kv.out"
		cat "$T/kv.run" >>"$T/kv.out"
		echo "$EPOCHREALTIME kv-exit $run $rc" >>"$T/kv.out"
	done
}
# guide NAME SERVER PROGRAM SLEEP_MS: run one of the guide programs; each
# of its sleep() calls (see tests/unit/check_ha_sleep.c) lasts about
# SLEEP_MS here, and its server is killed once in the middle of it.
guide() {
	local name=$1 srv=$2 prog=$3 ms=$4 w r a lk n=0
	mkfifo "$T/$name.req" "$T/$name.ack" || return 1
	exec {w}<>"$T/$name.req" {r}<"$T/$name.req" {a}<>"$T/$name.ack" \
		{lk}>"$T/lock.$srv"
	flock -x "$lk" # until its first sleep: it opens and reads now
	HA_TEST_SLEEP_FDS="$a,$w" $STDBUF "$prog" 2>&1 |
		stamp "$name" >"$T/$name.out" &
	exec {w}>&- # the program holds the only write end: EOF = it exited
	while [ "$(dd bs=8 count=1 iflag=fullblock status=none <&"$r" | wc -c)" -eq 8 ]; do
		n=$((n + 1))
		event guide "$name sleep $n"
		flock -u "$lk"
		nap_ms $((ms * 2 / 5))
		flock -x "$lk"
		kill_server "$srv" "$name asleep"
		flock -u "$lk"
		nap_ms $((ms * 2 / 5))
		flock -x "$lk"
		ctl wait "$srv" running >/dev/null # back before it reads
		event guide "$name wakes"
		printf 'wake up!' >&"$a"
	done
	flock -u "$lk"
	wait
}

reader_loop &
kv_loop &
if [ $GUIDES = 1 ]; then
	guide guide-simple pattern "$G_SIMPLE" $((SECS * 1000 * 3 / 10)) &
	guide guide-state fs "$G_STATE" $((SECS * 1000 * 4 / 10)) &
else
	echo "  (the QNX guide programs are skipped: build them with make check)"
fi

# ---- the killer: random server, random moment ----
SERVERS=(fs pattern kv)
exec {LK0}>"$T/lock.fs" {LK1}>"$T/lock.pattern" {LK2}>"$T/lock.kv"
LOCKS=("$LK0" "$LK1" "$LK2")
while :; do
	gap=$(rnd_ms $((SECS * 40)) $((SECS * 90)))
	[ $(($(now_us) + gap * 1000 + 500000)) -lt "$DEADLINE" ] || break
	nap_ms "$gap"
	i=$((RANDOM % 3))
	if flock -n "${LOCKS[$i]}"; then
		kill_server "${SERVERS[$i]}" random
		flock -u "${LOCKS[$i]}"
	fi
done

# ---- wind down: clients finish their current run ----
event info "no more kills; clients finish their current run"
for p in $(jobs -p); do
	[ "$p" = "$HAM_PID" ] && continue
	for _ in $(seq 600); do
		kill -0 "$p" 2>/dev/null || break
		sleep 0.05
	done
	kill -0 "$p" 2>/dev/null &&
		{ event error "a client did not finish"; kill -9 $(descendants "$p"); }
done
STATUS=$(ctl -k status)
event end "hamctl shutdown"
ctl shutdown >/dev/null || event error "hamctl shutdown failed"
for _ in $(seq 200); do
	kill -0 "$HAM_PID" 2>/dev/null || break
	sleep 0.05
done
wait "$HAM_PID"
HAM_RC=$?
HAM_PID=
[ $HAM_RC = 0 ] || event error "ntosim-ham exited with status $HAM_RC"
for p in $(echo "$STATUS" | tr ' ' '\n' | sed -n 's/^pid=//p'); do
	[ "$p" -gt 0 ] && kill -0 "$p" 2>/dev/null &&
		event error "server pid $p left running"
done
kill -TERM "$(cat "$T/ipcd.sock.pid")" 2>/dev/null

# ---- timeline and summary ----
MIDNIGHT=$(date -d "$(date +%F) 00:00:00" +%s)
touch "$T/reader.out" "$T/kv.out" "$T/guide-simple.out" "$T/guide-state.out"
{
	# the manager's log: wall-clock HH:MM:SS.mmm -> epoch seconds
	awk -v m="$MIDNIGHT" -v t0="${T0:0:-6}" '
	/ntosim-ham: (fs|pattern|kv): / {
		split($1, c, ":"); t = m + c[1] * 3600 + c[2] * 60 + c[3]
		if (t < t0 - 43200) t += 86400
		$1 = ""; $2 = ""; sub(/^  /, "")
		printf "%.4f ham %s\n", t + 0.0005, $0 # mid-millisecond
	}' "$T/ham.log"
	cat "$T/events" "$T/reader.out" "$T/kv.out" "$T/guide-simple.out" \
		"$T/guide-state.out"
} | sort -s -n -k1,1 >"$T/all"

awk -v t0="${T0:0:-6}.${T0: -6}" -v secs="$SECS" -v guides="$GUIDES" '
function ms(t) { return (t - t0) * 1000 }
function at(t) { return sprintf("%8.3fs", t - t0) }
# rank orders lines shown with the same millisecond by cause and effect:
# demo notes, kill, the manager restarting, ready, then what clients saw
function line(t, who, what,   r) {
	r = who == "demo" ? 0 : who == "kill" ? 1 : who ~ /^ham / ? (what ~ /^ready:/ ? 3 : 2) : 4
	tl[++ntl] = sprintf("  %s  %-13s %s", at(t), who, what); tt[ntl] = at(t); rk[ntl] = r
	return ntl
}
function pl(n, one, many) { return n " " (n == 1 ? one : many) }
# a kill of pattern the reader did not have to recover from: say why
function pattern_note() {
	if (pkill_line && !prec_since)
		tl[pkill_line] = tl[pkill_line] (pnoopen_since ? \
			"; ha_reader was starting a run: it found the server down at open and waited, nothing to recover" : \
			"; ha_reader had no connection open then (between runs, or done): nothing to recover")
	pkill_line = 0
}
function since(srv, t) { return last_kill[srv] ? sprintf(" (%.1f ms after the kill)", (t - last_kill[srv]) * 1000) : "" }
function rest(from,   s, i) { s = ""; for (i = from; i <= NF; i++) s = s (s == "" ? "" : " ") $i; return s }
function median(a, n,   i, j, x) {
	for (i = 2; i <= n; i++) { x = a[i]; for (j = i - 1; j > 0 && a[j] > x; j--) a[j + 1] = a[j]; a[j + 1] = x }
	return n ? (n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2) : -1
}
BEGIN { rbytes = 0; errors = 0 }
{ t = $1; k = $2 }
k == "kill" {
	nkill++; kills[$3]++; last_kill[$3] = t
	if ($3 == "kv") kv_pending = 1
	if ($3 == "pattern") pattern_note()
	n = line(t, "kill", "SIGKILL " rest(3))
	if ($3 == "pattern") { pkill_line = n; prec_since = 0; pnoopen_since = 0 }
	next
}
k == "error" { errors++; line(t, "ERROR", rest(3)); next }
k == "info" { line(t, "demo", rest(3)); next }
k == "end" { ending = 1; next }
k == "guide" { line(t, $3, rest(4)); next }
k == "ham" {
	if (ending) next # the shutdown: SIGTERM for everyone
	srv = $3; sub(/:$/, "", srv); msg = rest(4)
	if (msg ~ /^ready:/) {
		if (match(msg, /, [0-9.]+ ms after the death/)) {
			v = substr(msg, RSTART + 2, RLENGTH - 2); sub(/ ms.*/, "", v)
			rt[++nrt] = v + 0
			if (match(msg, /\([0-9.]+ ms after spawn/)) {
				v = substr(msg, RSTART + 1, RLENGTH - 1); sub(/ ms.*/, "", v)
				st[++nst] = v + 0
			}
		}
		if (srv == "kv" && kv_pending) kv_ready = t
		line(t, "ham " srv, msg)
	} else if (msg ~ /^pid [0-9]+ (killed|exited|died)/) {
		# these SIGKILLs are the demo kills: already on the kill lines
		if (msg !~ /killed by signal 9/) line(t, "ham " srv, msg)
	} else if (msg ~ /^(restarting|giving up|permanent|no heartbeat|adopted|not registered)/) {
		line(t, "ham " srv, msg)
	}
	next
}
k == "reader" {
	if ($3 == "recovered") {
		rrec++; prec_since = 1; lat = (t - last_kill["pattern"]) * 1000; rl[++nrl] = lat
		line(t, "reader", rest(3) since("pattern", t))
	} else if ($3 == "ok") { rbytes += $4; rok++ }
	else { rbad[++nrbad] = rest(3) }
	next
}
k == "reader-noopen" { rnoopen++; pnoopen_since = 1; next }
k == "kv-noopen" { knoopen++; next }
k == "kv-reread" { if ($3 == "final") { kfinal = $6 + 0; kreread++ } next }
k == "reader-exit" { rruns++; if ($4 != 0) { errors++; line(t, "ERROR", "ha_reader run " $3 " failed (status " $4 "): " rbad[nrbad]) } next }
k == "kv-run" { kok = 0; knr = 0; kprev = -1; kfinal = ""; kmono = 1; kreread = 0; next }
k == "kv" {
	if ($3 == "incr" && $5 ~ /^-?[0-9]+$/) {
		kok++; kops++
		if ($5 + 0 <= kprev) kmono = 0
		kprev = $5 + 0
		if (kv_pending && kv_ready && t > kv_ready) {
			kv_pending = 0; kv_ready = 0; kvr++
			kl[++nkl] = (t - last_kill["kv"]) * 1000
			line(t, "kv client", "INCR answered again" since("kv", t))
		}
	} else if ($3 == "incr" && $0 ~ /not re-sent/) {
		knr++; kvnr++
		line(t, "kv client", "INCR " $4 " not re-sent: the dead server had it and the new one has no reply cache (fallback to at-most-once)" since("kv", t))
	} else if ($3 == "final") { kfinal = $6 + 0 }
	else if ($3 == "recoveries") { krec += $4 }
	else if ($3 == "incr") { kerr = rest(3) }
	next
}
k == "kv-exit" {
	kruns++
	if (kfinal != "" && kfinal < kok) klost += kok - kfinal
	if (kfinal != "" && kfinal > kok + knr) kdup += kfinal - kok - knr
	if (($4 != 0 && !kreread) || kfinal == "" || kfinal < kok || kfinal > kok + knr || !kmono || knr) {
		errors++
		line(t, "ERROR", sprintf("kv run %s: status %s, %d INCRs answered, %d not re-sent, counter %s %s", $3, $4, kok, knr, kfinal, kerr))
	} else {
		kchecked++
		if (kreread) { kgetlost++; line(t, "kv client", "final GET not re-sent (at-most-once); counter read again: " kfinal " for " kok " answered + " knr " not re-sent") }
	}
	next
}
k == "guide-simple" || k == "guide-state" {
	g = k; text = rest(3)
	if (text ~ /^recovering for fd/) {
		grec[g]++; line(t, g, text " (its server was killed while it slept)")
	} else if (text ~ /^trying to read/) { greads[g]++; ntry[g]++ }
	else if (text ~ /^error:/) {
		# guide-state reads fd2, a plain open(), third: the guide says
		# it is not recovered, so an error there is the expected one
		if (g == "guide-state" && ntry[g] == 3) { gplain++; sub(/^error: */, "", text); line(t, g, "fd2 read failed as expected (" text "): a plain open(), not recovered, as the guide intends") }
		else { errors++; line(t, "ERROR", g ": " text) }
	} else if (text ~ /^total recoveries/) { gdone[g] = 1; n = text; sub(/.*, */, "", n); line(t, g, "finished: " pl(n + 0, "recovery", "recoveries") " in all") }
	else if (text ~ /^could not open/) { errors++; line(t, "ERROR", g ": " text) }
	next
}
END {
	pattern_note()
	# same millisecond: stable insertion sort by rank (a few lines at most)
	for (i = 2; i <= ntl; i++) {
		for (j = i; j > 1 && tt[j - 1] == tt[j] && rk[j - 1] > rk[j]; j--) {
			x = tl[j]; tl[j] = tl[j - 1]; tl[j - 1] = x
			x = rk[j]; rk[j] = rk[j - 1]; rk[j - 1] = x
		}
	}
	print ""
	print "Timeline (seconds since the start)"
	for (i = 1; i <= ntl; i++) print tl[i]
	if (guides == 1) for (g in greads) if (!gdone[g]) { errors++; print "  ERROR " g " did not finish" }
	if (guides == 1 && !gdone["guide-simple"]) { errors++; print "  ERROR guide-simple produced no result" }
	if (guides == 1 && !gdone["guide-state"]) { errors++; print "  ERROR guide-state produced no result" }
	if (nrt < nkill) { errors++; print "  ERROR " nkill - nrt " of the killed servers did not come back" }
	print ""
	print "Summary"
	printf "  kills:          %d SIGKILLs (fs %d, pattern %d, kv %d); %d restarts, each ready again\n", nkill, kills["fs"], kills["pattern"], kills["kv"], nrt
	printf "  restart:        death to ready median %.1f ms (back-off included); spawn to ready median %.1f ms\n", median(rt, nrt), median(st, nst)
	printf "  ha_reader:      %s, %.2f GiB verified byte by byte, %s (kill to recovered: median %.1f ms)\n", pl(rruns, "run", "runs"), rbytes / 1073741824, pl(rrec, "recovery", "recoveries"), median(rl, nrl)
	if (rrec < kills["pattern"]) printf "                  (%d of the %s needed none: the reader had no connection open then)\n", kills["pattern"] - rrec, pl(kills["pattern"], "kill of pattern", "kills of pattern")
	printf "  ha_kv_client:   %d INCRs answered (exactly-once), %s; %d of %d counters exact\n", kops, pl(krec, "recovery", "recoveries"), kchecked, kruns
	printf "                  %d lost, %d duplicated, %d unknown (not re-sent)\n", klost, kdup, kvnr
	if (nkl) printf "                  answering again %.1f ms after a kill of kv (median)\n", median(kl, nkl)
	if (guides == 1) {
		printf "  guide, simple:  %s, %s\n", pl(greads["guide-simple"], "read", "reads"), pl(grec["guide-simple"], "recovery", "recoveries")
		printf "  guide, state:   %s, %s; fd2, a plain open(), not recovered, as the guide intends\n", pl(greads["guide-state"], "read", "reads"), pl(grec["guide-state"], "recovery", "recoveries")
	}
	if (rnoopen + knoopen) printf "  runs that found their server down at open (retried, not counted): reader %d, kv %d\n", rnoopen, knoopen
	printf "  errors:         %d\n", errors
	exit errors ? 1 : 0
}' "$T/all"
RC=$?
[ $RC = 0 ] || { [ "${DEMO_KEEP:-0}" = 1 ] || echo "  (DEMO_KEEP=1 keeps the logs)"; }
exit $RC
