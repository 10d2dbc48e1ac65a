#!/bin/sh
# Soak: every server under the restart manager (ntosim-ham if built, else a
# restarter in this script), several HA clients checking every result, and
# random faults for SOAK_SECONDS (default 300): SIGKILL, SIGSTOP+SIGCONT of
# servers and clients, SIGKILL of ipcd itself (a new one is started on the
# same socket and re-told by every survivor), SIGKILL of the restart
# manager ntosim-ham (alone, or in the same gap as ipcd; a new manager on
# the same state file must adopt the running servers: no duplicate
# instance, none left unsupervised), and a random NTOSIM_FAULT plan (point,
# N, action) on a share of server starts, so servers die at every protocol
# phase. At the
# end: a table of operations, kills, recoveries, lost, duplicated,
# corrupted, hung and leaked (the goal: zero in the last five), printed and
# written to SOAK_REPORT (default tests/soak/last-soak.txt in the build).
#
# What counts: operations = client requests completed (reader reads, kv
# INCRs, echo sends); kills = server deaths (by SIGKILL or fault plan);
# recoveries = libha recoveries the clients reported; lost = acknowledged
# kv INCRs missing from the final value; duplicated = kv increments beyond
# acknowledged + unknown-outcome ones (the kv clients run in libha's
# exactly-once mode: an unknown outcome is a call that did not succeed, and
# must not happen either), and server instances running beside the
# manager's own after a manager restart; corrupted = a wrong byte seen by a
# reader or an echo client; hung = a client or server that did not finish
# within its bound, or a server a new manager did not restart;
# leaked = ipcd objects or fds above baseline, new
# /dev/shm entries, or processes left behind at the end.
. "${NTOSIM_SRCDIR:-.}/tests/fault/lib.sh"
SECS=${SOAK_SECONDS:-300}
REPORT=${SOAK_REPORT:-$NTOSIM_BUILDDIR/tests/soak/last-soak.txt}
SOAK_DIR=$NTOSIM_SRCDIR/tests/soak
WRAP=$SOAK_DIR/wrap.sh
PCT=${SOAK_FAULT_PERCENT:-35} # share of server starts with a fault plan
MEM_PATTERN='ERROR: AddressSanitizer|runtime error:'
need "$IPCD" "$PIDIN" "$PATTERN" "$KVSRV" "$FILESRV" "$HA_READER" "$HA_KV" \
	"$FAULT_SRV" "$FAULT_CLI" "$WRAP" "$SOAK_DIR/hang-dump.sh"
start_ipcd
baseline
# How long every process waits for a new ipcd (DEVELOPERS.md): the chaos
# loop's own restart (kill, a nap of up to 320 ms, exec of a new ipcd, the
# survivors' re-tell) takes seconds on a loaded machine, and past the bound
# servers' MsgReceive fails with ESRCH and the manager stops them all,
# which is the documented outcome of an ipcd that does not come back, not
# what the soak is after. Each gap is logged; the longest is reported.
NTOSIM_CTL_RECONNECT_MS=${SOAK_RECONNECT_MS:-30000}
export NTOSIM_CTL_RECONNECT_MS
mkdir -p "$(dirname "$REPORT")" "$DIR/export" "$DIR/res" "$DIR/stacks"
timeout 60 "$FAULT_CLI" mkpattern "$DIR/export/pat.bin" 16777216 ||
	hard "cannot write the exported pattern file"

rnd() { echo $(($(od -An -N4 -tu4 /dev/urandom) % $1)); }
nap_ms() { sleep "$(($1 / 1000)).$(printf '%03d' $(($1 % 1000)))"; }
stopping() { [ -e "$DIR/stop" ]; }
SERVERS="pat fs kv echo"

# ---- servers ----
srv_cmd() {
	case $1 in
	pat) echo "$PATTERN -p /dev/soak-pat -s 256M -d 300" ;;
	fs) echo "$FILESRV -d $DIR/export -p /soak-fs" ;;
	kv) echo "$KVSRV -n soak-kv -f $DIR/kv.db" ;;
	echo) echo "$FAULT_SRV -n soak-echo -u -D -q" ;;
	esac
}
srv_ready() {
	case $1 in
	pat) echo /dev/soak-pat ;;
	fs) echo /soak-fs ;;
	kv) echo /dev/name/local/soak-kv ;;
	echo) echo /dev/name/local/soak-echo ;;
	esac
}

