/*
 * qcc's options translated into the host compiler's (gcc or clang). The
 * option table follows QNX's qcc: -V/-Y select a target and C++ library
 * (accepted, noted, the host compiler builds for this machine), -Wc,/-Wp,/
 * -Wa,/-Wl, pass options on, -M writes a link map, -N sets a stack size,
 * -A/-a build archives, QNX libraries that are part of libc here are
 * absorbed. It decides; main.c runs.
 */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "qcc.h"

/* ---- argument vectors ---- */

static void *xrealloc(void *p, size_t n)
{
	p = realloc(p, n);
	if (p == NULL) {
		fputs("ntosim-qcc: out of memory\n", stderr);
		exit(1);
	}
	return p;
}

void qcc_argv_push(struct qcc_argv *a, const char *s)
{
	size_t len = strlen(s) + 1;

	if (a->n + 2 > a->cap) {
		a->cap = a->cap ? a->cap * 2 : 32;
		a->v = xrealloc(a->v, a->cap * sizeof(*a->v));
	}
	a->v[a->n] = memcpy(xrealloc(NULL, len), s, len);
	a->v[++a->n] = NULL;
}

void qcc_argv_pushf(struct qcc_argv *a, const char *fmt, ...)
{
	va_list ap;
	int n;
	char *buf;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	buf = xrealloc(NULL, (size_t)(n < 0 ? 0 : n) + 1);
	va_start(ap, fmt);
	vsnprintf(buf, (size_t)(n < 0 ? 0 : n) + 1, fmt, ap);
	va_end(ap);
	qcc_argv_push(a, buf);
	free(buf);
}

/*
 * Push the words of s separated by any of seps: a configure-style
 * "gcc -m64" (blanks) or the list of -Wc,a,b (commas).
 */
static void push_split(struct qcc_argv *a, const char *s, const char *seps)
{
	while (s != NULL && *s != '\0') {
		size_t n = strcspn(s, seps);

		if (n > 0) {
			char *w = xrealloc(NULL, n + 1);

			memcpy(w, s, n);
			w[n] = '\0';
			qcc_argv_push(a, w);
			free(w);
		}
		s += n;
		s += strspn(s, seps);
	}
}

void qcc_argv_free(struct qcc_argv *a)
{
	for (size_t i = 0; i < a->n; i++)
		free(a->v[i]);
	free(a->v);
	a->v = NULL;
	a->n = a->cap = 0;
}

void qcc_result_free(struct qcc_result *res)
{
	qcc_argv_free(&res->argv);
}

/* ---- targets ---- */

/* QNX's CPU names, longest first so "x86_64" wins over "x86". */
static const char *const cpus[] = {
	"x86_64", "aarch64le", "armv7le", "ppcbespe", "mipsle", "mipsbe",
	"armle",  "armbe",     "ppcbe",	  "shle",     "x86",	NULL,
};

/* The C++ library variants a -V target or -Y may name. */
static const char *const cxxlibs[] = {
	"cxx",	   "gpp",  "cpp",     "cpp-ne", "acpp",
	"acpp-ne", "ecpp", "ecpp-ne", NULL,
};

static int in_list(const char *const *list, const char *s)
{
	for (; *list != NULL; list++)
		if (strcmp(*list, s) == 0)
			return 1;
	return 0;
}

/* Skip an optional "1.2.3," compiler version; NULL if malformed. */
static const char *skip_version(const char *t)
{
	const char *comma = strchr(t, ',');

	if (comma == NULL)
		return t;
	if (comma == t || strspn(t, "0123456789.") != (size_t)(comma - t))
		return NULL;
	return comma + 1;
}

int qcc_target_valid(const char *t)
{
	t = skip_version(t);
	if (t == NULL || strncmp(t, "gcc_nto", 7) != 0)
		return 0;
	t += 7;
	for (int i = 0; cpus[i] != NULL; i++) {
		size_t n = strlen(cpus[i]);

		if (strncmp(t, cpus[i], n) != 0)
			continue;
		if (t[n] == '\0')
			return 1;
		if (t[n] == '_' && in_list(cxxlibs, t + n + 1))
			return 1;
	}
	return 0;
}

/* -Y: "[version,]_cxx" and the other C++ library names. */
static int cxxlib_valid(const char *y)
{
	y = skip_version(y);
	return y != NULL && y[0] == '_' && in_list(cxxlibs, y + 1);
}

