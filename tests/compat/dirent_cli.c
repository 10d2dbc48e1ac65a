/*
 * A QNX directory client: opendir/readdir and friends with QNX's
 * struct dirent (d_namelen, d_offset, d_reclen), dircntl(D_FLAG_STAT) and
 * the _DEXTRA_* walk, readdir_r/_readdir_r, scandir/alphasort, on a
 * resource manager's directory or a Linux one alike. Prints what it reads
 * for tests/compat/dirent.sh to compare; checks the record invariants
 * itself (d_namelen == strlen(d_name), 8-aligned records, d_ino != 0).
 * Usage: dirent_cli list|names|stat|api DIR
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

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

static const char *errname(int e)
{
	switch (e) {
	case EBADMSG:
		return "EBADMSG";
	case ENOENT:
		return "ENOENT";
	case ENOTDIR:
		return "ENOTDIR";
	default:
		return strerror(e);
	}
}

static void check_record(const struct dirent *dp)
{
	CHECK(dp->d_namelen == (int)strlen(dp->d_name),
	      "%s: d_namelen %d, strlen %zu", dp->d_name, dp->d_namelen,
	      strlen(dp->d_name));
	CHECK(dp->d_reclen >=
		      (int)(offsetof(struct dirent, d_name) + dp->d_namelen),
	      "%s: d_reclen %d", dp->d_name, dp->d_reclen);
	CHECK(((uintptr_t)dp & 7) == 0, "%s: record at %p", dp->d_name,
	      (const void *)dp);
	CHECK(dp->d_ino != 0, "%s: d_ino 0", dp->d_name);
}

/* list: "name d_namelen d_offset" per entry; names: the name only */
static int list(const char *path, int with_fields)
{
	struct dirent *dp;
	DIR *dir = opendir(path);

	if (dir == NULL) {
		printf("opendir: %s\n", errname(errno));
		return 1;
	}
	errno = EOK;
	while ((dp = readdir(dir)) != NULL) {
		check_record(dp);
		if (with_fields)
			printf("%s %d %lld\n", dp->d_name, dp->d_namelen,
			       (long long)dp->d_offset);
		else
			printf("%s\n", dp->d_name);
	}
	if (errno != EOK) {
		printf("error %s\n", errname(errno));
		closedir(dir);
		return 1;
	}
	closedir(dir);
	return failures ? 1 : 0;
}

/* stat: "name STAT|LSTAT|none mode" per entry, with D_FLAG_STAT set */
static int stat_list(const char *path)
{
	struct dirent *dp;
	struct dirent_extra *extra;
	struct dirent_extra_stat *xs;
	DIR *dir = opendir(path);
	int found;

	if (dir == NULL) {
		printf("opendir: %s\n", errname(errno));
		return 1;
	}
	CHECK(dircntl(dir, D_GETFLAG) == 0, "default flags %x",
	      dircntl(dir, D_GETFLAG));
	CHECK(dircntl(dir, D_SETFLAG, D_FLAG_STAT) == 0, "D_SETFLAG: %s",
	      strerror(errno));
	CHECK(dircntl(dir, D_GETFLAG) == D_FLAG_STAT, "flags now %x",
	      dircntl(dir, D_GETFLAG));
	while ((dp = readdir(dir)) != NULL) {
		check_record(dp);
		found = 0;
		for (extra = _DEXTRA_FIRST(dp); _DEXTRA_VALID(extra, dp);
		     extra = _DEXTRA_NEXT(extra)) {
			if (extra->d_type != _DTYPE_STAT &&
			    extra->d_type != _DTYPE_LSTAT)
				continue;
			xs = (struct dirent_extra_stat *)extra;
			CHECK(extra->d_datalen == sizeof(struct stat),
			      "%s: d_datalen %u", dp->d_name,
			      (unsigned)extra->d_datalen);
			printf("%s %s %o\n", dp->d_name,
			       extra->d_type == _DTYPE_STAT ? "STAT" : "LSTAT",
			       (unsigned)xs->d_stat.st_mode);
			found = 1;
			break;
		}
		if (!found)
			printf("%s none\n", dp->d_name);
	}
	closedir(dir);
	return failures ? 1 : 0;
}

static int starts_with_f(const struct dirent *dp)
{
	return dp->d_name[0] == 'f';
}

