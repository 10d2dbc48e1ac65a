/*
 * A server that receives a message shorter than its buffer: as on QNX, only
 * the bytes received are written; the rest of the buffer keeps what it
 * held. Checked for MsgReceive, MsgReceivev (across parts), MsgRead at an
 * offset, a pulse, and a dispatch message_attach handler whose context
 * buffer held a longer message before. A client thread sends; the main
 * thread is the server. Prints "ok NAME" per check, exits 1 on the first
 * difference. Driven by short-msg.sh.
 */
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/dispatch.h>
#include <sys/iomsg.h>
#include <sys/neutrino.h>

#define MY_MSG_TYPE (_IO_MAX + 10)
#define OLD	    0xAA /* what the server's buffer held before */

static int chid = -1;
static int dispatch_chid = -1;

static int fail(const char *what, int off, int got, int want)
{
	printf("FAIL %s: byte %d is %#x, want %#x\n", what, off, got, want);
	exit(EXIT_FAILURE);
}

/* bytes [from, to) of buf must all be `want` */
static void expect_fill(const char *what, const unsigned char *buf, int from,
			int to, int want)
{
	int i;

	for (i = from; i < to; i++)
		if (buf[i] != want)
			fail(what, i, buf[i], want);
}

static void *client(void *arg)
{
	unsigned char four[4] = {1, 2, 3, 4}, a[2] = {5, 6}, b[3] = {7, 8, 9};
	iov_t iov[2];
	int coid;

	(void)arg;
	coid = ConnectAttach(0, 0, chid, _NTO_SIDE_CHANNEL, 0);
	if (coid == -1) {
		perror("ConnectAttach");
		exit(EXIT_FAILURE);
	}
	MsgSend(coid, four, sizeof(four), NULL, 0);
	SETIOV(&iov[0], a, sizeof(a));
	SETIOV(&iov[1], b, sizeof(b));
	MsgSendv(coid, iov, 2, NULL, 0);
	MsgSendPulse(coid, -1, _PULSE_CODE_MINAVAIL, 42);
	ConnectDetach(coid);
	return NULL;
}

static void raw_checks(void)
{
	unsigned char buf[256], p1[3], p2[100];
	struct _msg_info info;
	pthread_t tid;
	iov_t iov[2];
	int rcvid;

	chid = ChannelCreate(0);
	if (chid == -1) {
		perror("ChannelCreate");
		exit(EXIT_FAILURE);
	}
	pthread_create(&tid, NULL, client, NULL);

	/* 4 bytes into a 256-byte buffer */
	memset(buf, OLD, sizeof(buf));
	rcvid = MsgReceive(chid, buf, sizeof(buf), &info);
	if (rcvid <= 0 || info.msglen != 4) {
		printf("FAIL MsgReceive: rcvid %d msglen %d\n", rcvid,
		       (int)info.msglen);
		exit(EXIT_FAILURE);
	}
	if (buf[0] != 1 || buf[3] != 4)
		fail("MsgReceive data", 0, buf[0], 1);
	expect_fill("MsgReceive", buf, 4, (int)sizeof(buf), OLD);
	MsgReply(rcvid, EOK, NULL, 0);
	printf("ok MsgReceive\n");

	/* 5 bytes into two parts of 3 and 100 */
	memset(p1, OLD, sizeof(p1));
	memset(p2, OLD, sizeof(p2));
	SETIOV(&iov[0], p1, sizeof(p1));
	SETIOV(&iov[1], p2, sizeof(p2));
	rcvid = MsgReceivev(chid, iov, 2, &info);
	if (rcvid <= 0 || info.msglen != 5 || p1[0] != 5 || p1[2] != 7 ||
	    p2[0] != 8 || p2[1] != 9) {
		printf("FAIL MsgReceivev: rcvid %d msglen %d\n", rcvid,
		       (int)info.msglen);
		exit(EXIT_FAILURE);
	}
	expect_fill("MsgReceivev", p2, 2, (int)sizeof(p2), OLD);
	printf("ok MsgReceivev\n");

	/* MsgRead of what is left past offset 3: 2 bytes into 256 */
	memset(buf, OLD, sizeof(buf));
	if (MsgRead(rcvid, buf, sizeof(buf), 3) != 2 || buf[0] != 8 ||
	    buf[1] != 9) {
		printf("FAIL MsgRead: %s\n", strerror(errno));
		exit(EXIT_FAILURE);
	}
	expect_fill("MsgRead", buf, 2, (int)sizeof(buf), OLD);
	MsgReply(rcvid, EOK, NULL, 0);
	printf("ok MsgRead\n");

	/* a pulse writes a struct _pulse, nothing more */
	memset(buf, OLD, sizeof(buf));
	rcvid = MsgReceive(chid, buf, sizeof(buf), NULL);
	if (rcvid != 0 ||
	    ((struct _pulse *)(void *)buf)->code != _PULSE_CODE_MINAVAIL) {
		printf("FAIL pulse: rcvid %d\n", rcvid);
		exit(EXIT_FAILURE);
	}
	expect_fill("pulse", buf, (int)sizeof(struct _pulse), (int)sizeof(buf),
		    OLD);
	printf("ok pulse\n");
	pthread_join(tid, NULL);
	ChannelDestroy(chid);
}

