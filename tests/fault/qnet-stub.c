/*
 * A test network manager (issue 13): a real process that uses the
 * libnto/network-manager contract (proto/netmgr.h) as ntosim-qnet does,
 * on one node that plays both ends ("loopback": every remote target is a
 * local process). It registers, answers NTO_NETCTL_CHECK by attaching to
 * the target as the remote client (nto_netmgr_attach), forwards each send
 * with nto_netmgr_sendv in a thread of its own, cancels a forward when its
 * client's UNBLOCK pulse arrives, and detaches the proxy on DISCONNECT.
 * EVENT, RESOLVE and NAME are answered from this node too ("far-NAME" is
 * the local name NAME, found on node 3).
 * It logs one line per event on stdout for the scripts to wait on.
 * Usage: qnet-stub [-N ND] [-x] [-P PID:CHID]
 *   -N  the nd the server side sees for the client's node (default 9)
 *   -x  exit after registering (0 if it registered)
 *   -P  first, as the network manager, send to PID:CHID with a call that
 *       is already cancelled, and log what came of it
 */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sys/neutrino.h>

#include <sys/ftype.h>

#include "proto/ctl.h"
#include "proto/netmgr.h"

#define MSG_MAX	 65536
#define RCONNS	 256
#define FWDS_MAX 256

static uint32_t px_nd = 9;
static int chid;

/* a remote client's connection to us -> our proxy coid on its target */
static struct {
	int scoid, pcoid;
	pid_t client, target; /* the remote client, the server it reaches */
} rconn[RCONNS];
static struct fwd {
	int used;
	int rcvid;
	int pcoid;
	struct _msg_info info;
	char *msg;
	struct nto_netmgr_call call;
} fwds[FWDS_MAX];
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

static const char *ename(int err)
{
	const char *n = strerrorname_np(err);

	if (err == ENOREMOTE) /* QNX's value, unknown to glibc */
		return "ENOREMOTE";
	return err == 0 ? "OK" : n ? n : "E?";
}

static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void say(const char *fmt, ...)
{
	va_list ap;

	pthread_mutex_lock(&lock);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	fflush(stdout);
	pthread_mutex_unlock(&lock);
}

static int rconn_pcoid(int scoid)
{
	int i, pc = -1;

	pthread_mutex_lock(&lock);
	for (i = 0; i < RCONNS; i++)
		if (rconn[i].pcoid && rconn[i].scoid == scoid)
			pc = rconn[i].pcoid;
	pthread_mutex_unlock(&lock);
	return pc;
}

static void check(int rcvid, const struct _msg_info *info)
{
	struct nto_netmgr_target t;
	struct nto_netmgr_proxy px;
	int rc = nto_netmgr_target(info->scoid, &t), pc, i;

	if (rc < 0) {
		say("check rc=%s\n", ename(-rc));
		MsgError(rcvid, -rc);
		return;
	}
	say("check rc=OK nd=%u pid=%d chid=%d flags=%#x client=%d uid=%u "
	    "gid=%u coid=%#x\n",
	    t.nd, (int)t.pid, t.chid, t.flags, (int)t.client_pid, t.uid, t.gid,
	    t.coid);
	if (t.pid == 666) { /* the test's unreachable node */
		MsgError(rcvid, EHOSTDOWN);
		return;
	}
	px.nd = px_nd;
	px.srcnd = t.nd;
	px.pid = t.client_pid;
	px.uid = t.uid;
	px.gid = t.gid;
	pc = nto_netmgr_attach(&px, t.pid, t.chid, 0);
	say("proxy rc=%s pcoid=%#x\n", ename(pc < 0 ? -pc : 0), pc);
	if (pc < 0) {
		MsgError(rcvid, -pc);
		return;
	}
	pthread_mutex_lock(&lock);
	for (i = 0; i < RCONNS && rconn[i].pcoid; i++)
		;
	if (i < RCONNS) {
		rconn[i].scoid = info->scoid;
		rconn[i].pcoid = pc;
		rconn[i].client = t.client_pid;
		rconn[i].target = t.pid;
	}
	pthread_mutex_unlock(&lock);
	MsgReply(rcvid, 0, NULL, 0);
}

static void *forward(void *arg)
{
	struct fwd *f = arg;
	int len = f->info.dstmsglen;
	char *rbuf = malloc(len > 0 ? (size_t)len : 1);
	iov_t si = {f->msg, (size_t)f->info.msglen},
	      ri = {rbuf, (size_t)(len > 0 ? len : 0)};
	size_t rl = 0;
	int st;

	st = nto_netmgr_sendv(f->pcoid, &f->call, f->info.tid, f->info.priority,
			      NULL, &si, 1, &ri, 1, &rl, NULL);
	say("fwd rcvid=%d rc=%s status=%d reply_len=%zu\n", f->rcvid,
	    ename(st < 0 ? -st : 0), st < 0 ? 0 : st, rl);
	if (st < 0)
		MsgError(f->rcvid, -st);
	else
		MsgReply(f->rcvid, st, rbuf, (int)rl);
	free(rbuf);
	free(f->msg);
	pthread_mutex_lock(&lock);
	f->used = 0;
	pthread_mutex_unlock(&lock);
	return NULL;
}

