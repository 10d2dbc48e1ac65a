/*
 * The closing table of a bench run: every ratio issue 10 sets a target
 * for, from whatever sections ran, in one place, with the load average.
 * Reads the result store only; measures nothing.
 */
#include "config.h"

#include <stdio.h>

#include "bench.h"

static const struct target {
	const char *what, *key;
	double limit; /* met when value <= limit; 0: no target, reported */
} targets[] = {
	{"64 B MsgSend / floor", "rt.64.ratio_msgsend_floor", 2.0},
	{"1 KiB MsgSend / floor", "rt.1k.ratio_msgsend_floor", 2.0},
	{"64 KiB MsgSend / floor", "rt.64k.ratio_msgsend_floor", 1.3},
	{"1 MiB MsgSend / floor", "rt.1m.ratio_msgsend_floor", 1.3},
	{"64 B MsgSend / Unix socket", "rt.64.ratio_msgsend_unix", 1.0},
	{"1 KiB MsgSend / Unix socket", "rt.1k.ratio_msgsend_unix", 1.0},
	{"64 KiB MsgSend / Unix socket", "rt.64k.ratio_msgsend_unix", 1.0},
	{"1 MiB MsgSend / Unix socket", "rt.1m.ratio_msgsend_unix", 1.0},
	{"1 client looping / 64 B round trip", "tput.ratio_c1_rt64", 0},
	{"8 clients / 8 Unix-socket clients, per message",
	 "tput.ratio_c8_unix8", 1.0},
	{"idle server in MsgReceive, % of a CPU", "idle.srv_recv_cpu_pct", 0},
	{"REPLY-blocked client, % of a CPU", "idle.cli_reply_cpu_pct", 0},
	{"SEND-blocked client, % of a CPU", "idle.cli_send_cpu_pct", 0},
	{"ConnectAttach + ConnectDetach / Unix connect + close",
	 "connect.attach_detach_us_ratio_unix", 2.0},
	{"open() + close() / Unix connect + close",
	 "connect.open_close_us_ratio_unix", 3.0},
	{"name_open + name_close / Unix connect + close",
	 "connect.name_open_close_us_ratio_unix", 3.0},
	{"round trip beside N idle connections / alone", "scale.ratio", 1.1},
	{"ipcd RSS with N idle connections, MiB", "scale.ipcd_rss_mib", 50},
};

void targets_report(void)
{
	double v, l0 = -1, l1 = -1;
	size_t i;
	int any = 0;

	for (i = 0; i < sizeof(targets) / sizeof(targets[0]); i++) {
		if (res_get(targets[i].key, &v) < 0)
			continue;
		if (!any++)
			rpt("Issue 10 targets, this run (ratios; reported, not "
			    "asserted)\n");
		rpt("%-54s %9.3f", targets[i].what, v);
		if (targets[i].limit > 0)
			rpt("  <= %-5g %s", targets[i].limit,
			    v <= targets[i].limit ? "met" : "MISSED");
		rpt("\n");
	}
	if (!any)
		return;
	res_get("host.loadavg_start", &l0);
	res_get("host.loadavg_end", &l1);
	rpt("(load average %.2f at the start, %.2f at the end: above ~2 on "
	    "2 CPUs, the peers wait for CPUs and no spin pays)\n\n",
	    l0, l1);
}
