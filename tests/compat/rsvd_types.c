/*
 * A client that sends a resource manager every I/O message type QNX
 * reserves for the framework's own calls (_IO_RSVD_CLOSE_OCB,
 * _IO_RSVD_UNBLOCK, _IO_RSVD, _IO_RSVD_LOCK_OCB, _IO_RSVD_UNLOCK_OCB) on an
 * open fd, each a full message of 0xFF bytes and then a short one. Each
 * must fail with ENOSYS and leave the server and the fd working: a read
 * still returns data. Prints "ok" or what went wrong (exit 1).
 * Driven by resmgr-rsvd-types.sh: rsvd_types PATH.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/iomsg.h>
#include <sys/neutrino.h>

int main(int argc, char *argv[])
{
	static const unsigned types[] = {_IO_RSVD_CLOSE_OCB, _IO_RSVD_UNBLOCK,
					 _IO_RSVD, _IO_RSVD_LOCK_OCB,
					 _IO_RSVD_UNLOCK_OCB};
	unsigned char msg[1024], reply[64], data[16];
	unsigned i, len;
	int fd;

	if (argc != 2) {
		fprintf(stderr, "usage: %s PATH\n", argv[0]);
		return 2;
	}
	fd = open(argv[1], O_RDONLY);
	if (fd == -1) {
		printf("open %s: %s\n", argv[1], strerror(errno));
		return 1;
	}
	for (i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		for (len = sizeof(msg); len >= 4; len = len == 4 ? 0 : 4) {
			memset(msg, 0xFF, sizeof(msg));
			msg[0] = types[i] & 0xFF;
			msg[1] = types[i] >> 8;
			msg[2] = 0; /* combine_len: no combine flag */
			msg[3] = 0;
			errno = 0;
			if (MsgSend(fd, msg, len, reply, sizeof(reply)) != -1 ||
			    errno != ENOSYS) {
				printf("type %#x len %u: errno %d (%s), want "
				       "ENOSYS\n",
				       types[i], len, errno, strerror(errno));
				return 1;
			}
		}
	}
	if (read(fd, data, sizeof(data)) != (ssize_t)sizeof(data)) {
		printf("read after: %s\n", strerror(errno));
		return 1;
	}
	close(fd);
	printf("ok\n");
	return 0;
}
