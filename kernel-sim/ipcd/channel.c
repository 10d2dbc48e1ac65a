/*
 * Channels: ChannelCreate/ChannelDestroy, the per-process death channel, and
 * the kernel pulses ipcd queues in a channel region. What destruction does
 * to each connection is in connection.c.
 */
#include "config.h"

#include <errno.h>
#include <stdatomic.h>
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>
#include <sys/neutrino.h>

#include "ipcd/internal.h"

#define CHAN_REGION_SIZE \
	((sizeof(struct nto_chan_region) + 4095) & ~(size_t)4095)

struct chan *chan_lookup(struct proc *p, int chid)
{
	return proc_id_get(p, chid, ID_CHAN);
}

static int chan_create(struct proc *p, uint32_t flags, struct chan **out)
{
	struct chan *ch;
	int idx, rc;

	rc = quota_take(p->uid, &p->quse, p->pid, QUOTA_CHANNELS, 1);
	if (rc < 0)
		return rc;
	ch = calloc(1, sizeof(*ch));
	if (!ch) {
		quota_give(p->uid, &p->quse, QUOTA_CHANNELS, 1);
		return -ENOMEM;
	}
	ch->serial = ++ipcd.next_chan_serial;
	ch->reg.fd = ch->bell.fd = ch->wait.fd = ch->wait_ro = -1;
	idx = proc_id_alloc(p, ID_CHAN, ch);
	if (idx < 0) {
		rc = -EAGAIN; /* QNX: no vector space */
		goto fail;
	}
	rc = region_create(&ch->reg, "ntosim-chan", CHAN_REGION_SIZE,
			   CHAN_REGION_SIZE);
	if (rc < 0)
		goto fail_id;
	rc = region_create(&ch->bell, "ntosim-bell", NTO_DOORBELL_SIZE,
			   NTO_DOORBELL_SIZE);
	if (rc < 0)
		goto fail_reg;
	/* the owner maps it writable, then seals it (F_SEAL_FUTURE_WRITE):
	 * after that no client can get a writable mapping, not even by
	 * reopening its read-only fd through /proc */
	rc = region_create_sealed(&ch->wait, "ntosim-wait", NTO_WAITPAGE_SIZE,
				  NTO_WAITPAGE_SIZE,
				  F_SEAL_SHRINK | F_SEAL_GROW);
	if (rc < 0)
		goto fail_bell;
	ch->wait_ro = region_reopen_ro(&ch->wait);
	if (ch->wait_ro < 0) {
		rc = ch->wait_ro;
		goto fail_wait;
	}
	ch->proc = p;
	ch->chid = idx;
	ch->flags = flags;
	ch->r = ch->reg.map;
	ch->db = ch->bell.map;
	ch->r->hdr.magic = NTO_CHAN_MAGIC;
	ch->r->hdr.version = NTO_SHM_VERSION;
	ch->r->hdr.chid = idx;
	ch->r->hdr.pid = p->pid;
	ch->r->hdr.flags = flags;
	TAILQ_INSERT_TAIL(&p->chans, ch, link);
	ipcd.nchans++;
	*out = ch;
	return 0;
fail_wait:
	region_destroy(&ch->wait);
fail_bell:
	region_destroy(&ch->bell);
fail_reg:
	region_destroy(&ch->reg);
fail_id:
	proc_id_free(p, idx);
fail:
	free(ch);
	quota_give(p->uid, &p->quse, QUOTA_CHANNELS, 1);
	return rc;
}

/* ChannelDestroy semantics, for an explicit destroy or the owner's death:
 * receivers and every blocked client wake with ESRCH, client coids go dead
 * (COIDDEATH where asked for), scoids are freed. */
void chan_destroy(struct chan *ch)
{
	struct proc *p = ch->proc;
	unsigned i;

	log_dbg("pid %d: channel %d destroyed", (int)p->pid, ch->chid);
	if (p->death_chan == ch)
		p->death_chan = NULL;
	atomic_store_explicit(&ch->r->hdr.dead, 1, memory_order_release);
	doorbell_ring(ch->db);
	for (i = 0; i < ch->conns_cap; i++) {
		if (ch->conns[i])
			conn_server_gone(ch->conns[i]);
	}
	pathspace_drop_chan(p, ch->chid);
	TAILQ_REMOVE(&p->chans, ch, link);
	proc_id_free(p, ch->chid);
	region_destroy(&ch->reg);
	region_destroy(&ch->bell);
	region_destroy(&ch->wait);
	close(ch->wait_ro);
	free(ch->conns);
	free(ch->tgen);
	ipcd.nchans--;
	free(ch);
	quota_give(p->uid, &p->quse, QUOTA_CHANNELS, 1);
	quota_freed(sizeof(*ch) + CHAN_REGION_SIZE);
}

int chan_kpulse(struct chan *ch, int code, int value, int scoid)
{
	int rc = pulse_enqueue(ch->r->kpulse, NTO_CHAN_KPULSES, NULL,
			       KPULSE_PRIO, code, value, scoid);

	if (rc < 0) {
		log_err("pid %d chid %d: kernel pulse queue full, pulse %d "
			"(value %d) lost",
			(int)ch->proc->pid, ch->chid, code, value);
		return rc;
	}
	/* receivers scan the kernel pulses only while kready > 0 */
	atomic_fetch_add_explicit(&ch->r->hdr.kready, 1, memory_order_acq_rel);
	doorbell_ring(ch->db);
	return 0;
}

int dispatch_channel_create(struct req *rq)
{
	const struct nto_ctl_chan *in = rq->data;
	struct nto_ctl_chan *out = rq->rbuf;
	struct proc *p = rq->proc;
	uint32_t death =
		in->flags & (_NTO_CHF_THREAD_DEATH | _NTO_CHF_COID_DISCONNECT);
	struct chan *ch;
	int rc;

	/* only one death channel per process */
	if (death && p->death_chan)
		return -EBUSY;
	rc = chan_create(p, in->flags, &ch);
	if (rc < 0)
		return rc;
	if (death)
		p->death_chan = ch;
	out->chid = ch->chid;
	out->flags = ch->flags;
	rq->rlen = sizeof(*out);
	rq->fds[0] = ch->reg.fd;
	rq->fds[1] = ch->bell.fd;
	rq->fds[2] = ch->wait.fd;
	rq->nfds = 3;
	log_info("pid %d: channel %d created (flags %#x)", (int)p->pid,
		 ch->chid, ch->flags);
	return 0;
}

int dispatch_channel_destroy(struct req *rq)
{
	const struct nto_ctl_chan *in = rq->data;
	struct chan *ch = chan_lookup(rq->proc, in->chid);

	if (!ch)
		return -EINVAL;
	chan_destroy(ch);
	return 0;
}

int dispatch_thread_death(struct req *rq)
{
	const struct nto_ctl_id *in = rq->data;
	struct chan *ch = rq->proc->death_chan;

	if (ch && (ch->flags & _NTO_CHF_THREAD_DEATH))
		chan_kpulse(ch, _PULSE_CODE_THREADDEATH, in->id, -1);
	return 0;
}
