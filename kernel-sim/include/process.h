/*
 * <process.h>: QNX's spawn family (spawnl, spawnle, spawnlp, spawnlpe,
 * spawnv, spawnve, spawnvp, spawnvpe) with the P_* modes, and the headers
 * QNX's brings with it (<unistd.h>, <spawn.h> for spawn(), <sched.h> for
 * getprio()/setprio(), <sys/wait.h> through <spawn.h>). libnto implements
 * the calls.
 */
#ifndef NTOSIM_PROCESS_H
#define NTOSIM_PROCESS_H

#include <sched.h>
#include <spawn.h>
#include <sys/platform.h>
#include <unistd.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Modes (values are QNX's). */
#define P_WAIT	  0 /* wait for the child; return its waitpid() status */
#define P_NOWAIT  1 /* return the child's pid; reap it with waitpid() */
#define P_OVERLAY 2 /* replace the caller (exec); returns only on error */
#define P_NOWAITO 3 /* return the pid; the child never becomes a zombie */

/*
 * Each starts path (the p forms search PATH for file) with the argument
 * list (l: arg0, ..., NULL; the le forms take envp after the NULL) or
 * vector (v) and the caller's environment or envp (NULL: the caller's).
 * Returns by mode: P_WAIT the child's status as waitpid() gives it (use
 * WIFEXITED/WEXITSTATUS); P_NOWAIT and P_NOWAITO the child's pid;
 * P_OVERLAY nothing (the caller is replaced). On error -1 with errno:
 * EINVAL (unknown mode, NULL path or argv), or the exec's errno (ENOENT,
 * EACCES, ENOEXEC, E2BIG, ENOMEM, ...), or waitpid's (ECHILD when SIGCHLD
 * is ignored, EINTR is retried).
 */
int spawnl(int mode, const char *path, const char *arg0, ...)
	__attribute__((__sentinel__(0)));
int spawnle(int mode, const char *path, const char *arg0, ...)
	__attribute__((__sentinel__(1)));
int spawnlp(int mode, const char *file, const char *arg0, ...)
	__attribute__((__sentinel__(0)));
int spawnlpe(int mode, const char *file, const char *arg0, ...)
	__attribute__((__sentinel__(1)));
int spawnv(int mode, const char *path, char *const *argv);
int spawnve(int mode, const char *path, char *const *argv, char *const *envp);
int spawnvp(int mode, const char *file, char *const *argv);
int spawnvpe(int mode, const char *file, char *const *argv, char *const *envp);

/*
 * execlpe: execlp with an environment (arg0, ..., NULL, envp). Returns only
 * on error: -1 with execvpe's errno. execvpe and gettid are glibc's
 * (declared here also without _GNU_SOURCE, as QNX's process.h does).
 */
int execlpe(const char *file, const char *arg0, ...)
	__attribute__((__sentinel__(1)));
#ifndef __USE_GNU
int execvpe(const char *file, char *const argv[], char *const envp[]) __THROW;
pid_t gettid(void) __THROW;
#endif

#ifdef __cplusplus
}
#endif
#endif /* NTOSIM_PROCESS_H */
