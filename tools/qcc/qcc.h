/*
 * ntosim-qcc's option translation: a qcc command line in, the host
 * compiler's command line out. Pure (no exec, no file system), so the
 * driver's dry run (-#) shows exactly what would run. Included by
 * tools/qcc's main.c and qcc.c only.
 */
#ifndef NTOSIM_QCC_QCC_H
#define NTOSIM_QCC_QCC_H

#include <stddef.h>

/* A growable NULL-terminated argument vector. */
struct qcc_argv {
	char **v;
	size_t n;
	size_t cap;
};

void qcc_argv_push(struct qcc_argv *a, const char *s);
void qcc_argv_pushf(struct qcc_argv *a, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void qcc_argv_free(struct qcc_argv *a);

/* Where ntosim's headers and libraries are, and which host compilers run. */
struct qcc_env {
	const char *cc;	 /* host C compiler, may hold words ("gcc -m64") */
	const char *cxx; /* host C++ compiler */
	const char *ar;	 /* host archiver, for -A / -a */
	const char *incdirs[3];	 /* ntosim's public headers (NULL-ended) */
	const char *libdirs[3];	 /* libnto and libha (NULL-ended) */
	const char *rpath;	 /* run-time search path to add, or NULL */
	const char *extra_flags; /* words for compile and link (sanitizers) */
	int cxx_default;	 /* invoked as q++ / QCC */
};

enum qcc_action {
	QCC_RUN,     /* run out.argv */
	QCC_ARCHIVE, /* -A/-a: (remove out.archive if -A, then) run out.argv */
	QCC_LIST,    /* -V alone: print the target list */
	QCC_HELP,    /* -help */
	QCC_NOTHING, /* -set-default: nothing to run */
};

struct qcc_result {
	enum qcc_action action;
	struct qcc_argv argv; /* the host command */
	int dry_run;	      /* -# / -###: print, do not run */
	int verbose;	      /* -v: print the host command on stderr, run */
	const char *target;   /* the -V target as given, or NULL */
	const char *archive;  /* -A / -a archive name */
	int archive_create;   /* -A (create afresh) rather than -a (add) */
	char err[256];	      /* the error, when qcc_translate fails */
};

/*
 * Translate qcc's argv (argv[0] excluded) for env into res. Returns 0, or
 * -EINVAL with res->err set (an unknown option, a malformed -V/-N, a missing
 * argument). res->argv is always freed by qcc_result_free.
 */
int qcc_translate(const struct qcc_env *env, int argc, char **argv,
		  struct qcc_result *res);
void qcc_result_free(struct qcc_result *res);

/* 1 if t is a qcc target name this driver accepts ([version,]gcc_nto...). */
int qcc_target_valid(const char *t);
/* Print the accepted targets (the "-V" listing CMake looks for). */
void qcc_list_targets(void);

#endif
