/*
 * ipcd's entry point: options, the socket path, daemonizing (the parent
 * exits only once the daemon listens), the pid file, signals and the event
 * loop. The objects and the protocol live in the other ipcd files.
 */
#include "config.h"

#include <errno.h>
#include <event2/event.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ipcd/internal.h"
#include "proto/sockpath.h"

struct ipcd ipcd;

static char pid_path[sizeof(ipcd.sock_path) + 8];

static void usage(FILE *f)
{
	fprintf(f,
		"usage: ipcd [-f] [-v]... [-s PATH] [-c FILE] [-q LIMIT=N]...\n"
		"  -f, --foreground  do not daemonize\n"
		"  -s, --socket PATH control socket (default: $" NTO_SOCKET_ENV
		", $XDG_RUNTIME_DIR/ntosim/ipcd.sock,\n"
		"                    for root /run/ntosim/ipcd.sock, else\n"
		"                    /tmp/ntosim-$UID/ipcd.sock)\n"
		"  -c, --config FILE limits, one LIMIT=N a line (see ipcd(8))\n"
		"  -q, --quota LIMIT=N  set one limit (proc.channels,\n"
		"                    uid.fds, chan.connections, "
		"outq.bytes...)\n"
		"  -v, --verbose     log more (repeat for debug)\n"
		"  -h, --help        this text\n"
		"Started with a socket (LISTEN_PID/LISTEN_FDS, systemd's "
		"ipcd.socket),\nipcd serves on that socket: see ipcd(8), "
		"SOCKET ACTIVATION.\n");
}

static void signal_cb(evutil_socket_t sig, short what, void *arg)
{
	log_info("signal %d: shutting down", (int)sig);
	event_base_loopbreak(ipcd.base);
}

/* The socket path made absolute, since the daemon changes to "/". */
static int absolute_path(char *path, size_t len)
{
	char cwd[4096], tmp[sizeof(ipcd.sock_path)];
	int n;

	if (path[0] == '/')
		return 0;
	if (!getcwd(cwd, sizeof(cwd)))
		return -errno;
	n = snprintf(tmp, sizeof(tmp), "%s/%s", cwd, path);
	if (n < 0 || (size_t)n >= sizeof(tmp) || (size_t)n >= len)
		return -ENAMETOOLONG;
	memcpy(path, tmp, (size_t)n + 1);
	return 0;
}

