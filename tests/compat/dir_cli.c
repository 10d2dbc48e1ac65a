/*
 * The client side of tests/compat/dir_srv.c, as a QNX program would use a
 * filesystem-like resource manager: opendir/readdir/rewinddir on its
 * directory, unlink, rename, mkdir/rmdir, mknod, link, symlink/readlink, write
 * and read back, openfd, and the _IO_FDINFO/_IO_PATHCONF messages.
 * Usage: dir_cli check MOUNT       run the checks, print "ok"
 *        dir_cli list PATH         print the sorted names readdir gives
 *        dir_cli name NAME         name_attach NAME, print "attached", serve
 *        dir_cli waitread PATH     read PATH once, print "read DATA"
 *        dir_cli write PATH DATA   write DATA to PATH
 *        dir_cli rename OLD NEW    rename, print "ok", "EXDEV" or the error
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/iomsg.h>
#include <sys/dispatch.h>
#include <sys/neutrino.h>

int openfd(int fd, int oflag); /* QNX <fcntl.h> */

static int failures;
static char mnt[256];

#define CHECK(cond, ...)                                    \
	do {                                                \
		if (!(cond)) {                              \
			printf("FAIL line %d: ", __LINE__); \
			printf(__VA_ARGS__);                \
			printf("\n");                       \
			failures++;                         \
		}                                           \
	} while (0)

static const char *p(const char *name)
{
	static char buf[4][512];
	static int k;

	k = (k + 1) % 4;
	snprintf(buf[k], sizeof(buf[k]), "%s/%s", mnt, name);
	return buf[k];
}

/* The directory's names, sorted, space-separated. */
static void listing(const char *dir, char *out, size_t outsz)
{
	char names[64][NAME_MAX + 1], tmp[NAME_MAX + 1];
	struct dirent *e;
	DIR *d;
	int n = 0, i, j;

	out[0] = '\0';
	if (!(d = opendir(dir))) {
		snprintf(out, outsz, "opendir: %s", strerror(errno));
		return;
	}
	errno = 0;
	while ((e = readdir(d)) && n < 64) {
		CHECK(e->d_ino != 0, "%s has d_ino 0", e->d_name);
		snprintf(names[n++], sizeof(names[0]), "%s", e->d_name);
	}
	CHECK(errno == 0, "readdir ended with %s", strerror(errno));
	closedir(d);
	for (i = 0; i < n; i++)
		for (j = i + 1; j < n; j++)
			if (strcmp(names[i], names[j]) > 0) {
				strcpy(tmp, names[i]);
				strcpy(names[i], names[j]);
				strcpy(names[j], tmp);
			}
	for (i = 0; i < n; i++) {
		strncat(out, names[i], outsz - strlen(out) - 1);
		if (i + 1 < n)
			strncat(out, " ", outsz - strlen(out) - 1);
	}
}

static void check_dir_stream(void)
{
	/* QNX's readdir_r: room for the name, as its documentation says */
	struct dirent *ent = malloc(offsetof(struct dirent, d_name) + NAME_MAX +
				    1),
		      *res;
	char out[1024];
	long pos = -1;
	int n, n2, rc;
	DIR *d;

	listing(mnt, out, sizeof(out));
	CHECK(strcmp(out, ". .. alpha beta wait") == 0, "listing: %s", out);

	/* rewinddir, readdir_r, telldir/seekdir */
	d = opendir(mnt);
	CHECK(d != NULL, "opendir: %s", strerror(errno));
	if (!d || !ent) {
		free(ent);
		if (d)
			closedir(d);
		return;
	}
	for (n = 0; readdir(d); n++)
		;
	rewinddir(d);
	for (n2 = 0; (rc = readdir_r(d, ent, &res)) == 0 && res; n2++)
		if (n2 == 1)
			pos = telldir(d);
	CHECK(rc == 0 && n == 5 && n2 == 5, "%d then %d entries (rc %d)", n, n2,
	      rc);
	seekdir(d, pos);
	res = readdir(d);
	CHECK(res && strcmp(res->d_name, "alpha") == 0, "after seekdir: %s",
	      res ? res->d_name : "(end)");
	CHECK(dirfd(d) >= 0, "dirfd %d", dirfd(d));
	CHECK(closedir(d) == 0, "closedir: %s", strerror(errno));
	free(ent);

	d = opendir(p("alpha"));
	CHECK(!d && errno == ENOTDIR, "opendir of a file: %s",
	      d ? "worked" : strerror(errno));
}

