/*
 * notify_selsrv: a server that waits on messages and on a FIFO's data in
 * one dispatch loop, the way QNX's documentation pairs name_attach,
 * message_attach and select_attach. What arrives on the FIFO is
 * collected by the select handler; a MSG_GET message replies it (prefixed
 * "ok:" while every handler call saw exactly SELECT_FLAG_READ and its own
 * fd), MSG_QUIT ends the server. Before serving it checks
 * dispatch_timeout: a block with nothing to receive gives up with
 * ETIMEDOUT, a bad time is EINVAL.
 * With DEV, the resource manager's device at that path (notify_dev) is
 * attached too: a simulated fd, armed with ionotify as on QNX; MSG_GETDEV
 * replies what its handler read from it.
 * Usage: notify_selsrv NAME FIFO [DEV]  (prints "ready" once it serves)
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sys/dispatch.h>
#include <sys/neutrino.h>

#define MSG_GET	   (_IO_MAX + 1)
#define MSG_QUIT   (_IO_MAX + 2)
#define MSG_GETDEV (_IO_MAX + 3)

struct sel_msg {
	unsigned short type;
	unsigned short subtype;
};

static char got[1024];
static int got_len, fifo_fd, bad_flags, calls;
static char dev_got[1024];
static int dev_len, dev_fd = -1;

static int dev_ready(select_context_t *ctp, int fd, unsigned flags,
		     void *handle)
{
	ssize_t n;

	if (fd != dev_fd || flags != SELECT_FLAG_READ || ctp->fd != fd ||
	    handle != &dev_fd)
		bad_flags = 1;
	n = read(fd, dev_got + dev_len, sizeof(dev_got) - 1 - (size_t)dev_len);
	if (n > 0)
		dev_len += (int)n;
	return 0;
}

static int fifo_ready(select_context_t *ctp, int fd, unsigned flags,
		      void *handle)
{
	ssize_t n;

	calls++;
	if (fd != fifo_fd || flags != SELECT_FLAG_READ || ctp->fd != fd ||
	    handle != &fifo_fd)
		bad_flags = 1;
	n = read(fd, got + got_len, sizeof(got) - 1 - (size_t)got_len);
	if (n > 0)
		got_len += (int)n;
	return 0;
}

static int on_msg(message_context_t *ctp, int type, unsigned flags,
		  void *handle)
{
	char reply[sizeof(got) + 8];
	int n;

	(void)flags;
	(void)handle;
	if (type == MSG_QUIT) {
		MsgReply(ctp->rcvid, 0, NULL, 0);
		exit(0);
	}
	if (type == MSG_GETDEV) {
		n = snprintf(reply, sizeof(reply), "%s:%.*s",
			     bad_flags ? "bad" : "ok", dev_len, dev_got);
		MsgReply(ctp->rcvid, 0, reply, n + 1);
		return 0;
	}
	n = snprintf(reply, sizeof(reply), "%s:%.*s",
		     bad_flags || calls == 0 ? "bad" : "ok", got_len, got);
	if (got_len == 0)
		n = snprintf(reply, sizeof(reply), "empty");
	MsgReply(ctp->rcvid, 0, reply, n + 1);
	return 0;
}

int main(int argc, char **argv)
{
	struct timespec t = {0, 10 * 1000 * 1000}, bad = {0, -1};
	dispatch_context_t *ctp, *r;
	name_attach_t *att;
	dispatch_t *dpp;

	if (argc != 3 && argc != 4) {
		fprintf(stderr, "usage: notify_selsrv NAME FIFO [DEV]\n");
		return 2;
	}
	if (!(dpp = dispatch_create()) ||
	    !(att = name_attach(dpp, argv[1], 0))) {
		perror("name_attach");
		return 1;
	}
	if (message_attach(dpp, NULL, MSG_GET, MSG_GETDEV, on_msg, NULL) ==
	    -1) {
		perror("message_attach");
		return 1;
	}
	/* O_RDWR: the FIFO never reads as end-of-file between writers */
	fifo_fd = open(argv[2], O_RDWR | O_NONBLOCK);
	if (fifo_fd < 0) {
		perror("open fifo");
		return 1;
	}
	if (!(ctp = dispatch_context_alloc(dpp))) {
		perror("dispatch_context_alloc");
		return 1;
	}

	/* dispatch_timeout: nobody knows the name yet, so the block times out
	 */
	if (dispatch_timeout(dpp, &bad) != -1 || errno != EINVAL) {
		fprintf(stderr, "dispatch_timeout(bad) did not fail EINVAL\n");
		return 1;
	}
	if (dispatch_timeout(dpp, &t) == -1) {
		perror("dispatch_timeout");
		return 1;
	}
	errno = 0;
	r = dispatch_block(ctp);
	if (r != ctp || ctp->message_context.rcvid != -1 ||
	    errno != ETIMEDOUT) {
		fprintf(stderr, "dispatch_block did not time out (errno %d)\n",
			errno);
		return 1;
	}
	if (dispatch_handler(ctp) != -1) {
		fprintf(stderr, "dispatch_handler took a timeout\n");
		return 1;
	}
	dispatch_timeout(dpp, NULL);

	if (select_attach(dpp, NULL, fifo_fd,
			  SELECT_FLAG_READ | SELECT_FLAG_REARM, fifo_ready,
			  &fifo_fd) == -1) {
		perror("select_attach");
		return 1;
	}
	if (select_attach(dpp, NULL, -1, SELECT_FLAG_READ, fifo_ready, NULL) !=
		    -1 ||
	    errno != EINVAL || select_detach(dpp, 12345) != -1 ||
	    errno != EINVAL) {
		fprintf(stderr, "select_attach/detach accepted bad args\n");
		return 1;
	}
	if (argc == 4) {
		dev_fd = open(argv[3], O_RDONLY);
		if (dev_fd < 0) {
			perror("open dev");
			return 1;
		}
		if (select_attach(dpp, NULL, dev_fd, SELECT_FLAG_READ,
				  dev_ready, &dev_fd) == -1) {
			perror("select_attach dev");
			return 1;
		}
	}
	printf("ready\n");
	fflush(stdout);
	for (;;) {
		if (!(ctp = dispatch_block(ctp))) {
			perror("dispatch_block");
			return 1;
		}
		dispatch_handler(ctp);
	}
}