if [ -x "$HAM" ] && [ -x "$HAMCTL" ] && [ -z "${SOAK_NO_HAM:-}" ]; then
	RESTARTER=ntosim-ham
	{
		echo "[defaults]"
		echo "intensity = 1000 10s"
		echo "backoff = 5ms 50ms"
		echo "backoff-reset = 200ms"
		for s in $SERVERS; do
			echo "[$s]"
			echo "command = /bin/sh $WRAP $s $DIR/plans.log $PCT $(srv_cmd $s)"
			echo "ready = $(srv_ready $s)"
		done
	} >"$DIR/ham.conf"
	# the manager's pid is in ham.pid (the chaos loop starts new ones);
	# its output and its servers' are appended to one file across them
	STATE=$DIR/ham.state
	start_ham() {
		"$HAM" -n soak-ham -S "$STATE" -f "$DIR/ham.conf" \
			>>"$DIR/ham.out" 2>>"$DIR/ham.err" &
		echo $! >"$DIR/ham.pid"
	}
	start_ham
	track "$(cat "$DIR/ham.pid")"
	ctl() { timeout 60 "$HAMCTL" -n soak-ham -t 30000 "$@"; }
	# a server's pid from the manager's state file (rewritten atomically
	# on every change): no request to the manager, so a chaos round costs
	# no round trips however loaded the machine is
	srv_pid() {
		local n p r
		while read -r n p r; do
			[ "$n" = "$1" ] && echo "$p" && return
		done <"$STATE"
	} 2>/dev/null
else
	RESTARTER=script
	restarter() {
		while ! stopping; do
			/bin/sh "$WRAP" $1 "$DIR/plans.log" $PCT $(srv_cmd $1) \
				>>"$DIR/srv-$1.log" 2>&1 &
			echo $! >"$DIR/srv-$1.pid"
			wait $!
		done
	}
	for s in $SERVERS; do
		restarter $s &
		track $!
	done
	srv_pid() { cat "$DIR/srv-$1.pid" 2>/dev/null; }
fi
# srv_instances NAME: pids of live processes running server NAME (its
# arguments in their command line: the libtool wrapper, wrap.sh and the
# server are one pid), whoever started them
srv_instances() {
	local args f p
	args=$(srv_cmd $1)
	args=${args#* }
	for f in $(grep -laxF -e 256M -e /soak-fs -e "$DIR/kv.db" -e soak-echo \
		/proc/[0-9]*/cmdline 2>/dev/null); do
		p=${f#/proc/}
		p=${p%/cmdline}
		tr '\0' ' ' <"$f" 2>/dev/null | grep -qF -- " $args " &&
			! exited "$p" && echo "$p"
	done
}
for s in $SERVERS; do
	wait_path "$(srv_ready $s)" 30 || fail "server $s never became ready"
done

# ---- clients ----
# run_client WORKER BOUND CMD...: one client run in its own process group
# (timeout's), output in $DIR/WORKER.cur; exit status in RC (124: hung).
run_client() {
	local w=$1 t=$2 g wd
	shift 2
	timeout -k 5 "$t" "$@" >"$DIR/$w.cur" 2>&1 &
	g=$!
	echo $g >"$DIR/$w.grp"
	# a watchdog in a process group of its own (setsid execs in place:
	# its pid is its group), killed whole when the run ends in time
	setsid /bin/sh "$SOAK_DIR/hang-dump.sh" "$((t - 5))" "$g" \
		"$DIR/stacks/$w" "$PIDIN" </dev/null >/dev/null 2>&1 &
	wd=$!
	wait $g
	RC=$?
	kill -KILL -$wd 2>/dev/null
	wait $wd 2>/dev/null
	rm -f "$DIR/$w.grp"
	# memory errors (ASan, UBSan) are corruption; a LeakSanitizer report
	# (memory a client did not free on its way out) is listed apart
	if grep -Eq "$MEM_PATTERN" "$DIR/$w.cur"; then
		cp "$DIR/$w.cur" "$DIR/res/san-$w-$(date +%s%N)"
	elif grep -q 'ERROR: LeakSanitizer' "$DIR/$w.cur"; then
		cp "$DIR/$w.cur" "$DIR/res/lsan-$w-$(date +%s%N)"
	fi
}

# keep FILE: save a failed run's output for the report
keep() { cp "$DIR/$1.cur" "$DIR/res/fail-$1-$(date +%s%N)"; }

worker_reader() { # worker_reader NAME PATH
	local w=$1 n c line rec
	while ! stopping; do
		n=$(((2 + $(rnd 7)) * 1048576))
		case $(rnd 3) in
		0) c=4096 ;;
		1) c=65536 ;;
		2) c=1048576 ;;
		esac
		wait_path "$2" 30 >/dev/null
		run_client $w 120 "$HA_READER" -p "$2" -n $n -c $c -w 30000
		line=$(grep '^ok ' "$DIR/$w.cur")
		if [ $RC = 0 ] && [ -n "$line" ]; then
			rec=${line##*verified, }
			echo "reader ok ops=$(((n + c - 1) / c)) rec=${rec%% *}"
		elif grep -q '^ha_open ' "$DIR/$w.cur"; then
			echo "reader noconn" # died between wait_path and open
		elif grep -q 'wrong byte' "$DIR/$w.cur"; then
			keep $w
			echo "reader corrupt"
		elif [ $RC = 124 ]; then
			keep $w
			echo "reader hung"
		else
			keep $w
			echo "reader failed rc=$RC"
		fi >>"$DIR/res/$w"
	done
}

