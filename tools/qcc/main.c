/*
 * ntosim-qcc (and ntosim-q++ / ntosim-QCC, the same program under C++
 * names): QNX's qcc compiler driver for ntosim. Finds ntosim's headers and
 * libraries (the build tree it was built in, or where it is installed),
 * translates the command line (qcc.c) and runs the host compiler.
 */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "qcc.h"

static char incdir[PATH_MAX], hadir[PATH_MAX], libdir[PATH_MAX],
	halibdir[PATH_MAX], rpath[2 * PATH_MAX + 2];

static void usage(void)
{
	puts("usage: ntosim-qcc [-V[version,]target] [-lang-c++] [options] "
	     "files...\n"
	     "QNX's qcc for ntosim: runs the host compiler with ntosim's "
	     "headers and libnto.\n"
	     "  -V                list the targets (all build for this host)\n"
	     "  -Wc,a,b -Wp,a -Wa,a -Wl,a  options for compiler, "
	     "preprocessor, assembler, linker\n"
	     "  -M                write a link map (output.map)\n"
	     "  -N size           stack size (-z stack-size)\n"
	     "  -A lib.a / -a lib.a  create / add to an archive\n"
	     "  -#                print the host command, do not run it\n"
	     "  -v                print the host command, run it verbosely\n"
	     "Environment: NTOSIM_QCC_CC, NTOSIM_QCC_CXX, NTOSIM_QCC_AR pick "
	     "the host tools.\nSee docs/qcc.md.");
}

/* snprintf into a path buffer; a path too long for it is fatal. */
static void path(char *buf, size_t size, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void path(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= size) {
		fprintf(stderr, "ntosim-qcc: path too long: %s\n", buf);
		exit(1);
	}
}

