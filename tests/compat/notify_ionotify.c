/*
 * notify_ionotify: ionotify() used the way QNX's documentation teaches
 * (a pulse on the client's own channel, then read): against notify_dev,
 * checks each action's answer, that the pulse arrives with the value we
 * gave once a writer writes, that re-arming from the same fd replaces the
 * entry, and that a NULL event disarms (the server's count goes to 0).
 * Usage: notify_ionotify PATH
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sys/iomsg.h>
#include <sys/neutrino.h>

#define MY_CODE	 (_PULSE_CODE_MINAVAIL + 3)
#define MY_VALUE 0x1234

static const char *path;

static void fail(const char *what)
{
	fprintf(stderr, "notify_ionotify: %s (errno %d: %s)\n", what, errno,
		strerror(errno));
	exit(1);
}

static void expect_stats(const char *want)
{
	char spath[256], buf[64];
	ssize_t n;
	int fd;

	snprintf(spath, sizeof(spath), "%s-stats", path);
	fd = open(spath, O_RDONLY);
	if (fd < 0)
		fail("open stats");
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	buf[n > 0 ? n : 0] = '\0';
	if (strcmp(buf, want) != 0) {
		fprintf(stderr, "notify_ionotify: stats \"%s\", want \"%s\"\n",
			buf, want);
		exit(1);
	}
}

int main(int argc, char **argv)
{
	struct sigevent event;
	struct _pulse pulse;
	char buf[16];
	int chid, coid, fd, wfd, r;

	if (argc != 2) {
		fprintf(stderr, "usage: notify_ionotify PATH\n");
		return 2;
	}
	path = argv[1];
	chid = ChannelCreate(0);
	coid = ConnectAttach(0, 0, chid, _NTO_SIDE_CHANNEL, 0);
	if (chid == -1 || coid == -1)
		fail("channel");
	fd = open(path, O_RDONLY);
	wfd = open(path, O_WRONLY);
	if (fd == -1 || wfd == -1)
		fail("open");
	SIGEV_PULSE_INIT(&event, coid, SIGEV_PULSE_PRIO_INHERIT, MY_CODE,
			 MY_VALUE);

	/* POLL: the device is writable, not readable; nothing is armed */
	r = ionotify(fd, _NOTIFY_ACTION_POLL,
		     _NOTIFY_COND_INPUT | _NOTIFY_COND_OUTPUT, &event);
	if (r != _NOTIFY_COND_OUTPUT)
		fail("POLL did not report OUTPUT only");
	expect_stats("armed=0\n");
	/* CONDARM with nothing met: armed, EAGAIN */
	if (ionotify(fd, _NOTIFY_ACTION_CONDARM, _NOTIFY_COND_INPUT, &event) !=
		    -1 ||
	    errno != EAGAIN)
		fail("CONDARM did not answer EAGAIN");
	expect_stats("armed=1\n");
	/* POLLARM again from the same fd: replaces, still one entry */
	if (ionotify(fd, _NOTIFY_ACTION_POLLARM, _NOTIFY_COND_INPUT, &event) !=
	    0)
		fail("POLLARM reported a condition");
	expect_stats("armed=1\n");
	/* NULL disarms */
	if (ionotify(fd, _NOTIFY_ACTION_POLLARM, _NOTIFY_COND_INPUT, NULL) != 0)
		fail("disarm");
	expect_stats("armed=0\n");

	/* TRANARM, then a write: the pulse comes with our code and value */
	if (ionotify(fd, _NOTIFY_ACTION_TRANARM, _NOTIFY_COND_INPUT, &event) !=
	    0)
		fail("TRANARM");
	if (write(wfd, "x", 1) != 1)
		fail("write");
	if (MsgReceive(chid, &pulse, sizeof(pulse), NULL) != 0)
		fail("MsgReceive (want a pulse)");
	if (pulse.code != MY_CODE || pulse.value.sival_int != MY_VALUE)
		fail("wrong pulse");
	expect_stats("armed=0\n"); /* fired: disarmed */
	/* POLLARM with data there: reports INPUT, arms nothing */
	r = ionotify(fd, _NOTIFY_ACTION_POLLARM, _NOTIFY_COND_INPUT, &event);
	if (r != _NOTIFY_COND_INPUT)
		fail("POLLARM did not report INPUT");
	expect_stats("armed=0\n");
	if (read(fd, buf, sizeof(buf)) != 1 || buf[0] != 'x')
		fail("read");

	/* bad arguments */
	if (ionotify(fd, 7, _NOTIFY_COND_INPUT, &event) != -1 ||
	    errno != EINVAL)
		fail("a bad action was accepted");
	if (ionotify(-1, _NOTIFY_ACTION_POLL, _NOTIFY_COND_INPUT, NULL) != -1 ||
	    errno != EBADF)
		fail("fd -1 was accepted");
	close(fd);
	close(wfd);
	printf("ionotify ok\n");
	return 0;
}