worker_kv() { # worker_kv NAME (the key)
	local w=$1 n acked unknown rec errs fb
	while ! stopping; do
		n=$((10 + $(rnd 40)))
		wait_path /dev/name/local/soak-kv 30 >/dev/null
		run_client $w 120 "$HA_KV" -n soak-kv -e -w 30000 $w $n
		if grep -q '^ha_name_open ' "$DIR/$w.cur"; then
			echo "kv noconn" >>"$DIR/res/$w"
			continue
		fi
		acked=$(lines "$DIR/$w.cur" "^incr [0-9]+: -?[0-9]+\$")
		errs=$(lines "$DIR/$w.cur" ': error: ')
		# not re-sent, failed, or in flight when the run was cut short:
		# the server may or may not have applied it
		unknown=$(($(lines "$DIR/$w.cur" 'not re-sent') + errs))
		grep -q '^recoveries ' "$DIR/$w.cur" || unknown=$((unknown + 1))
		rec=$(sed -n 's/^recoveries //p' "$DIR/$w.cur")
		fb=$(sed -n 's/^acknowledged .* fallbacks //p' "$DIR/$w.cur")
		if [ $RC = 124 ]; then
			keep $w
			echo "kv hung ops=$acked acked=$acked unknown=$unknown"
		elif [ $RC != 0 ] && [ $RC != 1 ]; then
			keep $w
			echo "kv failed rc=$RC ops=$acked acked=$acked unknown=$unknown"
		else
			[ "$errs" = 0 ] || keep $w
			echo "kv ok ops=$acked acked=$acked unknown=$unknown" \
				"rec=${rec:-0} errs=$errs fallbacks=${fb:-0}"
		fi >>"$DIR/res/$w"
	done
}

worker_echo() { # worker_echo NAME
	local w=$1 n s r wr ok bad rec errs
	while ! stopping; do
		n=$((20 + $(rnd 80)))
		s=$(rnd 20000)
		r=$(rnd 300000)
		wr=""
		[ "$(rnd 2)" = 0 ] && wr=-w
		wait_path /dev/name/local/soak-echo 30 >/dev/null
		run_client $w 120 "$FAULT_CLI" send soak-echo $n -s $s -r $r $wr -h 30000
		if grep -q '^open rc=' "$DIR/$w.cur"; then
			echo "echo noconn" >>"$DIR/res/$w"
			continue
		fi
		ok=$(lines "$DIR/$w.cur" 'rc=OK .*data=ok')
		bad=$(lines "$DIR/$w.cur" 'data=bad')
		errs=$(lines "$DIR/$w.cur" '^send seq=[0-9]+ rc=E')
		rec=$(sed -n 's/^recoveries //p' "$DIR/$w.cur")
		if [ "$bad" != 0 ]; then
			keep $w
			echo "echo corrupt ops=$ok"
		elif [ $RC = 124 ]; then
			keep $w
			echo "echo hung ops=$ok"
		else
			[ "$errs" = 0 ] || keep $w
			echo "echo ok ops=$ok rec=${rec:-0} errs=$errs"
		fi >>"$DIR/res/$w"
	done
}