static int write_pidfile(void)
{
	char buf[32];
	int fd, n, rc = 0;

	fd = open(pid_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return -errno;
	n = snprintf(buf, sizeof(buf), "%d\n", (int)getpid());
	if (write(fd, buf, (size_t)n) != n)
		rc = -EIO;
	if (close(fd) < 0 && rc == 0)
		rc = -errno;
	return rc;
}

/* Fork; the parent waits for the child's startup status and exits with
 * it. Returns in the child with the status pipe's write end. */
static int daemon_start(void)
{
	int pfd[2], status = 1;
	ssize_t n;
	pid_t pid;

	if (pipe2(pfd, O_CLOEXEC) < 0) {
		perror("ipcd: pipe");
		exit(1);
	}
	pid = fork();
	if (pid < 0) {
		perror("ipcd: fork");
		exit(1);
	}
	if (pid == 0) {
		close(pfd[0]);
		setsid();
		return pfd[1];
	}
	close(pfd[1]);
	do
		n = read(pfd[0], &status, sizeof(status));
	while (n < 0 && errno == EINTR);
	if (n != (ssize_t)sizeof(status)) {
		fprintf(stderr, "ipcd: the daemon exited during startup\n");
		_exit(1);
	}
	_exit(status == 0 ? 0 : 1);
}

static void daemon_report(int fd, int status)
{
	if (fd < 0)
		return;
	/* if the parent is gone there is nobody to tell */
	if (write(fd, &status, sizeof(status)) < 0)
		log_dbg("startup status: %s", strerror(errno));
	close(fd);
}

/* Keep a stdio fd the caller gave if it is a file or a tty (or /dev/null);
 * anything else (a pipe, a socket) would keep the caller waiting on it. */
static void daemon_stdio(void)
{
	int null = open("/dev/null", O_RDWR | O_CLOEXEC);
	int fd;

	if (null < 0)
		return;
	dup2(null, 0);
	for (fd = 1; fd <= 2; fd++) {
		struct stat st;

		if (fstat(fd, &st) < 0 ||
		    !(S_ISREG(st.st_mode) || S_ISCHR(st.st_mode)))
			dup2(null, fd);
	}
	close(null);
}

static void raise_nofile(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
		return;
	rl.rlim_cur = rl.rlim_max;
	if (rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur > (1u << 20))
		rl.rlim_cur = 1u << 20;
	setrlimit(RLIMIT_NOFILE, &rl);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{"foreground", no_argument, NULL, 'f'},
		{"socket", required_argument, NULL, 's'},
		{"verbose", no_argument, NULL, 'v'},
		{"config", required_argument, NULL, 'c'},
		{"quota", required_argument, NULL, 'q'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	struct event *sigterm_ev = NULL, *sigint_ev = NULL;
	const char *opt_socket = NULL;
	char why[512], sd_path[sizeof(ipcd.sock_path)];
	int foreground = 0, notify = -1, c, rc, i, sd_fd;

	raise_nofile();
	quota_defaults(); /* quota.c: scaled to the raised fd limit */
	while ((c = getopt_long(argc, argv, "fs:vhc:q:", opts, NULL)) != -1) {
		switch (c) {
		case 'c':
			rc = quota_load(optarg);
			if (rc < 0) {
				fprintf(stderr, "ipcd: %s: %s\n", optarg,
					strerror(-rc));
				return 2;
			}
			break;
		case 'q':
			if (quota_set(optarg) < 0) {
				fprintf(stderr, "ipcd: -q %s: not a limit\n",
					optarg);
				return 2;
			}
			break;
		case 'f':
			foreground = 1;
			break;
		case 's':
			opt_socket = optarg;
			break;
		case 'v':
			log_level++;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return 2;
	}
	/* socket activation (sdlisten.c): the passed socket's path wins */
	sd_fd = sdlisten_take(sd_path, sizeof(sd_path), why, sizeof(why));
	if (sd_fd < 0) {
		fprintf(stderr, "ipcd: socket activation: %s\n", why);
		return 1;
	}
	if (sd_fd > 0 && opt_socket && strcmp(opt_socket, sd_path) != 0) {
		fprintf(stderr,
			"ipcd: -s %s, but the socket passed by LISTEN_FDS is "
			"%s\n",
			opt_socket, sd_path);
		return 1;
	}
	if (sd_fd > 0)
		opt_socket = sd_path;
	rc = nto__socket_path(opt_socket, 1, ipcd.sock_path,
			      sizeof(ipcd.sock_path));
	if (rc == 0)
		rc = absolute_path(ipcd.sock_path, sizeof(ipcd.sock_path));
	/* never listen where another user could pose as us (sockpath.h) */
	if (rc == 0)
		rc = nto__socket_trust_dir(ipcd.sock_path, 1, why, sizeof(why));
	if (rc == -EPERM) {
		fprintf(stderr, "ipcd: refusing to listen on %s: %s\n",
			ipcd.sock_path, why);
		return 1;
	}
	if (rc < 0) {
		fprintf(stderr, "ipcd: socket path %s: %s\n", ipcd.sock_path,
			strerror(-rc));
		return 1;
	}
	snprintf(pid_path, sizeof(pid_path), "%s.pid", ipcd.sock_path);
	signal(SIGPIPE, SIG_IGN);
	if (!foreground)
		notify = daemon_start();

	ipcd.listen_fd = -1;
	ipcd.next_link_id = 1;
	TAILQ_INIT(&ipcd.peers);
	TAILQ_INIT(&ipcd.procs);
	TAILQ_INIT(&ipcd.paths);
	TAILQ_INIT(&ipcd.waiters);
	for (i = 0; i < PROC_HASH; i++)
		LIST_INIT(&ipcd.phash[i]);
	ipcd.base = event_base_new();
	if (!ipcd.base) {
		log_err("cannot create the event loop");
		daemon_report(notify, 1);
		return 1;
	}
	if (sd_fd > 0)
		rc = peer_listen_fd(sd_fd, ipcd.sock_path, 1);
	else
		rc = peer_listen(ipcd.sock_path);
	if (rc < 0) {
		log_err("cannot listen on %s: %s", ipcd.sock_path,
			strerror(-rc));
		goto fail;
	}
	rc = write_pidfile();
	if (rc < 0) {
		log_err("cannot write %s: %s", pid_path, strerror(-rc));
		goto fail;
	}
	sigterm_ev = evsignal_new(ipcd.base, SIGTERM, signal_cb, NULL);
	sigint_ev = evsignal_new(ipcd.base, SIGINT, signal_cb, NULL);
	if (!sigterm_ev || !sigint_ev || evsignal_add(sigterm_ev, NULL) < 0 ||
	    evsignal_add(sigint_ev, NULL) < 0) {
		log_err("cannot install signal handlers");
		goto fail;
	}
	log_info("listening on %s", ipcd.sock_path);
	if (!foreground) {
		if (chdir("/") < 0)
			log_err("chdir /: %s", strerror(errno));
		daemon_stdio();
		daemon_report(notify, 0);
	}
	event_base_dispatch(ipcd.base);

	peer_shutdown();
	pathspace_shutdown();
	quota_shutdown();
	unlink(pid_path);
	event_free(sigterm_ev);
	event_free(sigint_ev);
	event_base_free(ipcd.base);
	libevent_global_shutdown();
	log_info("exited cleanly");
	return 0;
fail:
	if (sigterm_ev)
		event_free(sigterm_ev);
	if (sigint_ev)
		event_free(sigint_ev);
	if (ipcd.listen_fd >= 0)
		unlink(pid_path);
	peer_shutdown();
	event_base_free(ipcd.base);
	daemon_report(notify, 1);
	return 1;
}
