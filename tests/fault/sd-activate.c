/*
 * Plays systemd's socket activation for tests/fault/ipcd-socket-activation.sh:
 * holds a listening socket, starts the command with it as fd 3 and
 * LISTEN_PID/LISTEN_FDS set (sd_listen_fds(3)), and starts it again each
 * time it exits, as a unit with Restart= would, up to a number of runs.
 *
 * usage: sd-activate [-t seqpacket|stream] [-n FDS] [-P] [-l] [-r RUNS]
 *                    PATH -- CMD [ARG]...
 *   -t   the socket's type (default seqpacket, what ipcd.socket makes)
 *   -n   LISTEN_FDS to announce (default 1)
 *   -P   announce the parent's pid in LISTEN_PID (a leaked variable)
 *   -l   lazy: start the command only once a client connects
 *   -r   start the command at most RUNS times (default 1)
 * Prints "started PID" for each start and "exited PID STATUS" for each
 * exit, one line each, flushed; exits 0 after the last run.
 */
#include "config.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

static int make_socket(const char *path, int type)
{
	struct sockaddr_un sa = {0};
	int fd;

	if (strlen(path) >= sizeof(sa.sun_path)) {
		fprintf(stderr, "sd-activate: %s: path too long\n", path);
		exit(2);
	}
	sa.sun_family = AF_UNIX;
	strcpy(sa.sun_path, path);
	fd = socket(AF_UNIX, type, 0); /* systemd passes a blocking socket */
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    listen(fd, 128) < 0) {
		fprintf(stderr, "sd-activate: %s: %s\n", path, strerror(errno));
		exit(2);
	}
	return fd;
}

int main(int argc, char **argv)
{
	int type = SOCK_SEQPACKET, nfds = 1, parent_pid = 0, lazy = 0;
	int runs = 1, c, fd, i;

	while ((c = getopt(argc, argv, "+t:n:Plr:")) != -1) {
		switch (c) {
		case 't':
			type = strcmp(optarg, "stream") == 0 ? SOCK_STREAM
							     : SOCK_SEQPACKET;
			break;
		case 'n':
			nfds = atoi(optarg);
			break;
		case 'P':
			parent_pid = 1;
			break;
		case 'l':
			lazy = 1;
			break;
		case 'r':
			runs = atoi(optarg);
			break;
		default:
			return 2;
		}
	}
	if (argc - optind >= 3 && strcmp(argv[optind + 1], "--") == 0) {
		argv[optind + 1] = argv[optind];
		optind++;
	}
	if (argc - optind < 2) {
		fprintf(stderr, "usage: sd-activate [-t TYPE] [-n FDS] [-P] "
				"[-l] [-r RUNS] PATH -- CMD [ARG]...\n");
		return 2;
	}
	fd = make_socket(argv[optind], type);
	if (lazy) {
		struct pollfd p = {.fd = fd, .events = POLLIN};

		/* bounded: a test that never connects ends here */
		if (poll(&p, 1, 60000) != 1) {
			fprintf(stderr, "sd-activate: nobody connected\n");
			return 1;
		}
	}
	for (i = 0; i < runs; i++) {
		pid_t pid = fork();
		int st;

		if (pid < 0) {
			perror("sd-activate: fork");
			return 1;
		}
		if (pid == 0) {
			char buf[32];

			if (fd != 3 && dup2(fd, 3) < 0)
				_exit(127);
			if (fd != 3)
				close(fd);
			snprintf(buf, sizeof(buf), "%d",
				 parent_pid ? (int)getppid() : (int)getpid());
			setenv("LISTEN_PID", buf, 1);
			snprintf(buf, sizeof(buf), "%d", nfds);
			setenv("LISTEN_FDS", buf, 1);
			setenv("LISTEN_FDNAMES", "ipcd.socket", 1);
			execvp(argv[optind + 1], argv + optind + 1);
			perror("sd-activate: exec");
			_exit(127);
		}
		printf("started %d\n", (int)pid);
		fflush(stdout);
		while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
			;
		printf("exited %d %d\n", (int)pid,
		       WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st));
		fflush(stdout);
	}
	return 0;
}