/* api: the rest of the family against what plain readdir returns */
static int api(const char *path)
{
	static char first[512][NAME_MAX + 1];
	struct dirent *entry, *result, *dp, **list;
	struct dirent_extra *extra;
	size_t bufsize = offsetof(struct dirent, d_name) + NAME_MAX + 1;
	DIR *dir;
	long pos = -1;
	int n = 0, n2 = 0, rc, i, sel;

	CHECK(offsetof(struct dirent, d_offset) == 8 &&
		      offsetof(struct dirent, d_reclen) == 16 &&
		      offsetof(struct dirent, d_namelen) == 18 &&
		      offsetof(struct dirent, d_name) == 20 &&
		      sizeof(((struct dirent *)0)->d_ino) == 8,
	      "struct dirent is not QNX's layout");
	if ((dir = opendir(path)) == NULL) {
		printf("opendir: %s\n", errname(errno));
		return 1;
	}
	CHECK(dirfd(dir) >= 0, "dirfd: %s", strerror(errno));
	while ((dp = readdir(dir)) != NULL && n < 512)
		strcpy(first[n++], dp->d_name);

	/* readdir_r, as QNX's documentation allocates its entry */
	entry = malloc(bufsize + 512);
	if (!entry)
		return 1;
	rewinddir(dir);
	while ((rc = readdir_r(dir, entry, &result)) == EOK && result) {
		check_record(result);
		CHECK(result == entry, "result is not entry");
		CHECK(n2 < n && strcmp(first[n2], entry->d_name) == 0,
		      "readdir_r entry %d: %s", n2, entry->d_name);
		if (n2 == 1)
			pos = telldir(dir);
		n2++;
	}
	CHECK(rc == EOK && n2 == n, "readdir_r: rc %d, %d of %d entries", rc,
	      n2, n);
	/* seekdir back to what telldir said: the third entry comes next */
	seekdir(dir, pos);
	dp = readdir(dir);
	CHECK(n > 2 && dp && strcmp(dp->d_name, first[2]) == 0,
	      "after seekdir: %s", dp ? dp->d_name : "(end)");
	CHECK(dircntl(dir, 99) == -1 && errno == ENOSYS, "dircntl 99: %s",
	      strerror(errno));
	CHECK(dircntl(NULL, D_GETFLAG) == -1 && errno == EBADF,
	      "dircntl NULL: %s", strerror(errno));

	/* _readdir_r: too small for the name, then room for the extras */
	rewinddir(dir);
	rc = _readdir_r(dir, entry, &result, offsetof(struct dirent, d_name));
	CHECK(rc == ERANGE && result == NULL, "_readdir_r small: %d", rc);
	rewinddir(dir);
	dircntl(dir, D_SETFLAG, D_FLAG_STAT);
	rc = _readdir_r(dir, entry, &result, (unsigned)bufsize + 512);
	CHECK(rc == EOK && result == entry, "_readdir_r: %d", rc);
	if (rc == EOK && result) {
		extra = _DEXTRA_FIRST(entry);
		CHECK(_DEXTRA_VALID(extra, entry) &&
			      (extra->d_type == _DTYPE_STAT ||
			       extra->d_type == _DTYPE_LSTAT),
		      "_readdir_r of %s: no stat extra", entry->d_name);
		if (_DEXTRA_VALID(extra, entry) && entry->d_name[0] == '.' &&
		    (entry->d_name[1] == '\0' ||
		     strcmp(entry->d_name, "..") == 0))
			CHECK(S_ISDIR(((struct dirent_extra_stat *)extra)
					      ->d_stat.st_mode),
			      "%s is not a directory", entry->d_name);
	}
	/* 64 bytes: names up to 43 bytes, never a stat extra (ERANGE for a
	 * longer name) */
	i = 0;
	while ((rc = _readdir_r(dir, entry, &result,
				(unsigned)offsetof(struct dirent, d_name) +
					64)) != EOK ||
	       result) {
		if (rc == ERANGE)
			continue;
		CHECK(rc == EOK && result == entry &&
			      !_DEXTRA_VALID(_DEXTRA_FIRST(entry), entry),
		      "_readdir_r without room for extras: %d", rc);
		if (rc != EOK)
			break;
		i++;
	}
	CHECK(i > 0, "_readdir_r at 64 bytes returned nothing");
	closedir(dir);
	free(entry);

	/* scandir + alphasort: every entry, in strcoll order */
	rc = scandir(path, &list, NULL, alphasort);
	CHECK(rc == n, "scandir: %d of %d (%s)", rc, n, strerror(errno));
	for (i = 0; i < rc; i++) {
		CHECK(list[i]->d_namelen == (int)strlen(list[i]->d_name),
		      "scandir entry %s", list[i]->d_name);
		if (i > 0)
			CHECK(alphasort((const struct dirent **)&list[i - 1],
					(const struct dirent **)&list[i]) < 0,
			      "%s before %s", list[i - 1]->d_name,
			      list[i]->d_name);
		free(list[i]);
	}
	if (rc >= 0)
		free(list);
	sel = scandir(path, &list, starts_with_f, NULL);
	for (i = 0; i < sel; i++)
		free(list[i]);
	if (sel >= 0)
		free(list);
	CHECK(scandir("/nonexistent-ntosim", &list, NULL, NULL) == -1 &&
		      errno == ENOENT,
	      "scandir of nothing: %s", strerror(errno));
	if (failures)
		return 1;
	printf("entries %d selected %d\n", n, sel);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: dirent_cli list|names|stat|api DIR\n");
		return 2;
	}
	if (strcmp(argv[1], "list") == 0)
		return list(argv[2], 1);
	if (strcmp(argv[1], "names") == 0)
		return list(argv[2], 0);
	if (strcmp(argv[1], "stat") == 0)
		return stat_list(argv[2]);
	if (strcmp(argv[1], "api") == 0)
		return api(argv[2]);
	fprintf(stderr, "usage: dirent_cli list|names|stat|api DIR\n");
	return 2;
}