static void check_names(void)
{
	struct stat st;
	char buf[256], out[1024];
	ssize_t n;
	int fd;

	/* unlink */
	CHECK(unlink(p("alpha")) == 0, "unlink: %s", strerror(errno));
	CHECK(unlink(p("alpha")) == -1 && errno == ENOENT, "second unlink: %s",
	      strerror(errno));
	/* rename, with the old path absolute in the extra */
	CHECK(rename(p("beta"), p("gamma")) == 0, "rename: %s",
	      strerror(errno));
	CHECK(stat(p("beta"), &st) == -1 && errno == ENOENT,
	      "old name still there");
	CHECK(rename(p("gamma"), "/tmp/ntosim-never-here") == -1 &&
		      errno == EXDEV,
	      "rename to Linux: %s", strerror(errno));
	/* mkdir, mknod */
	CHECK(mkdir(p("sub"), 0755) == 0, "mkdir: %s", strerror(errno));
	CHECK(stat(p("sub"), &st) == 0 && S_ISDIR(st.st_mode) &&
		      (st.st_mode & 0777) == 0755,
	      "mkdir made mode %o", (unsigned)st.st_mode);
	CHECK(mkdir(p("sub"), 0755) == -1 && errno == EEXIST,
	      "second mkdir: %s", strerror(errno));
	CHECK(rename(p("gamma"), p("sub")) == -1 && errno == EISDIR,
	      "rename a file over a directory: %s", strerror(errno));
	CHECK(mknod(p("fifo"), S_IFIFO | 0644, 0) == 0, "mknod: %s",
	      strerror(errno));
	CHECK(stat(p("fifo"), &st) == 0 && S_ISFIFO(st.st_mode),
	      "mknod made mode %o", (unsigned)st.st_mode);
	CHECK(rmdir(p("gamma")) == -1 && errno == ENOTDIR,
	      "rmdir of a file: %s", strerror(errno));
	CHECK(unlink(p("sub")) == -1 && errno == EPERM,
	      "unlink of a directory: %s", strerror(errno));
	CHECK(rmdir(p("sub")) == 0, "rmdir: %s", strerror(errno));
	/* symlink, readlink */
	CHECK(symlink("/somewhere/else", p("ln")) == 0, "symlink: %s",
	      strerror(errno));
	memset(buf, 'x', sizeof(buf));
	n = readlink(p("ln"), buf, sizeof(buf));
	CHECK(n == 15 && memcmp(buf, "/somewhere/else", 15) == 0,
	      "readlink gave %zd", n);
	n = readlink(p("ln"), buf, 4);
	CHECK(n == 4 && memcmp(buf, "/som", 4) == 0, "short readlink %zd", n);
	CHECK(readlink(p("gamma"), buf, sizeof(buf)) == -1 && errno == EINVAL,
	      "readlink of a file: %s", strerror(errno));
	listing(mnt, out, sizeof(out));
	CHECK(strcmp(out, ". .. fifo gamma ln wait") == 0, "listing: %s", out);

	/* a file keeps what is written (more than the server's buffer) */
	fd = open(p("gamma"), O_RDWR);
	CHECK(fd >= 0, "open: %s", strerror(errno));
	if (fd >= 0) {
		static char big[5000], back[5000];
		int i;

		for (i = 0; i < (int)sizeof(big); i++)
			big[i] = (char)(i * 7 + 3);
		CHECK(write(fd, big, sizeof(big)) == (ssize_t)sizeof(big),
		      "write: %s", strerror(errno));
		CHECK(lseek(fd, 0, SEEK_SET) == 0, "lseek");
		CHECK(read(fd, back, sizeof(back)) == (ssize_t)sizeof(back) &&
			      memcmp(big, back, sizeof(big)) == 0,
		      "read back differs");
		close(fd);

		/* a hard link: a second name for the same file */
		CHECK(link(p("gamma"), p("hard")) == 0, "link: %s",
		      strerror(errno));
		CHECK(stat(p("hard"), &st) == 0 && st.st_nlink == 2,
		      "hard link has nlink %d", (int)st.st_nlink);
		CHECK(unlink(p("gamma")) == 0, "unlink of the first name: %s",
		      strerror(errno));
		memset(back, 0, sizeof(back));
		fd = open(p("hard"), O_RDONLY);
		CHECK(fd >= 0 &&
			      read(fd, back, sizeof(back)) ==
				      (ssize_t)sizeof(back) &&
			      memcmp(big, back, sizeof(big)) == 0,
		      "the linked file's data differs");
		if (fd >= 0)
			close(fd);
		CHECK(stat(p("hard"), &st) == 0 && st.st_nlink == 1,
		      "after unlink nlink %d", (int)st.st_nlink);
		CHECK(link(p("hard"), "/tmp/ntosim-never-here") == -1 &&
			      errno == EXDEV,
		      "link to Linux: %s", strerror(errno));
	}
	listing(mnt, out, sizeof(out));
	CHECK(strcmp(out, ". .. fifo hard ln wait") == 0, "listing: %s", out);
}