/* Same directory (by inode), so symlinked build trees still match. */
static int same_dir(const char *a, const char *b)
{
	struct stat sa, sb;

	return stat(a, &sa) == 0 && stat(b, &sb) == 0 &&
	       sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

static int exists(const char *dir, const char *file)
{
	char p[PATH_MAX];

	path(p, sizeof(p), "%s/%s", dir, file);
	return access(p, R_OK) == 0;
}

/* The directory this executable is in ("" if /proc is missing). */
static void exe_dir(char *buf, size_t size)
{
	ssize_t n = readlink("/proc/self/exe", buf, size - 1);
	char *slash;

	buf[n > 0 ? n : 0] = '\0';
	slash = strrchr(buf, '/');
	if (slash != NULL)
		*slash = '\0';
}

static const char *env_or(const char *name, const char *dflt)
{
	const char *v = getenv(name);

	return v != NULL && *v != '\0' ? v : dflt;
}

/* The loader finds libraries there without help (Debian's layout). */
static int loader_default(const char *dir)
{
	return strncmp(dir, "/usr/lib", 8) == 0 || strncmp(dir, "/lib", 4) == 0;
}

static void find_ntosim(struct qcc_env *env)
{
	char dir[PATH_MAX];

	exe_dir(dir, sizeof(dir));
	if (same_dir(dir, NTOSIM_QCC_BUILDDIR)) {
		/* a build tree: headers in the sources, libraries in .libs */
		path(incdir, sizeof(incdir), "%s/kernel-sim/include",
		     NTOSIM_QCC_SRCDIR);
		path(hadir, sizeof(hadir), "%s/libha/include",
		     NTOSIM_QCC_SRCDIR);
		path(libdir, sizeof(libdir), "%s/kernel-sim/.libs",
		     NTOSIM_QCC_BUILDDIR);
		path(halibdir, sizeof(halibdir), "%s/libha/.libs",
		     NTOSIM_QCC_BUILDDIR);
		path(rpath, sizeof(rpath), "%s:%s", libdir, halibdir);
		env->incdirs[0] = incdir;
		env->incdirs[1] = hadir;
		env->libdirs[0] = libdir;
		env->libdirs[1] = halibdir;
		env->rpath = rpath;
		env->extra_flags = NTOSIM_QCC_SAN_CFLAGS;
		return;
	}
	if (!same_dir(dir, NTOSIM_QCC_BINDIR) &&
	    exists(dir, "../include/ntosim/sys/neutrino.h")) {
		/* an installed tree that was moved: PREFIX/bin, include, lib */
		path(incdir, sizeof(incdir), "%s/../include/ntosim", dir);
		path(libdir, sizeof(libdir), "%s/../lib", dir);
	} else {
		path(incdir, sizeof(incdir), "%s", NTOSIM_QCC_INCLUDEDIR);
		path(libdir, sizeof(libdir), "%s", NTOSIM_QCC_LIBDIR);
	}
	env->incdirs[0] = incdir; /* libha's ha/ headers are there too */
	env->libdirs[0] = libdir;
	env->rpath = loader_default(libdir) ? NULL : libdir;
}

/* Print argv as a shell would need it. */
static void print_cmd(FILE *f, char **argv)
{
	for (int i = 0; argv[i] != NULL; i++) {
		const char *a = argv[i];

		fputs(i ? " " : "", f);
		if (*a != '\0' &&
		    strspn(a, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuv"
			      "wxyz"
			      "0123456789_./=,:+@%-") == strlen(a)) {
			fputs(a, f);
			continue;
		}
		fputc('\'', f);
		for (; *a != '\0'; a++) {
			if (*a == '\'')
				fputs("'\\''", f);
			else
				fputc(*a, f);
		}
		fputc('\'', f);
	}
	fputc('\n', f);
}

static int ends_with(const char *s, const char *tail)
{
	size_t n = strlen(s), t = strlen(tail);

	return n >= t && strcmp(s + n - t, tail) == 0;
}

int main(int argc, char **argv)
{
	struct qcc_env env = {0};
	struct qcc_result res;
	FILE *show;
	const char *base = strrchr(argv[0], '/');

	base = base != NULL ? base + 1 : argv[0];
	env.cxx_default = ends_with(base, "q++") || ends_with(base, "QCC");
	env.cc = env_or("NTOSIM_QCC_CC", NTOSIM_QCC_HOST_CC);
	env.cxx = env_or("NTOSIM_QCC_CXX", NTOSIM_QCC_HOST_CXX);
	env.ar = env_or("NTOSIM_QCC_AR", NTOSIM_QCC_HOST_AR);
	find_ntosim(&env);

	if (qcc_translate(&env, argc - 1, argv + 1, &res) != 0) {
		fprintf(stderr, "ntosim-qcc: %s\n", res.err);
		qcc_result_free(&res);
		return 1;
	}
	switch (res.action) {
	case QCC_HELP:
		usage();
		qcc_result_free(&res);
		return 0;
	case QCC_LIST:
		qcc_list_targets();
		qcc_result_free(&res);
		return 0;
	case QCC_NOTHING:
		fprintf(stderr,
			"ntosim-qcc: -set-default: nothing to set, every "
			"target builds for this host\n");
		qcc_result_free(&res);
		return 0;
	default:
		break;
	}
	show = res.dry_run ? stdout : res.verbose ? stderr : NULL;
	if (show != NULL && res.target != NULL)
		fprintf(show, "# target %s: noted; building for this host\n",
			res.target);
	if (res.action == QCC_ARCHIVE && res.archive_create) {
		if (show != NULL)
			fprintf(show, "rm -f %s\n", res.archive);
		if (!res.dry_run && unlink(res.archive) != 0 && errno != ENOENT)
			fprintf(stderr, "ntosim-qcc: cannot remove %s: %s\n",
				res.archive, strerror(errno));
	}
	if (show != NULL)
		print_cmd(show, res.argv.v);
	if (res.dry_run) {
		qcc_result_free(&res);
		return 0;
	}
	fflush(NULL);
	execvp(res.argv.v[0], res.argv.v);
	fprintf(stderr, "ntosim-qcc: cannot run %s: %s\n", res.argv.v[0],
		strerror(errno));
	qcc_result_free(&res);
	return 127;
}
