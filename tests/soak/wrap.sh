#!/bin/sh
# The soak's server wrapper: each time the restart manager (or the soak's
# own restarter) starts a server, pick a random NTOSIM_FAULT plan for this
# instance (or none), log it, and exec the server (same pid).
#	wrap.sh NAME PLANLOG PERCENT SERVER [ARG]...
# PERCENT: chance (0-100) that this instance gets a fault plan.
name=$1 log=$2 pct=$3
shift 3
rnd() { echo $(($(od -An -N4 -tu4 /dev/urandom) % $1)); }

plan=none
if [ "$(rnd 100)" -lt "$pct" ]; then
	case $(rnd 4) in
	0) point=recv ;;
	1) point=reply-before ;;
	2) point=reply-after ;;
	3) point=write-mid ;;
	esac
	n=$((1 + $(rnd 400)))
	r=$(rnd 100)
	if [ $r -lt 45 ]; then
		action=kill
	elif [ $r -lt 60 ]; then
		action=exit:$((1 + $(rnd 100)))
	elif [ $r -lt 70 ]; then
		action=stop # the soak's chaos loop resumes stopped servers
	elif [ $r -lt 85 ]; then
		action=sleep:$((20 + $(rnd 1500)))
	else
		action=garbage
	fi
	plan=$point=$n:$action
	NTOSIM_FAULT=$plan
	export NTOSIM_FAULT
fi
echo "$name pid $$ plan $plan" >>"$log"
exec "$@"