static void check_fd_messages(void)
{
	struct {
		struct _io_fdinfo_reply r;
		char path[256];
	} rep;
	struct _io_fdinfo fi;
	struct _io_pathconf pc;
	struct stat st;
	int fd, fd2, rc;

	fd = open(mnt, O_RDONLY);
	CHECK(fd >= 0, "open of the directory: %s", strerror(errno));
	if (fd < 0)
		return;
	memset(&fi, 0, sizeof(fi));
	fi.type = _IO_FDINFO;
	fi.combine_len = sizeof(fi);
	fi.path_len = sizeof(rep.path);
	memset(&rep, 0, sizeof(rep));
	rc = MsgSend(fd, &fi, sizeof(fi), &rep, sizeof(rep));
	CHECK(rc == (int)strlen(mnt) && strcmp(rep.path, mnt) == 0 &&
		      S_ISDIR(rep.r.info.mode) && rep.r.info.count >= 1,
	      "fdinfo gave %d, path %s, mode %o", rc, rep.path,
	      (unsigned)rep.r.info.mode);
	memset(&pc, 0, sizeof(pc));
	pc.type = _IO_PATHCONF;
	pc.combine_len = sizeof(pc);
	pc.name = _PC_NAME_MAX;
	rc = MsgSend(fd, &pc, sizeof(pc), NULL, 0);
	CHECK(rc == NAME_MAX, "pathconf NAME_MAX gave %d", rc);
	pc.name = _PC_NO_TRUNC;
	rc = MsgSend(fd, &pc, sizeof(pc), NULL, 0);
	CHECK(rc == 1, "pathconf NO_TRUNC gave %d", rc);
	pc.name = 9999;
	rc = MsgSend(fd, &pc, sizeof(pc), NULL, 0);
	CHECK(rc == -1 && errno == EINVAL, "pathconf 9999: %s",
	      strerror(errno));

	/* the same through fpathconf/pathconf */
	CHECK(fpathconf(fd, _PC_NAME_MAX) == NAME_MAX, "fpathconf: %ld",
	      fpathconf(fd, _PC_NAME_MAX));
	CHECK(pathconf(mnt, _PC_NO_TRUNC) == 1, "pathconf: %ld",
	      pathconf(mnt, _PC_NO_TRUNC));
	errno = 0;
	CHECK(pathconf(mnt, 9999) == -1 && errno == EINVAL, "pathconf 9999: %s",
	      strerror(errno));

	/* openfd: a private open through this one, never with more access */
	fd2 = openfd(fd, O_RDONLY);
	CHECK(fd2 >= 0 && fd2 != fd && fstat(fd2, &st) == 0 &&
		      S_ISDIR(st.st_mode),
	      "openfd: %s", strerror(errno));
	if (fd2 >= 0)
		close(fd2);
	CHECK(openfd(fd, O_RDWR) == -1 && errno == EACCES,
	      "openfd for writing: %s", strerror(errno));
	close(fd);
}

/* waitread: one read of PATH, printed (the server may hold it). */
static int wait_read(const char *path)
{
	char buf[64];
	int fd = open(path, O_RDONLY);
	ssize_t n;

	if (fd == -1) {
		perror(path);
		return 1;
	}
	n = read(fd, buf, sizeof(buf) - 1);
	if (n < 0) {
		perror("read");
		return 1;
	}
	buf[n] = '\0';
	printf("read %s\n", buf);
	return close(fd) == 0 ? 0 : 1;
}

static int write_to(const char *path, const char *data)
{
	int fd = open(path, O_WRONLY);
	ssize_t n;

	if (fd == -1) {
		perror(path);
		return 1;
	}
	n = write(fd, data, strlen(data));
	if (n != (ssize_t)strlen(data)) {
		perror("write");
		return 1;
	}
	return close(fd) == 0 ? 0 : 1;
}

static int serve_name(const char *name)
{
	name_attach_t *att = name_attach(NULL, name, 0);
	char msg[64];
	int rcvid;

	if (!att) {
		perror("name_attach");
		return 1;
	}
	printf("attached\n");
	fflush(stdout);
	for (;;) {
		rcvid = MsgReceive(att->chid, msg, sizeof(msg), NULL);
		if (rcvid > 0)
			MsgError(rcvid, ENOSYS);
	}
}

int main(int argc, char **argv)
{
	char out[4096];

	if (argc == 3 && strcmp(argv[1], "name") == 0)
		return serve_name(argv[2]);
	if (argc == 3 && strcmp(argv[1], "waitread") == 0)
		return wait_read(argv[2]);
	if (argc == 4 && strcmp(argv[1], "write") == 0)
		return write_to(argv[2], argv[3]);
	if (argc == 4 && strcmp(argv[1], "rename") == 0) {
		printf("%s\n", rename(argv[2], argv[3]) == 0 ? "ok"
			       : errno == EXDEV		     ? "EXDEV"
							     : strerror(errno));
		return 0;
	}
	if (argc == 3 && strcmp(argv[1], "list") == 0) {
		listing(argv[2], out, sizeof(out));
		printf("%s\n", out);
		return failures ? 1 : 0;
	}
	if (argc != 3 || strcmp(argv[1], "check") != 0) {
		fprintf(stderr, "usage: dir_cli check|list|name ARG\n");
		return 2;
	}
	snprintf(mnt, sizeof(mnt), "%s", argv[2]);
	umask(022);
	check_dir_stream();
	check_names();
	check_fd_messages();
	if (failures)
		return 1;
	printf("ok\n");
	return 0;
}
