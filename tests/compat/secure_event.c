/*
 * QNX 7.1 secure events and shared-memory handles between a client and a
 * server, written as QNX's documentation shows them.
 *
 *   secure_event server   name_attach()es "ntosim-time-sec" and serves
 *   secure_event client   name_open()s it and runs the checks
 *
 * Secure events: the client registers a pulse event for the server's coid
 * and sends the handle; the server's MsgVerifyEvent and MsgDeliverEvent
 * succeed and the pulse arrives with the registered code and value. An
 * event registered for another server is refused (EACCES) and nothing
 * arrives; an unregistered handle is unknown (ESRCH).
 * Shm handles: the client shares a shared-memory object with the server
 * only; the client itself cannot open the handle, the server opens it once
 * (a second open fails), and both see each other's bytes.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/dispatch.h>
#include <sys/iomsg.h>
#include <sys/mman.h>
#include <sys/neutrino.h>
#include <unistd.h>

#include "time-check.h"

#define NAME	     "ntosim-time-sec"
#define OP_EVENT     1
#define OP_SHM	     2
#define OP_QUIT	     3
#define CODE_NOTIFY  (_PULSE_CODE_MINAVAIL + 5)
#define NOTIFY_VALUE 4242

typedef struct {
	uint16_t type;
	uint16_t op;
	shm_handle_t handle;
	struct sigevent event;
} my_msg_t;

typedef union {
	uint16_t type;
	struct _pulse pulse;
	my_msg_t msg;
} my_rx_t;

/* Server: answer each request with what the calls returned. */
static int server(void)
{
	name_attach_t *att = name_attach(NULL, NAME, 0);
	my_rx_t rx;
	int rcvid;

	CHECK(att != NULL);
	for (;;) {
		rcvid = MsgReceive(att->chid, &rx, sizeof(rx), NULL);
		CHECK(rcvid != -1);
		if (rcvid == 0)
			continue; /* disconnects and the like */
		if (rx.type == _IO_CONNECT) {
			MsgReply(rcvid, EOK, NULL, 0);
			continue;
		}
		switch (rx.msg.op) {
		case OP_EVENT: {
			int res[2];

			res[0] = MsgVerifyEvent_r(rcvid, &rx.msg.event);
			res[1] = MsgDeliverEvent_r(rcvid, &rx.msg.event);
			MsgReply(rcvid, EOK, res, sizeof(res));
			break;
		}
		case OP_SHM: {
			int fd = shm_open_handle(rx.msg.handle, O_RDWR), again;
			char *p;

			CHECK(fd != -1);
			again = shm_open_handle(rx.msg.handle, O_RDWR);
			CHECK(again == -1 && errno == EINVAL); /* once only */
			p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED,
				 fd, 0);
			CHECK(p != MAP_FAILED);
			CHECK(strcmp(p, "hello from the client") == 0);
			strcpy(p + 64, "hello from the server");
			munmap(p, 4096);
			close(fd);
			MsgReply(rcvid, EOK, NULL, 0);
			break;
		}
		case OP_QUIT:
			MsgReply(rcvid, EOK, NULL, 0);
			name_detach(att, 0);
			return 0;
		default:
			MsgError(rcvid, ENOSYS);
		}
	}
}

/* Send an event handle; the server's MsgVerifyEvent/MsgDeliverEvent
 * results come back in res. */
static void send_event(int coid, const struct sigevent *ev, int res[2])
{
	my_msg_t msg;

	memset(&msg, 0, sizeof(msg));
	msg.type = _IO_MAX + 1;
	msg.op = OP_EVENT;
	msg.event = *ev;
	CHECK(MsgSend(coid, &msg, sizeof(msg), res, 2 * sizeof(int)) == 0);
}

