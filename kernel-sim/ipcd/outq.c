/*
 * A peer's output queue: ipcd never waits for a peer to read. A reply goes
 * out at once when the socket has room; otherwise it is queued as a packet
 * (SOCK_SEQPACKET boundaries kept, its SCM_RIGHTS fds dup'ed and attached
 * again when it goes) and sent when the socket becomes writable. A peer
 * whose queue passes the high-water mark is dropped, which for a process is
 * its death. Not here: reading requests and dispatching them (peer.c).
 */
#include "config.h"

#include <errno.h>
#include <event2/event.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "ipcd/internal.h"

struct outpkt {
	TAILQ_ENTRY(outpkt) link;
	size_t len; /* header + payload bytes in data */
	int nfds;
	int fds[NTO_CTL_FDS_MAX]; /* ipcd's own duplicates, closed once sent */
	unsigned char data[];
};

/* What a queued packet costs against outq_bytes (its record included). */
static size_t pkt_cost(size_t len)
{
	return sizeof(struct outpkt) + len;
}

static void close_fds(const int *fds, int n)
{
	int i;

	for (i = 0; i < n; i++)
		close(fds[i]);
}

/* One packet out, without waiting: 0, -EAGAIN (no room) or -errno. */
static int pkt_sendmsg(int sock, const struct iovec *iov, int niov,
		       const int *fds, int nfds)
{
	union {
		struct cmsghdr align;
		char b[CMSG_SPACE(NTO_CTL_FDS_MAX * sizeof(int))];
	} cbuf;
	struct msghdr mh = {0};

	mh.msg_iov = (struct iovec *)iov;
	mh.msg_iovlen = (size_t)niov;
	if (nfds > 0) {
		struct cmsghdr *cm;

		memset(&cbuf, 0, sizeof(cbuf));
		mh.msg_control = cbuf.b;
		mh.msg_controllen = CMSG_SPACE((size_t)nfds * sizeof(int));
		cm = CMSG_FIRSTHDR(&mh);
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN((size_t)nfds * sizeof(int));
		memcpy(CMSG_DATA(cm), fds, (size_t)nfds * sizeof(int));
	}
	for (;;) {
		if (sendmsg(sock, &mh, MSG_NOSIGNAL | MSG_DONTWAIT) >= 0)
			return 0;
		if (errno == EINTR)
			continue;
		return errno == EWOULDBLOCK ? -EAGAIN : -errno;
	}
}

static void pkt_free(struct peer *pe, struct outpkt *pk)
{
	struct outq *q = &pe->outq;

	quota_give(pe->uid, NULL, QUOTA_FDS, (unsigned)pk->nfds);
	TAILQ_REMOVE(&q->pkts, pk, link);
	q->bytes -= pkt_cost(pk->len);
	q->npkts--;
	q->nfds -= (unsigned)pk->nfds;
	close_fds(pk->fds, pk->nfds);
	free(pk);
}

/* Send queued packets while the socket takes them: 0 (emptied), -EAGAIN
 * (socket full again) or -errno (the peer is gone or broken). */
static int outq_flush(struct peer *pe)
{
	struct outq *q = &pe->outq;
	struct outpkt *pk;
	size_t freed = 0;
	int rc = 0;

	while ((pk = TAILQ_FIRST(&q->pkts))) {
		struct iovec iov = {pk->data, pk->len};

		rc = pkt_sendmsg(pe->fd, &iov, 1, pk->fds, pk->nfds);
		if (rc < 0)
			break;
		freed += pkt_cost(pk->len);
		pkt_free(pe, pk);
	}
	if (TAILQ_EMPTY(&q->pkts))
		q->burst = 0;
	quota_freed(freed);
	return rc;
}

static void outq_write_cb(evutil_socket_t fd, short what, void *arg)
{
	struct peer *pe = arg;
	int rc;

	if (pe->closing) {
		event_del(pe->outq.wr_ev);
		return;
	}
	rc = outq_flush(pe);
	if (rc == -EAGAIN)
		return;
	event_del(pe->outq.wr_ev);
	if (rc < 0) /* a reset or EPIPE is the process dying: no error */
		peer_drop(pe, rc == -EPIPE || rc == -ECONNRESET
				      ? NULL
				      : "sending a queued reply failed");
}

void outq_init(struct peer *pe)
{
	TAILQ_INIT(&pe->outq.pkts);
	pe->outq.bytes = 0;
	pe->outq.npkts = pe->outq.nfds = 0;
	pe->outq.burst = 0;
	pe->outq.wr_ev = NULL;
}

/* The peer is being destroyed: one last try without waiting (a refused
 * HELLO's answer, say), then whatever is left goes. */