# Clients that die or misbehave on purpose; they only have to end.
worker_victim() {
	local w=$1 g
	while ! stopping; do
		case $(rnd 6) in
		0) run_client $w 60 env NTOSIM_FAULT=send-queued=$((2 + $(rnd 30))):kill \
			"$FAULT_CLI" send soak-echo 40 -s 3000 ;;
		1) run_client $w 60 env NTOSIM_FAULT=send-queued=$((2 + $(rnd 30))):garbage \
			"$FAULT_CLI" send soak-echo 40 -s 3000 ;;
		2) run_client $w 60 env NTOSIM_FAULT=pulse=$((1 + $(rnd 10))):kill \
			"$FAULT_CLI" pulse soak-echo 10 ;;
		3) run_client $w 60 env NTOSIM_FAULT=connect=1:kill \
			"$FAULT_CLI" send soak-echo 1 ;;
		4 | 5)
			if [ "$(rnd 2)" = 0 ]; then
				timeout -k 5 60 "$FAULT_CLI" hold /dev/soak-pat 3 >/dev/null 2>&1 &
			else
				timeout -k 5 60 "$HA_READER" -p /dev/soak-pat -n 100000000 >/dev/null 2>&1 &
			fi
			g=$!
			nap_ms $(rnd 400)
			# timeout may not lead its process group yet: kill it,
			# then whatever is left in the group
			kill -KILL $g 2>/dev/null
			kill -KILL -$g 2>/dev/null
			wait $g
			RC=$?
			kill -KILL -$g 2>/dev/null
			;;
		esac
		if [ $RC = 124 ]; then
			echo "victim hung"
		else
			echo "victim ok"
		fi >>"$DIR/res/$w"
	done
}

WORKERS=""
start_worker() {
	"$@" 2>>"$DIR/workers.err" &
	WORKERS="$WORKERS $!"
	track $!
}
start_worker worker_reader rdpat1 /dev/soak-pat
start_worker worker_reader rdpat2 /dev/soak-pat
start_worker worker_reader rdfs /soak-fs/pat.bin
start_worker worker_kv kva
start_worker worker_kv kvb
start_worker worker_echo echo1
start_worker worker_echo echo2
start_worker worker_victim victim