static void start_forward(int rcvid, int pcoid, const struct _msg_info *info,
			  const char *msg)
{
	struct fwd *f = NULL;
	pthread_t th;
	int i;

	pthread_mutex_lock(&lock);
	for (i = 0; i < FWDS_MAX; i++)
		if (!fwds[i].used) {
			f = &fwds[i];
			f->used = 1;
			break;
		}
	pthread_mutex_unlock(&lock);
	if (!f) {
		MsgError(rcvid, EAGAIN);
		return;
	}
	f->rcvid = rcvid;
	f->pcoid = pcoid;
	f->info = *info;
	f->msg = malloc((size_t)info->msglen + 1);
	memcpy(f->msg, msg, (size_t)info->msglen);
	atomic_store(&f->call.cancel, 0);
	atomic_store(&f->call.tid, 0);
	if (pthread_create(&th, NULL, forward, f) != 0) {
		MsgError(rcvid, EAGAIN);
		free(f->msg);
		f->used = 0;
		return;
	}
	pthread_detach(th);
}

static void pulse(const struct _pulse *p)
{
	int i;

	if (p->code == _PULSE_CODE_UNBLOCK) {
		int rcvid = p->value.sival_int;

		pthread_mutex_lock(&lock);
		for (i = 0; i < FWDS_MAX; i++)
			if (fwds[i].used && fwds[i].rcvid == rcvid)
				nto_netmgr_cancel(&fwds[i].call);
		pthread_mutex_unlock(&lock);
		say("unblock rcvid=%d\n", rcvid);
	} else if (p->code == _PULSE_CODE_DISCONNECT) {
		int pc = -1;

		pthread_mutex_lock(&lock);
		for (i = 0; i < RCONNS; i++)
			if (rconn[i].pcoid && rconn[i].scoid == p->scoid) {
				pc = rconn[i].pcoid;
				rconn[i].pcoid = 0;
			}
		pthread_mutex_unlock(&lock);
		if (pc >= 0)
			say("proxy-detach pcoid=%#x rc=%s\n", pc,
			    ename(ConnectDetach(pc) == 0 ? 0 : errno));
		say("disconnect scoid=%d rc=%s\n", p->scoid,
		    ename(ConnectDetach(p->scoid) == 0 ? 0 : errno));
	}
}

/* NTO_NETCTL_EVENT from a server to the remote client (nd, pid): only a
 * server we proxy that client to may; delivered on the client's own
 * connection to us, as its node's network manager would */
static void event(int rcvid, const struct _msg_info *info, const char *buf)
{
	const struct nto_netctl_event *ev = (const void *)buf;
	int i, scoid = -1, rc;

	if (info->msglen < (int)sizeof(*ev)) {
		MsgError(rcvid, EINVAL);
		return;
	}
	pthread_mutex_lock(&lock);
	for (i = 0; i < RCONNS; i++)
		if (rconn[i].pcoid && rconn[i].client == ev->pid &&
		    rconn[i].target == info->pid && ev->nd == px_nd)
			scoid = rconn[i].scoid;
	pthread_mutex_unlock(&lock);
	if (scoid < 0) {
		say("event nd=%u pid=%d from=%d rc=EPERM\n", ev->nd, ev->pid,
		    (int)info->pid);
		MsgError(rcvid, EPERM);
		return;
	}
	rc = MsgDeliverEvent(scoid, &ev->event) == 0 ? 0 : errno;
	say("event nd=%u pid=%d from=%d rc=%s\n", ev->nd, ev->pid,
	    (int)info->pid, ename(rc));
	if (rc)
		MsgError(rcvid, rc);
	else
		MsgReply(rcvid, 0, NULL, 0);
}

/* NTO_NETCTL_RESOLVE: the "remote" node is this one */
static void resolve(int rcvid, const struct _msg_info *info, const char *buf)
{
	const struct nto_netctl_resolve *r = (const void *)buf;
	struct {
		struct nto_ctl_resolve_rep h;
		struct nto_ctl_resolve_ent e[NTO_RESOLVE_MAX];
	} rep;
	int n;

	if (info->msglen <= (int)sizeof(*r) || buf[info->msglen - 1] != '\0') {
		MsgError(rcvid, EINVAL);
		return;
	}
	n = nto_netmgr_resolve(r->path, rep.e, NTO_RESOLVE_MAX);
	say("resolve nd=%u path=%s n=%d\n", r->nd, r->path, n);
	if (n < 0) {
		MsgError(rcvid, -n);
		return;
	}
	rep.h.n = (uint32_t)n;
	MsgReply(rcvid, 0, &rep,
		 (int)(sizeof(rep.h) + (size_t)n * sizeof(rep.e[0])));
}