void qcc_list_targets(void)
{
	printf("ntosim-qcc: targets available (each builds for this host "
	       "with its own compiler; the target is only noted):\n");
	for (int i = 0; cpus[i] != NULL; i++) {
		printf("\tgcc_nto%s\n", cpus[i]);
		printf("\tgcc_nto%s_cxx\n", cpus[i]);
	}
}

/* ---- QNX libraries ---- */

/*
 * -l names QNX keeps in a library of their own that are part of glibc or
 * libnto here: accepted and dropped. -lmq is librt's mq_* on Linux.
 */
static const char *const absorbed_libs[] = {
	"socket", "slog2", "secpol", "nto",    "regex",
	"iconv",  "cxa",   "cpp",    "cpp-ne", NULL,
};

/* ---- the translation ---- */

struct state {
	const struct qcc_env *env;
	struct qcc_result *res;
	struct qcc_argv user;	/* translated user arguments, in order */
	struct qcc_argv inputs; /* the input files (objects for -A / -a) */
	int cxx;		/* C++ driver (-lang-c++, q++, QCC) */
	int link;		/* 0 after -c, -S, -E */
	int map;		/* -M */
	const char *out;	/* -o */
	const char *stack;	/* -N */
};

static int fail(struct state *st, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static int fail(struct state *st, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(st->res->err, sizeof(st->res->err), fmt, ap);
	va_end(ap);
	return -EINVAL;
}

/* Options that take a value, attached ("-ofile") or as the next word. */
static const char *const with_arg[] = {
	"-o",	   "-D",	 "-U",	     "-I",	 "-L",	     "-l",
	"-Y",	   "-N",	 "-A",	     "-a",	 "-x",	     "-u",
	"-T",	   "-MF",	 "-MT",	     "-MQ",	 "-include", "-isystem",
	"-iquote", "-idirafter", "-imacros", "-Xlinker", "-z",	     NULL,
};

/* Options passed to the host compiler as they are (exact match). */
static const char *const as_is[] = {
	"-c",
	"-S",
	"-E",
	"-C",
	"-g",
	"-shared",
	"-static",
	"-ansi",
	"-p",
	"-pg",
	"-s",
	"-pthread",
	"-rdynamic",
	"-nostdlib",
	"-nostdinc",
	"-pedantic",
	"-pedantic-errors",
	"-MD",
	"-MMD",
	"-MP",
	"-MM",
	"-MG",
	"-w",
	"-O",
	"-pie",
	"-no-pie",
	"--version",
	NULL,
};

/* Prefixes of option families passed as they are. */
static const char *const as_is_prefix[] = {
	"-f", "-m", "-std=", "-O", "-g", "-Wp,", "-Wa,", "-Wl,", NULL,
};

/* The value of an option that takes one (attached or next); NULL if none. */
static const char *opt_value(int argc, char **argv, int *i, size_t plen)
{
	if (argv[*i][plen] != '\0')
		return argv[*i] + plen;
	if (*i + 1 >= argc)
		return NULL;
	return argv[++*i];
}

/* "64k", "1M", "8192": bytes, or 0 if malformed. */
static unsigned long stack_bytes(const char *s)
{
	char *end;
	unsigned long v;

	if (*s < '0' || *s > '9')
		return 0; /* strtoul would take "-5" as a huge size */
	errno = 0;
	v = strtoul(s, &end, 0);
	if (errno != 0 || end == s || v == 0)
		return 0;
	if (*end == 'k' || *end == 'K')
		v *= 1024, end++;
	else if (*end == 'm' || *end == 'M')
		v *= 1024 * 1024, end++;
	return *end == '\0' ? v : 0;
}

static int lib_option(struct state *st, const char *name)
{
	if (*name == '\0')
		return fail(st, "-l needs a library name");
	if (in_list(absorbed_libs, name))
		return 0;
	if (strcmp(name, "mq") == 0)
		name = "rt";
	else if (strcmp(name, "c++") == 0 && st->cxx)
		return 0; /* the host C++ driver links its own runtime */
	else if (strcmp(name, "c++") == 0)
		name = "stdc++";
	qcc_argv_pushf(&st->user, "-l%s", name);
	return 0;
}

static int one_option(struct state *st, int argc, char **argv, int *i)
{
	const char *a = argv[*i], *v;
	struct qcc_result *res = st->res;

	if (strcmp(a, "-#") == 0 || strcmp(a, "-###") == 0) {
		res->dry_run = 1;
		return 0;
	}
	if (strcmp(a, "-v") == 0) {
		res->verbose = 1;
		qcc_argv_push(&st->user,
			      a); /* the host's -v too, as qcc does */
		return 0;
	}
	if (strcmp(a, "-help") == 0 || strcmp(a, "--help") == 0) {
		res->action = QCC_HELP;
		return 0;
	}
	if (strncmp(a, "-V", 2) == 0) {
		if (a[2] != '\0')
			v = a + 2;
		else if (*i + 1 < argc && argv[*i + 1][0] != '-' &&
			 qcc_target_valid(argv[*i + 1]))
			v = argv[++*i];
		else {
			res->action = QCC_LIST;
			return 0;
		}
		if (!qcc_target_valid(v))
			return fail(st,
				    "unknown target '%s' (forms: "
				    "[version,]gcc_nto<cpu>[_cxx]; -V alone "
				    "lists them)",
				    v);
		res->target = v;
		return 0;
	}
	if (strcmp(a, "-set-default") == 0) {
		if (res->action == QCC_RUN)
			res->action = QCC_NOTHING;
		return 0;
	}
	if (strcmp(a, "-lang-c++") == 0) {
		st->cxx = 1;
		return 0;
	}
	if (strcmp(a, "-lang-c") == 0) {
		st->cxx = 0;
		return 0;
	}
	if (strncmp(a, "-lang-", 6) == 0)
		return fail(st, "%s: only -lang-c and -lang-c++ are supported",
			    a);
	if (strcmp(a, "-nopipe") == 0)
		return 0; /* the host compiler's own choice */
	if (strcmp(a, "-keep") == 0) {
		qcc_argv_push(&st->user, "-save-temps");
		return 0;
	}
	if (strcmp(a, "-nostartup") == 0) {
		qcc_argv_push(&st->user, "-nostartfiles");
		return 0;
	}
	if (strcmp(a, "-M") == 0) {
		st->map = 1; /* qcc's -M is a link map, not make dependencies */
		return 0;
	}
	if (strcmp(a, "-EL") == 0 || strcmp(a, "-EB") == 0) {
		int big = a[2] == 'B';
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
		int host_big = 1;
#else
		int host_big = 0;
#endif
		if (big != host_big)
			return fail(st, "%s: this host is %s-endian", a,
				    host_big ? "big" : "little");
		return 0;
	}
	if (strcmp(a, "-Bstatic") == 0 || strcmp(a, "-Bdynamic") == 0) {
		qcc_argv_pushf(&st->user, "-Wl,%s", a);
		return 0;
	}
	if (strncmp(a, "-Wc,", 4) == 0) {
		push_split(&st->user, a + 4, ","); /* each a compiler option */
		return 0;
	}
	if (strcmp(a, "-c") == 0 || strcmp(a, "-S") == 0 ||
	    strcmp(a, "-E") == 0 || strcmp(a, "-MM") == 0)
		st->link = 0;

	if (in_list(as_is, a)) { /* before the -a archive: -ansi */
		qcc_argv_push(&st->user, a);
		return 0;
	}
	/* Options with a value. */
	for (int k = 0; with_arg[k] != NULL; k++) {
		size_t plen = strlen(with_arg[k]);

		if (strncmp(a, with_arg[k], plen) != 0)
			continue;
		/* -MF/-MT/-MQ/-include... must match whole; -D/-I/-l... attach
		 */
		if (plen > 2 && a[plen] != '\0')
			continue;
		v = opt_value(argc, argv, i, plen);
		if (v == NULL)
			return fail(st, "%s needs a value", with_arg[k]);
		switch (a[1]) {
		case 'o':
			st->out = v;
			qcc_argv_push(&st->user, "-o");
			qcc_argv_push(&st->user, v);
			return 0;
		case 'l':
			return lib_option(st, v);
		case 'Y':
			if (!cxxlib_valid(v))
				return fail(
					st,
					"unknown C++ library '-Y%s' (forms: "
					"_cxx _gpp _cpp _cpp-ne _acpp "
					"_ecpp _ecpp-ne)",
					v);
			return 0;
		case 'N':
			if (stack_bytes(v) == 0)
				return fail(st,
					    "-N%s: a stack size is a number "
					    "with an optional k or M",
					    v);
			st->stack = v;
			return 0;
		case 'A':
		case 'a':
			res->action = QCC_ARCHIVE;
			res->archive = v;
			res->archive_create = a[1] == 'A';
			return 0;
		default:
			if (plen == 2 && a[1] != 'x' && a[1] != 'u' &&
			    a[1] != 'T' && a[1] != 'z')
				qcc_argv_pushf(&st->user, "%s%s", with_arg[k],
					       v);
			else {
				qcc_argv_push(&st->user, with_arg[k]);
				qcc_argv_push(&st->user, v);
			}
			return 0;
		}
	}
	for (int k = 0; as_is_prefix[k] != NULL; k++) {
		if (strncmp(a, as_is_prefix[k], strlen(as_is_prefix[k])) == 0) {
			qcc_argv_push(&st->user, a);
			return 0;
		}
	}
	/* -Wall, -Werror, -Wno-x: warnings (the -Wx, forms are above). */
	if (a[1] == 'W' && a[2] != '\0' && a[3] != ',') {
		qcc_argv_push(&st->user, a);
		return 0;
	}
	if (a[1] == 'w' && a[2] >= '0' && a[2] <= '9' && a[3] == '\0') {
		/* qcc's warning level 0-9: 0 silent, 5 and up is -Wall */
		if (a[2] == '0')
			qcc_argv_push(&st->user, "-w");
		else if (a[2] >= '5')
			qcc_argv_push(&st->user, "-Wall");
		return 0;
	}
	return fail(st,
		    "unknown option '%s' (pass compiler options with -Wc,%s "
		    "and linker options with -Wl,%s)",
		    a, a, a);
}

/* The host command: compiler, ntosim's flags, the user's, ntosim's libs. */
static void assemble(struct state *st)
{
	const struct qcc_env *env = st->env;
	struct qcc_argv *out = &st->res->argv;

	push_split(out, st->cxx ? env->cxx : env->cc, " \t");
	qcc_argv_push(out, "-D__QNX__");
	qcc_argv_push(out, "-D__QNXNTO__");
#if defined(__x86_64__)
	qcc_argv_push(out, "-D__X86_64__");
#elif defined(__i386__)
	qcc_argv_push(out, "-D__X86__");
#endif
	for (int k = 0; env->incdirs[k] != NULL; k++)
		qcc_argv_pushf(out, "-I%s", env->incdirs[k]);
	qcc_argv_push(out, "-pthread");
	push_split(out, env->extra_flags, " \t");
	for (size_t k = 0; k < st->user.n; k++)
		qcc_argv_push(out, st->user.v[k]);
	if (!st->link)
		return;
	for (int k = 0; env->libdirs[k] != NULL; k++)
		qcc_argv_pushf(out, "-L%s", env->libdirs[k]);
	if (env->rpath != NULL)
		qcc_argv_pushf(out, "-Wl,-rpath,%s", env->rpath);
	if (st->stack != NULL)
		qcc_argv_pushf(out, "-Wl,-z,stack-size=%lu",
			       stack_bytes(st->stack));
	if (st->map)
		qcc_argv_pushf(out, "-Wl,-Map=%s.map",
			       st->out != NULL ? st->out : "a.out");
	qcc_argv_push(out, "-lnto");
}

/* -A/-a: "ar rcs archive objects..." (the objects are the inputs). */
static void assemble_archive(struct state *st)
{
	struct qcc_argv *out = &st->res->argv;

	push_split(out, st->env->ar, " \t");
	qcc_argv_push(out, "rcs");
	qcc_argv_push(out, st->res->archive);
	for (size_t k = 0; k < st->inputs.n; k++)
		qcc_argv_push(out, st->inputs.v[k]);
}

int qcc_translate(const struct qcc_env *env, int argc, char **argv,
		  struct qcc_result *res)
{
	struct state st = {.env = env, .res = res, .link = 1};
	int rc = 0;

	memset(res, 0, sizeof(*res));
	st.cxx = env->cxx_default;
	for (int i = 0; i < argc && rc == 0; i++) {
		if (argv[i][0] == '-' && argv[i][1] != '\0')
			rc = one_option(&st, argc, argv, &i);
		else if (argv[i][0] == '@') {
			qcc_argv_push(&st.user, argv[i]); /* a response file */
		} else {
			qcc_argv_push(&st.inputs, argv[i]);
			qcc_argv_push(&st.user, argv[i]);
		}
	}
	if (rc == 0 && res->action == QCC_ARCHIVE) {
		if (st.inputs.n == 0)
			rc = fail(&st, "-%c %s: no objects to archive",
				  res->archive_create ? 'A' : 'a',
				  res->archive);
		else
			assemble_archive(&st);
	} else if (rc == 0 && res->action == QCC_RUN) {
		assemble(&st);
	}
	qcc_argv_free(&st.user);
	qcc_argv_free(&st.inputs);
	return rc;
}