# ---- chaos ----
# resume_stopped: a "stop" fault plan (the server SIGSTOPped itself) is
# undone. One pass over the manager's state file (or the restarter's pid
# files) and each pid's /proc stat, without starting a process.
resume_stopped() {
	local n p r
	if [ $RESTARTER = ntosim-ham ]; then
		while read -r n p r; do
			case " $SERVERS " in *" $n "*) resume_pid "$p" ;; esac
		done <"$STATE"
	else
		for n in $SERVERS; do
			read -r p <"$DIR/srv-$n.pid" && resume_pid "$p"
		done
	fi
} 2>/dev/null
resume_pid() {
	local st
	[ -n "$1" ] && [ "$1" != 0 ] || return 0
	read -r st <"/proc/$1/stat" || return 0
	st=${st##*) }
	[ "${st%% *}" = T ] && kill -CONT "$1" && echo resume >>"$DIR/chaos.log"
	return 0
}
pick_server() { # sets S
	set -- $SERVERS
	shift $(rnd $#)
	S=$1
}
kill_ipcd() { # SIGKILL ipcd; 1 if there was none to kill
	local p
	p=$(cat "$SOCK.pid" 2>/dev/null)
	[ -n "$p" ] && kill -KILL "$p" 2>/dev/null || return 1
	IPCD_KILLED_MS=$(now_ms)
	echo "kill ipcd" >>"$DIR/chaos.log"
	wait_until 10 exited "$p"
}
restart_ipcd() { # the gap: from the kill to a new ipcd serving
	if timeout 10 "$IPCD" -s "$SOCK" 2>>"$DIR/ipcd.log"; then
		echo "ipcd gap $(($(now_ms) - IPCD_KILLED_MS)) ms" >>"$DIR/chaos.log"
	else
		echo "ipcd restart failed" >>"$DIR/chaos.log"
	fi
}
ham_up() { [ "$(sed -n 's/^ham //p' "$STATE" 2>/dev/null)" = "$1" ]; }
at_most_one() { [ "$(srv_instances $1 | wc -l)" -le 1 ]; }
restarted() { # restarted NAME OLDPID: the manager runs a new instance
	local q
	q=$(srv_pid $1)
	[ -n "$q" ] && [ "$q" != 0 ] && [ "$q" != "$2" ]
}
# The manager dies (with ipcd in the same gap if WITH_IPCD=1); a new one
# on the same state file adopts. Checked at once: it has written its state,
# no server runs twice, and a server killed now is restarted by it.
kill_ham() {
	local h s p
	h=$(cat "$DIR/ham.pid")
	kill -KILL "$h" 2>/dev/null || return
	echo "kill ham" >>"$DIR/chaos.log"
	wait_until 10 exited "$h" || echo "ham survived SIGKILL" >>"$DIR/chaos.log"
	if [ "$1" = 1 ] && kill_ipcd; then
		echo "kill ham+ipcd" >>"$DIR/chaos.log"
		nap_ms $((20 + $(rnd 300)))
		restart_ipcd
	else
		nap_ms $((20 + $(rnd 300)))
	fi
	start_ham
	h=$(cat "$DIR/ham.pid")
	if ! wait_until 60 ham_up "$h"; then
		echo "ham restart failed" >>"$DIR/chaos.log"
		return
	fi
	for s in $SERVERS; do
		wait_until 10 at_most_one $s ||
			echo "duplicate $s: $(srv_instances $s | tr '\n' ' ')" >>"$DIR/chaos.log"
	done
	pick_server
	s=$S
	p=$(srv_pid $s)
	if [ -n "$p" ] && [ "$p" != 0 ] && kill -KILL "$p" 2>/dev/null; then
		echo "kill $s" >>"$DIR/chaos.log"
		wait_until 60 restarted $s "$p" ||
			echo "unsupervised $s: pid $p not restarted" >>"$DIR/chaos.log"
	fi
}
chaos() {
	local s p g
	while ! stopping; do
		nap_ms $((150 + $(rnd 600)))
		echo round >>"$DIR/rounds"
		pick_server
		s=$S
		case $(rnd 20) in
		0 | 1 | 2 | 3 | 4 | 5 | 6 | 7)
			p=$(srv_pid $s)
			[ -n "$p" ] && [ "$p" != 0 ] && kill -KILL "$p" 2>/dev/null &&
				echo "kill $s" >>"$DIR/chaos.log"
			;;
		8 | 9 | 10 | 11)
			p=$(srv_pid $s)
			if [ -n "$p" ] && [ "$p" != 0 ] && kill -STOP "$p" 2>/dev/null; then
				echo "stop $s" >>"$DIR/chaos.log"
				nap_ms $((20 + $(rnd 500)))
				kill -CONT "$p" 2>/dev/null
			fi
			;;
		12 | 13 | 14 | 15)
			g=$(cat "$DIR"/*.grp 2>/dev/null)
			set -- $g
			[ $# -gt 0 ] && shift $(rnd $#)
			g=${1:-}
			if [ -n "$g" ] && kill -STOP -$g 2>/dev/null; then
				echo "stop client" >>"$DIR/chaos.log"
				nap_ms $((20 + $(rnd 500)))
				kill -CONT -$g 2>/dev/null
			fi
			;;
		16 | 17)
			# ipcd dies at a random moment; a new one takes over
			# the socket and is re-told by every survivor
			kill_ipcd || continue
			nap_ms $((20 + $(rnd 300)))
			restart_ipcd
			;;
		18 | 19)
			# the manager dies, alone or with ipcd
			[ $RESTARTER = ntosim-ham ] && kill_ham $(rnd 2)
			;;
		esac
		resume_stopped
	done
}
chaos &
CHAOS=$!
track $CHAOS

# ---- the run, with a progress line ----
sum() { # sum KEY [KIND]: total of KEY=N over the result lines
	cat "$DIR"/res/* 2>/dev/null | grep "^${2:-}" |
		sed -n "s/.* $1=\(-\{0,1\}[0-9]*\).*/\1/p" | awk '{ t += $1 } END { print t + 0 }'
}
nres() { cat "$DIR"/res/* 2>/dev/null | grep -c "$1"; }
nlog() { grep -c "$2" "$DIR/$1" 2>/dev/null; } # nlog FILE PATTERN
deaths() { # server instances started beyond the first of each
	local n
	n=$(wc -l <"$DIR/plans.log" 2>/dev/null || echo 4)
	echo $((n > 4 ? n - 4 : 0))
}
t0=$(now_ms)
next=5
while :; do
	el=$((($(now_ms) - t0) / 1000))
	[ $el -ge "$SECS" ] && break
	if [ $el -ge $next ]; then
		echo "soak ${el}/${SECS}s: ops $(sum ops) kills $(deaths)" \
			"recoveries $(sum rec) corrupt $(nres ' corrupt') hung $(nres ' hung')" \
			"failed $(nres ' failed')"
		next=$((next + 5))
	fi
	sleep 1
done

# ---- wind down ----
touch "$DIR/stop"
hung=0
# a round restarting the manager has bounded waits of its own (up to 60 s)
wait_exit $CHAOS 150 || { hung=$((hung + 1)); echo "chaos loop hung"; }
# The clients' last runs go on, and a server's "stop" plan can still fire
# (the chaos loop resumed those): keep resuming stopped servers until the
# servers are shut down, or such a client would wait out its bound.
resumer() {
	while [ ! -e "$DIR/resumer.stop" ]; do
		resume_stopped
		sleep 0.2
	done
}
resumer &
RESUMER=$!
track $RESUMER
for g in $(cat "$DIR"/*.grp 2>/dev/null); do kill -CONT -$g 2>/dev/null; done
for w in $WORKERS; do
	if ! wait_exit $w 150; then
		hung=$((hung + 1))
		echo "a worker did not finish its last client run"
	fi
done

# final kv values: each key has one writer, now idle
for k in kva kvb; do
	# the server may be restarting (its last kill): ha_name_open does not
	# wait for it, so wait for the name first
	wait_path /dev/name/local/soak-kv 30 >/dev/null
	timeout 60 "$HA_KV" -n soak-kv -w 30000 $k 0 >"$DIR/final-$k" 2>&1
	sed -n "s/^final $k = //p" "$DIR/final-$k" >"$DIR/final-$k.v"
done
lost=0
dup=0
unknown=0
for k in kva kvb; do
	v=$(cat "$DIR/final-$k.v")
	a=$(cat "$DIR/res/$k" 2>/dev/null | sed -n 's/.* acked=\([0-9]*\).*/\1/p' | awk '{ t += $1 } END { print t + 0 }')
	u=$(cat "$DIR/res/$k" 2>/dev/null | sed -n 's/.* unknown=\([0-9]*\).*/\1/p' | awk '{ t += $1 } END { print t + 0 }')
	if [ -z "$v" ]; then
		echo "no final value for $k: $(cat "$DIR/final-$k")"
		lost=$((lost + a))
		continue
	fi
	[ "$v" -lt "$a" ] && lost=$((lost + a - v))
	[ "$v" -gt $((a + u)) ] && dup=$((dup + v - a - u))
	unknown=$((unknown + u))
	echo "kv $k: final $v, acknowledged $a, unknown outcome $u"
done
fallbacks=$(cat "$DIR"/res/kva "$DIR"/res/kvb 2>/dev/null | sed -n 's/.* fallbacks=\([0-9]*\).*/\1/p' | awk '{ t += $1 } END { print t + 0 }')

# stop the servers
touch "$DIR/resumer.stop"
wait_exit $RESUMER 30 || { hung=$((hung + 1)); echo "the resumer did not stop"; }
if [ $RESTARTER = ntosim-ham ]; then
	ctl shutdown >/dev/null || echo "hamctl shutdown failed"
	wait_exit "$(cat "$DIR/ham.pid")" 60 ||
		{ hung=$((hung + 1)); echo "ntosim-ham did not exit"; }
else
	for s in $SERVERS; do
		p=$(srv_pid $s)
		[ -n "$p" ] && kill -CONT "$p" 2>/dev/null && kill -TERM "$p" 2>/dev/null
	done
fi
# ipcd may have been killed and restarted by the chaos loop
IPCD_PID=$(cat "$SOCK.pid" 2>/dev/null)
left_behind() { [ -z "$(ours_alive)" ]; }
leaked=0
wait_until 30 left_behind || {
	n=$(ours_alive | wc -l)
	echo "processes left behind:"
	ps -o pid,ppid,stat,args -p "$(ours_alive | tr '\n' ',' | sed 's/,$//')"
	leaked=$((leaked + n))
	kill -9 $(ours_alive) 2>/dev/null
}
hung=$((hung + $(nres ' hung')))
if ! wait_until 15 counts_are "$BASE_COUNTS"; then
	echo "objects $(counts), baseline $BASE_COUNTS (procs/chans/conns/coids/paths)"
	leaked=$((leaked + 1))
fi
if ! wait_until 15 nfds_at_most "$BASE_FDS"; then
	echo "ipcd has $(ipcd_nfds) fds, had $BASE_FDS"
	leaked=$((leaked + $(ipcd_nfds) - BASE_FDS))
fi
shm_list >"$DIR/shm.now"
n=$(comm -13 "$DIR/shm.base" "$DIR/shm.now" | wc -l)
[ "$n" = 0 ] || { echo "new in /dev/shm: $(comm -13 "$DIR/shm.base" "$DIR/shm.now")"; leaked=$((leaked + n)); }
kill -0 "$IPCD_PID" 2>/dev/null || { echo "ipcd died"; leaked=$((leaked + 1)); }
grep -q '^ipcd restart failed' "$DIR/chaos.log" 2>/dev/null &&
	{ echo "a new ipcd could not start"; leaked=$((leaked + 1)); }

# manager restarts: a server running twice is a duplicate, one the new
# manager did not restart is hung, a manager that never came up leaks
nham=$(nlog chaos.log '^kill ham$')
nrounds=$(wc -l <"$DIR/rounds" 2>/dev/null || echo 0)
gapmax=$(sed -n 's/^ipcd gap \([0-9]*\) ms/\1/p' "$DIR/chaos.log" 2>/dev/null |
	awk '$1 > m { m = $1 } END { print m + 0 }')
nipcd=$(nlog chaos.log '^kill ipcd')
ndupsrv=$(nlog chaos.log '^duplicate ')
nunsup=$(nlog chaos.log '^unsupervised ')
nhamfail=$(nlog chaos.log '^ham restart failed\|^ham survived')
grep -E '^(duplicate|unsupervised|ham restart failed|ham survived) ' "$DIR/chaos.log" 2>/dev/null
dup=$((dup + ndupsrv))
hung=$((hung + nunsup))
leaked=$((leaked + nhamfail))
# what the new managers found: "managing 4 servers (N adopted)" after the first
nadopt=$(grep -o 'managing [0-9]* servers* ([0-9]* adopted)' "$DIR/ham.err" 2>/dev/null |
	sed '1d; s/.*(\([0-9]*\) adopted)/\1/' | awk '{ t += $1 } END { print t + 0 }')
ops=$(sum ops)
kills=$(deaths)
rec=$(sum rec)
# memory errors a sanitizer build caught count as corruption: in clients'
# outputs, and in the servers' (ntosim-ham's stderr) and ipcd's logs
nsan=$(ls "$DIR"/res/san-* 2>/dev/null | wc -l)
for f in "$DIR"/*.err "$DIR"/*.log; do
	n=$(grep -cE "$MEM_PATTERN" "$f" 2>/dev/null) || n=0
	nsan=$((nsan + n))
	[ "$n" = 0 ] || grep -E -m 1 -A 5 "$MEM_PATTERN" "$f"
done
nlsan=$(ls "$DIR"/res/lsan-* 2>/dev/null | wc -l)
# a request whose bytes reached the echo server wrong
nbadp=$(cat "$DIR"/ham.out "$DIR"/srv-echo.log 2>/dev/null | grep -c 'payload=bad')
corrupt=$(($(nres ' corrupt') + nsan + nbadp))
failed=$(nres ' failed')
errs=$(sum errs)
{
	echo "ntosim soak: $SECS s, servers under $RESTARTER, $(date -u '+%Y-%m-%d %H:%M UTC')"
	echo
	echo "| operations | kills | ipcd kills | manager kills | recoveries | lost | duplicated | corrupted | hung | leaked |"
	echo "|-----------:|------:|-----------:|--------------:|-----------:|-----:|-----------:|----------:|-----:|-------:|"
	echo "| $ops | $kills | $nipcd | $nham | $rec | $lost | $dup | $corrupt | $hung | $leaked |"
	echo
	echo "kills by cause: $(nlog chaos.log '^kill [pfke][a-z]*$') SIGKILLs of servers from the chaos loop;" \
		"$nipcd of ipcd itself, each followed by a new ipcd (the longest gap $gapmax ms);" \
		"$(grep -vc 'plan none' "$DIR/plans.log") of $(wc -l <"$DIR/plans.log") server starts had a fault plan" \
		"($(grep -o 'plan [a-z-]*=[0-9]*:[a-z]*' "$DIR/plans.log" | sed 's/plan [a-z-]*=[0-9]*://' | sort | uniq -c | awk '{ printf "%s%s %s", s, $1, $2; s = ", " }'))"
	echo "manager: $nham SIGKILLs of ntosim-ham ($(nlog chaos.log '^kill ham+ipcd') in the same gap as an ipcd kill)," \
		"each followed by a new manager on the same state file: $nadopt servers adopted in all," \
		"$ndupsrv servers found running twice, $nunsup servers killed after a manager restart and not restarted"
	echo "chaos rounds: $nrounds in $SECS s (one every $((SECS * 1000 / (nrounds > 0 ? nrounds : 1))) ms;" \
		"150-750 ms apart plus the round's own work)"
	echo "SIGSTOP+SIGCONT: $(nlog chaos.log '^stop [a-z]') of servers," \
		"$(nlog chaos.log '^stop client') of client process groups;" \
		"$(nlog chaos.log '^resume') self-stopped servers resumed"
	echo "kv exactly-once: $unknown unknown outcomes, $fallbacks fallbacks to at-most-once"
	echo "client runs: readers $(nres '^reader ok') ok, kv $(nres '^kv ok') ok, echo $(nres '^echo ok') ok," \
		"victims $(nres '^victim'), $(nres ' noconn') could not open (server down at that moment);" \
		"$failed runs failed; $errs requests failed after recovery gave up;" \
		"$nsan memory-error reports (ASan/UBSan); $nbadp requests reached the server corrupted;" \
		"$nlsan client runs with a LeakSanitizer report at exit"
	for f in "$DIR"/res/fail-*; do
		[ -e "$f" ] || continue
		echo "--- ${f##*/fail-}"
		tail -n 3 "$f"
	done | head -n 40
	for f in "$DIR"/stacks/*; do
		[ -e "$f" ] || continue
		echo "--- a client run near its bound: ${f##*/stacks/}"
		head -n 150 "$f"
	done | head -n 300
	for f in "$DIR"/res/san-* "$DIR"/res/lsan-*; do
		[ -e "$f" ] || continue
		echo "--- sanitizer report from a client run (${f##*/res/})"
		grep -E -A 25 "$SAN_PATTERN" "$f" | head -n 30
	done | head -n 100
} >"$REPORT"
cat "$REPORT"
[ $((lost + dup + corrupt + hung + leaked + unknown + fallbacks)) = 0 ] ||
	fail "soak: see the table (and the kv exactly-once line)"
still_serving
exit 0