/* NTO_NETCTL_NAME: "far-NAME" is the name NAME of node 3 (this one) */
static void name(int rcvid, const struct _msg_info *info, const char *buf)
{
	const struct nto_netctl_resolve *r = (const void *)buf;
	struct nto_ctl_resolve_ent e[NTO_RESOLVE_MAX];
	struct nto_netctl_name_rep rep;
	char path[256];
	int n, i;

	if (info->msglen <= (int)sizeof(*r) || buf[info->msglen - 1] != '\0' ||
	    strncmp(r->path, "far-", 4)) {
		say("name rc=ENOENT\n");
		MsgError(rcvid, ENOENT);
		return;
	}
	if (snprintf(path, sizeof(path), "/dev/name/local/%.200s",
		     r->path + 4) >= (int)sizeof(path))
		path[0] = '\0';
	n = nto_netmgr_resolve(path, e, NTO_RESOLVE_MAX);
	for (i = 0; i < n; i++)
		if (e[i].ftype == _FTYPE_NAME)
			break;
	if (n <= 0 || i == n) {
		say("name %s rc=ENOENT\n", r->path);
		MsgError(rcvid, ENOENT);
		return;
	}
	rep.nd = 3;
	rep.pid = e[i].pid;
	rep.chid = e[i].chid;
	say("name %s rc=OK pid=%d chid=%d\n", r->path, rep.pid, rep.chid);
	MsgReply(rcvid, 0, &rep, sizeof(rep));
}

/* -P: a send whose call was cancelled before it started never reaches
 * the server */
static void precancel(const char *arg)
{
	struct nto_netmgr_proxy px = {px_nd, 0, 4242, 0, 0};
	struct nto_netmgr_call call;
	char m[16] = "E", r[16];
	iov_t si = {m, sizeof(m)}, ri = {r, sizeof(r)};
	size_t rl = 99;
	int pid, ch, pc, st;

	if (sscanf(arg, "%d:%d", &pid, &ch) != 2)
		exit(2);
	pc = nto_netmgr_attach(&px, pid, ch, 0);
	if (pc < 0) {
		say("precancel attach rc=%s\n", ename(-pc));
		return;
	}
	atomic_store(&call.cancel, 0);
	atomic_store(&call.tid, 0);
	nto_netmgr_cancel(&call);
	st = nto_netmgr_sendv(pc, &call, 1, 10, NULL, &si, 1, &ri, 1, &rl,
			      NULL);
	say("precancel rc=%s reply_len=%zu\n", ename(st < 0 ? -st : 0), rl);
	ConnectDetach(pc);
}

int main(int argc, char **argv)
{
	static char buf[MSG_MAX];
	const char *pre = NULL;
	int opt, exit_after = 0, rc;

	while ((opt = getopt(argc, argv, "N:xP:")) != -1) {
		switch (opt) {
		case 'N':
			px_nd = (uint32_t)atoi(optarg);
			break;
		case 'x':
			exit_after = 1;
			break;
		case 'P':
			pre = optarg;
			break;
		default:
			return 2;
		}
	}
	chid = ChannelCreate(_NTO_CHF_DISCONNECT | _NTO_CHF_UNBLOCK);
	if (chid < 0)
		return 1;
	rc = nto_netmgr_register(chid);
	say("register rc=%s pid=%d chid=%d\n", ename(rc < 0 ? -rc : 0),
	    (int)getpid(), chid);
	if (exit_after || rc < 0)
		return rc < 0 ? 1 : 0;
	if (pre)
		precancel(pre);
	for (;;) {
		struct _msg_info info;
		int rcvid = MsgReceive(chid, buf, sizeof(buf), &info), pc;

		if (rcvid < 0) {
			say("receive rc=%s\n", ename(errno));
			return 1;
		}
		if (rcvid == 0) {
			pulse((const struct _pulse *)buf);
			continue;
		}
		if (info.msglen > (int)sizeof(buf)) {
			MsgError(rcvid, EMSGSIZE);
			continue;
		}
		if (nto_netmgr_is_netctl(rcvid)) {
			const struct nto_netctl_hdr *h = (const void *)buf;

			if (info.msglen < (int)sizeof(*h) ||
			    h->magic != NTO_NETCTL_MAGIC)
				MsgError(rcvid, EINVAL);
			else if (h->op == NTO_NETCTL_CHECK)
				check(rcvid, &info);
			else if (h->op == NTO_NETCTL_EVENT)
				event(rcvid, &info, buf);
			else if (h->op == NTO_NETCTL_RESOLVE)
				resolve(rcvid, &info, buf);
			else if (h->op == NTO_NETCTL_NAME)
				name(rcvid, &info, buf);
			else
				MsgError(rcvid, ENOSYS);
			continue;
		}
		pc = rconn_pcoid(info.scoid);
		if (pc < 0) {
			struct nto_netmgr_target t;

			rc = nto_netmgr_target(info.scoid, &t);
			say("local-msg target rc=%s\n", ename(-rc));
			MsgError(rcvid, ENOSYS);
			continue;
		}
		start_forward(rcvid, pc, &info, buf);
	}
}