/* ---- the same through dispatch / message_attach ---- */

typedef struct {
	uint16_t type;
	uint16_t len;
	unsigned char data[60];
} my_msg_t;

static int calls;

static int my_handler(message_context_t *ctp, int code, unsigned flags,
		      void *handle)
{
	const my_msg_t *m = (const my_msg_t *)(void *)ctp->msg;
	int i, bad = -1;

	(void)code;
	(void)flags;
	(void)handle;
	calls++;
	if (calls == 2) {
		/* the short message: 4 bytes; past them the first, longer
		 * message's bytes are still there */
		if (ctp->info.msglen != 4)
			bad = 0;
		for (i = 0; i < (int)sizeof(m->data) && bad < 0; i++)
			if (m->data[i] != 0x5A)
				bad = i + 4;
	}
	MsgReply(ctp->rcvid, EOK, &bad, sizeof(bad));
	return 0;
}

static void *dispatch_client(void *arg)
{
	my_msg_t m;
	int coid, bad = -2, *result = arg;

	coid = ConnectAttach(0, 0, dispatch_chid, _NTO_SIDE_CHANNEL, 0);
	if (coid == -1) {
		perror("ConnectAttach");
		exit(EXIT_FAILURE);
	}
	memset(&m, 0x5A, sizeof(m));
	m.type = MY_MSG_TYPE;
	m.len = sizeof(m);
	MsgSend(coid, &m, sizeof(m), &bad, sizeof(bad));
	m.len = 4;
	*result = MsgSend(coid, &m, 4, &bad, sizeof(bad)) == -1 ? -4 : bad;
	ConnectDetach(coid);
	return NULL;
}

static void dispatch_checks(const char *name)
{
	dispatch_context_t *ctp;
	name_attach_t *attach;
	dispatch_t *dpp;
	pthread_t tid;
	int result = -3;

	dpp = dispatch_create();
	if (dpp == NULL ||
	    message_attach(dpp, NULL, MY_MSG_TYPE, MY_MSG_TYPE, my_handler,
			   NULL) == -1 ||
	    (attach = name_attach(dpp, name, 0)) == NULL ||
	    (ctp = dispatch_context_alloc(dpp)) == NULL) {
		perror("dispatch setup");
		exit(EXIT_FAILURE);
	}
	dispatch_chid = attach->chid;
	pthread_create(&tid, NULL, dispatch_client, &result);
	while (calls < 2) {
		ctp = dispatch_block(ctp);
		if (ctp == NULL) {
			perror("dispatch_block");
			exit(EXIT_FAILURE);
		}
		dispatch_handler(ctp);
	}
	pthread_join(tid, NULL);
	if (result != -1) {
		printf("FAIL dispatch: byte %d past the short message "
		       "changed\n",
		       result);
		exit(EXIT_FAILURE);
	}
	printf("ok dispatch\n");
	name_detach(attach, 0);
}

int main(int argc, char *argv[])
{
	raw_checks();
	dispatch_checks(argc > 1 ? argv[1] : "short_msg");
	return EXIT_SUCCESS;
}
