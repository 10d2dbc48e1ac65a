/*
 * A devctl() client as QNX's documentation writes one, checking what a
 * user of tests/compat/devctl_srv.c sees: devctl returns an error number
 * (never -1), data travels as the command's direction bits say, dev_info
 * carries the server's ret_val, unknown commands are ENOTTY, and the
 * DCMD_ALL_* commands work on the resource manager and on a plain pipe.
 * Usage: devctl_cli PATH. Prints "ok" and exits 0 when all checks pass.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <devctl.h>
#include <sys/dcmd_all.h>
#include <sys/neutrino.h>

#include "devctl_cmds.h"

static int failures;

#define CHECK(cond, ...)                                    \
	do {                                                \
		if (!(cond)) {                              \
			printf("FAIL line %d: ", __LINE__); \
			printf(__VA_ARGS__);                \
			printf("\n");                       \
			failures++;                         \
		}                                           \
	} while (0)

int main(int argc, char **argv)
{
	struct sample_setget sg;
	iov_t sv[2], rv[2];
	int fd, ro, rc, val, info, flags, p[2];
	short lo, hi;

	if (argc != 2) {
		fprintf(stderr, "usage: devctl_cli PATH\n");
		return 2;
	}
	fd = open(argv[1], O_RDWR);
	if (fd == -1) {
		perror(argv[1]);
		return 1;
	}

	/* __DIOT: data to the device; __DIOF: data back */
	val = 42;
	info = -1;
	rc = devctl(fd, SAMPLE_SETVAL, &val, sizeof(val), &info);
	CHECK(rc == EOK, "SETVAL gave %d", rc);
	CHECK(info == 0, "SETVAL dev_info %d, want 0", info);
	val = 0;
	rc = devctl(fd, SAMPLE_GETVAL, &val, sizeof(val), NULL);
	CHECK(rc == EOK && val == 42, "GETVAL gave %d, value %d", rc, val);

	/* __DIOTF: both ways in one buffer */
	sg.tx = 7;
	rc = devctl(fd, SAMPLE_SETGET, &sg, sizeof(sg), NULL);
	CHECK(rc == EOK && sg.rx == 42, "SETGET gave %d, rx %d", rc, sg.rx);
	rc = devctl(fd, SAMPLE_GETVAL, &val, sizeof(val), NULL);
	CHECK(rc == EOK && val == 7, "GETVAL after SETGET: %d, %d", rc, val);

	/* __DION: a value in ret_val only */
	info = -1;
	rc = devctl(fd, SAMPLE_RETVAL, NULL, 0, &info);
	CHECK(rc == EOK && info == SAMPLE_RETVAL_VALUE + 7,
	      "RETVAL gave %d, dev_info %d", rc, info);
	info = -1;
	rc = devctl(fd, SAMPLE_STATUS_ONLY, NULL, 0, &info);
	CHECK(rc == EOK && info == 0, "STATUS_ONLY gave %d, dev_info %d", rc,
	      info);

	/* errors come back as the return value, errno untouched */
	errno = 0;
	rc = devctl(fd, SAMPLE_UNKNOWN, &val, sizeof(val), NULL);
	CHECK(rc == ENOTTY, "unknown command gave %d (%s), want ENOTTY", rc,
	      strerror(rc));
	CHECK(errno == 0, "devctl set errno to %d", errno);
	rc = devctl(fd, SAMPLE_FAIL, NULL, 0, NULL);
	CHECK(rc == EINVAL, "FAIL gave %d, want EINVAL", rc);

	/* devctlv: the int gathered from two halves, scattered back */
	val = 0x00050003;
	SETIOV(&sv[0], &val, 2);
	SETIOV(&sv[1], (char *)&val + 2, 2);
	rc = devctlv(fd, SAMPLE_SETVAL, 2, 0, sv, NULL, NULL);
	CHECK(rc == EOK, "devctlv SETVAL gave %d", rc);
	SETIOV(&rv[0], &lo, sizeof(lo));
	SETIOV(&rv[1], &hi, sizeof(hi));
	rc = devctlv(fd, SAMPLE_GETVAL, 0, 2, NULL, rv, NULL);
	CHECK(rc == EOK && lo == 3 && hi == 5, "devctlv GETVAL %d: %d %d", rc,
	      lo, hi);
	rc = devctlv(fd, SAMPLE_GETVAL, -1, 0, NULL, NULL, NULL);
	CHECK(rc == EINVAL, "devctlv with -1 parts gave %d", rc);

	/* a command the server checks with iofunc_devctl_verify */
	val = 99;
	rc = devctl(fd, SAMPLE_SECURE, &val, sizeof(val), NULL);
	CHECK(rc == EOK, "SECURE gave %d", rc);
	rc = devctl(fd, SAMPLE_GETVAL, &val, sizeof(val), NULL);
	CHECK(rc == EOK && val == 99, "GETVAL after SECURE: %d, %d", rc, val);
	SETIOV(&sv[0], &val, 2);
	rc = devctlv(fd, SAMPLE_SECURE, 1, 0, sv, NULL, NULL);
	CHECK(rc == EINVAL, "SECURE with 2 bytes gave %d, want EINVAL", rc);
	ro = open(argv[1], O_RDONLY);
	CHECK(ro >= 0, "open O_RDONLY: %s", strerror(errno));
	rc = devctl(ro, SAMPLE_SECURE, &val, sizeof(val), NULL);
	CHECK(rc == EBADF, "SECURE through a read-only open gave %d", rc);
	close(ro);

	/* the DCMD_ALL_* commands iofunc_devctl_default answers */
	rc = devctl(fd, DCMD_ALL_GETFLAGS, &flags, sizeof(flags), NULL);
	CHECK(rc == EOK && (flags & O_ACCMODE) == O_RDWR && !(flags & O_APPEND),
	      "GETFLAGS gave %d, flags %#x", rc, flags);
	flags = O_APPEND | O_NONBLOCK;
	rc = devctl(fd, DCMD_ALL_SETFLAGS, &flags, sizeof(flags), NULL);
	CHECK(rc == EOK, "SETFLAGS gave %d", rc);
	rc = devctl(fd, DCMD_ALL_GETFLAGS, &flags, sizeof(flags), NULL);
	CHECK(rc == EOK && (flags & O_ACCMODE) == O_RDWR &&
		      (flags & (O_APPEND | O_NONBLOCK)) ==
			      (O_APPEND | O_NONBLOCK),
	      "GETFLAGS after SETFLAGS gave %d, flags %#x", rc, flags);
	flags = O_SYNC;
	rc = devctl(fd, DCMD_ALL_SETFLAGS, &flags, sizeof(flags), NULL);
	CHECK(rc == EINVAL, "SETFLAGS O_SYNC without SYNC_IO gave %d", rc);
	flags = -1;
	rc = devctl(fd, DCMD_ALL_GETMOUNTFLAGS, &flags, sizeof(flags), NULL);
	CHECK(rc == EOK && flags == 0, "GETMOUNTFLAGS gave %d, flags %d", rc,
	      flags);
	CHECK(get_device_command(SAMPLE_GETVAL) == ((_DCMD_MISC << 8) | 0x11),
	      "get_device_command %#x", get_device_command(SAMPLE_GETVAL));
	CHECK(get_device_direction(SAMPLE_SETGET) == (int)DEVDIR_TOFROM,
	      "get_device_direction %#x", get_device_direction(SAMPLE_SETGET));
	close(fd);

	/* a closed fd, and a real Linux fd */
	rc = devctl(fd, SAMPLE_GETVAL, &val, sizeof(val), NULL);
	CHECK(rc == EBADF, "devctl on a closed fd gave %d", rc);
	if (pipe(p) == 0) {
		rc = devctl(p[0], DCMD_ALL_GETFLAGS, &flags, sizeof(flags),
			    NULL);
		CHECK(rc == EOK && (flags & O_ACCMODE) == O_RDONLY,
		      "GETFLAGS on a pipe gave %d, flags %#x", rc, flags);
		flags = O_NONBLOCK;
		rc = devctl(p[0], DCMD_ALL_SETFLAGS, &flags, sizeof(flags),
			    NULL);
		CHECK(rc == EOK && (fcntl(p[0], F_GETFL) & O_NONBLOCK),
		      "SETFLAGS on a pipe gave %d", rc);
		rc = devctl(p[0], SAMPLE_GETVAL, &val, sizeof(val), NULL);
		CHECK(rc == ENOTTY, "a driver command on a pipe gave %d", rc);
		close(p[0]);
		close(p[1]);
	}
	if (failures)
		return 1;
	printf("ok\n");
	return 0;
}