static void events(int coid)
{
	struct sigevent ev, other;
	struct _pulse pulse;
	uint64_t bound = 10000000000ull;
	int chid, self, res[2];

	chid = ChannelCreate(0);
	CHECK(chid != -1);
	self = ConnectAttach(0, 0, chid, _NTO_SIDE_CHANNEL, 0);
	CHECK(self != -1);

	/* registered for this server: verified and delivered */
	SIGEV_PULSE_INIT(&ev, self, SIGEV_PULSE_PRIO_INHERIT, CODE_NOTIFY,
			 NOTIFY_VALUE);
	CHECK(MsgRegisterEvent(&ev, coid) == 0);
	CHECK(ev.sigev_notify & SIGEV_FLAG_HANDLE);
	CHECK(SIGEV_GET_TYPE(&ev) == SIGEV_PULSE);
	send_event(coid, &ev, res);
	CHECK(res[0] == EOK && res[1] == EOK);
	TimerTimeout(CLOCK_MONOTONIC, _NTO_TIMEOUT_RECEIVE, NULL, &bound, NULL);
	CHECK(MsgReceivePulse(chid, &pulse, sizeof(pulse), NULL) == 0);
	CHECK(pulse.code == CODE_NOTIFY);
	CHECK(pulse.value.sival_int == NOTIFY_VALUE);

	/* registered for another server (our own channel): refused */
	SIGEV_PULSE_INIT(&other, self, 10, CODE_NOTIFY, NOTIFY_VALUE + 1);
	CHECK(MsgRegisterEvent(&other, self) == 0);
	send_event(coid, &other, res);
	CHECK(res[0] == EACCES && res[1] == EACCES);

	/* unregistered: the handle means nothing any more */
	CHECK(MsgUnregisterEvent(&ev) == 0);
	CHECK(MsgUnregisterEvent(&ev) == -1 && errno == ESRCH);
	send_event(coid, &ev, res);
	CHECK(res[0] == ESRCH && res[1] == ESRCH);

	/* nothing else arrived */
	bound = 0;
	TimerTimeout(CLOCK_MONOTONIC, _NTO_TIMEOUT_RECEIVE, NULL, &bound, NULL);
	CHECK(MsgReceivePulse(chid, &pulse, sizeof(pulse), NULL) == -1 &&
	      errno == ETIMEDOUT);

	/* bad registrations */
	SIGEV_PULSE_INIT(&other, 12345, 10, CODE_NOTIFY, 0);
	CHECK(MsgRegisterEvent(&other, coid) == -1 && errno == EBADF);
	SIGEV_PULSE_INIT(&other, self, 10, CODE_NOTIFY, 0);
	CHECK(MsgRegisterEvent(&other, 54321) == -1 && errno == EBADF);
	printf("secure events ok\n");
	ConnectDetach(self);
	ChannelDestroy(chid);
}

static void shm(int coid)
{
	struct _server_info info;
	char name[64];
	shm_handle_t handle;
	my_msg_t msg;
	char *p;
	int fd, ro;

	CHECK(ConnectServerInfo(0, coid, &info) == coid);
	snprintf(name, sizeof(name), "/ntosim-time-sec-%d", (int)getpid());
	fd = shm_open(name, O_RDWR | O_CREAT | O_EXCL, 0600);
	CHECK(fd != -1);
	ro = shm_open(name, O_RDONLY, 0);
	CHECK(ro != -1);
	shm_unlink(name);
	CHECK(ftruncate(fd, 4096) == 0);
	p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	CHECK(p != MAP_FAILED);
	strcpy(p, "hello from the client");

	/* no more access than our own fd has */
	CHECK(shm_create_handle(ro, info.pid, O_RDWR, &handle, 0) == -1 &&
	      errno == EACCES);
	close(ro);

	CHECK(shm_create_handle(fd, info.pid, O_RDWR, &handle, 0) == 0);
	/* the handle is the server's, not ours */
	CHECK(shm_open_handle(handle, O_RDWR) == -1 && errno == EINVAL);
	memset(&msg, 0, sizeof(msg));
	msg.type = _IO_MAX + 1;
	msg.op = OP_SHM;
	msg.handle = handle;
	CHECK(MsgSend(coid, &msg, sizeof(msg), NULL, 0) == 0);
	CHECK(strcmp(p + 64, "hello from the server") == 0);
	/* an unknown handle */
	CHECK(shm_open_handle(handle ^ 0x5a5a5a5au, O_RDONLY) == -1 &&
	      errno == EINVAL);
	munmap(p, 4096);
	close(fd);
	printf("shm handles ok\n");
}

static int client(void)
{
	my_msg_t msg;
	int coid = name_open(NAME, 0);

	CHECK(coid != -1);
	events(coid);
	shm(coid);
	memset(&msg, 0, sizeof(msg));
	msg.type = _IO_MAX + 1;
	msg.op = OP_QUIT;
	CHECK(MsgSend(coid, &msg, sizeof(msg), NULL, 0) == 0);
	name_close(coid);
	printf("ok\n");
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 2 && strcmp(argv[1], "server") == 0)
		return server();
	if (argc == 2 && strcmp(argv[1], "client") == 0)
		return client();
	fprintf(stderr, "usage: %s server|client\n", argv[0]);
	return 2;
}