void outq_free(struct peer *pe)
{
	struct outq *q = &pe->outq;
	size_t left = q->bytes;

	if (!TAILQ_EMPTY(&q->pkts) && outq_flush(pe) == 0)
		left = 0;
	while (!TAILQ_EMPTY(&q->pkts))
		pkt_free(pe, TAILQ_FIRST(&q->pkts));
	if (q->wr_ev)
		event_free(q->wr_ev);
	q->wr_ev = NULL;
	quota_freed(left);
}

void outq_burst(struct peer *pe, size_t bytes)
{
	/* granted only on an empty queue: a peer asking again without
	 * reading gets no more room */
	if (TAILQ_EMPTY(&pe->outq.pkts))
		pe->outq.burst = bytes + bytes / 8; /* + packet records */
}

/* Queue one packet behind the others. -EAGAIN when the queue would pass
 * its high-water mark (the caller drops the peer), -EMFILE/-ENOMEM. */
static int outq_push(struct peer *pe, const struct iovec *iov, int niov,
		     const int *fds, int nfds)
{
	struct outq *q = &pe->outq;
	size_t len = iov[0].iov_len + (niov > 1 ? iov[1].iov_len : 0);
	struct outpkt *pk;
	int rc;

	if (q->bytes + pkt_cost(len) > quota.outq_bytes + q->burst ||
	    q->npkts + 1 > quota.outq_packets ||
	    q->nfds + (unsigned)nfds > quota.outq_fds) {
		log_err("pid %d%s: %u replies (%zu bytes, %u fds) unread: "
			"output queue over its limit",
			(int)pe->pid, pe->aux ? " (aux)" : "", q->npkts,
			q->bytes, q->nfds);
		return -EAGAIN;
	}
	if (!q->wr_ev) {
		q->wr_ev = event_new(ipcd.base, pe->fd, EV_WRITE | EV_PERSIST,
				     outq_write_cb, pe);
		if (!q->wr_ev)
			return -ENOMEM;
	}
	/* the duplicates are ipcd fds held for this uid (quota.c) */
	rc = quota_take(pe->uid, NULL, pe->pid, QUOTA_FDS, (unsigned)nfds);
	if (rc < 0)
		return rc;
	pk = malloc(sizeof(*pk) + len);
	if (!pk) {
		rc = -ENOMEM;
		goto fail;
	}
	pk->len = len;
	memcpy(pk->data, iov[0].iov_base, iov[0].iov_len);
	if (niov > 1)
		memcpy(pk->data + iov[0].iov_len, iov[1].iov_base,
		       iov[1].iov_len);
	/* the objects behind the fds may go before the packet does */
	for (pk->nfds = 0; pk->nfds < nfds; pk->nfds++) {
		pk->fds[pk->nfds] = fcntl(fds[pk->nfds], F_DUPFD_CLOEXEC, 0);
		if (pk->fds[pk->nfds] < 0) {
			rc = -errno;
			goto fail_pkt;
		}
	}
	if (TAILQ_EMPTY(&q->pkts) && event_add(q->wr_ev, NULL) < 0) {
		rc = -ENOMEM;
		goto fail_pkt;
	}
	TAILQ_INSERT_TAIL(&q->pkts, pk, link);
	q->bytes += pkt_cost(len);
	q->npkts++;
	q->nfds += (unsigned)nfds;
	return 0;
fail_pkt:
	close_fds(pk->fds, pk->nfds);
	free(pk);
fail:
	quota_give(pe->uid, NULL, QUOTA_FDS, (unsigned)nfds);
	return rc;
}

/* Send a reply now, or queue it in order behind earlier ones; never waits.
 * 0 (sent or queued), -EAGAIN (queue over its limit: drop the peer),
 * -EMSGSIZE, -EPIPE (peer closing) or another -errno from the socket. */
int peer_send(struct peer *pe, uint32_t type, uint32_t seq, int32_t status,
	      const void *payload, uint32_t len, const int *fds, int nfds)
{
	struct nto_ctl_hdr h = {type, len, seq, status};
	struct iovec iov[2] = {{&h, sizeof(h)}, {(void *)payload, len}};
	int niov = len ? 2 : 1, rc;

	if (len > NTO_CTL_REPLY_MAX - sizeof(h) || nfds < 0 ||
	    nfds > (int)NTO_CTL_FDS_MAX)
		return -EMSGSIZE;
	if (pe->closing)
		return -EPIPE;
	if (TAILQ_EMPTY(&pe->outq.pkts)) {
		rc = pkt_sendmsg(pe->fd, iov, niov, fds, nfds);
		if (rc != -EAGAIN)
			return rc;
	}
	return outq_push(pe, iov, niov, fds, nfds);
}
