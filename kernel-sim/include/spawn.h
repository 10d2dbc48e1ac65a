/*
 * <spawn.h> overlay: glibc's <spawn.h> (posix_spawn, through #include_next,
 * untouched) plus QNX's spawn()/spawnp() with struct inheritance and the
 * SPAWN_* flags. libnto implements them over posix_spawn; the flags Linux
 * cannot honour fail with ENOTSUP and a line on stderr (see
 * docs/qnx-differences.md).
 */
#include_next <spawn.h>

#ifndef NTOSIM_SPAWN_H
#define NTOSIM_SPAWN_H

#include <sched.h>
#include <signal.h>
#include <sys/platform.h>
#include <sys/types.h>
#include <sys/wait.h> /* QNX code waits for what it spawned */

#ifdef __cplusplus
extern "C" {
#endif

typedef struct inheritance {
	unsigned long flags;	  /* SPAWN_* */
	pid_t pgroup;		  /* SPAWN_SETGROUP */
	sigset_t sigmask;	  /* SPAWN_SETSIGMASK */
	sigset_t sigdefault;	  /* SPAWN_SETSIGDEF */
	sigset_t sigignore;	  /* SPAWN_SETSIGIGN */
	unsigned long stack_max;  /* SPAWN_SETSTACKMAX */
	int policy;		  /* SPAWN_EXPLICIT_SCHED */
	_Uint32t nd;		  /* SPAWN_SETND */
	_Uint32t runmask;	  /* SPAWN_EXPLICIT_CPU */
	struct sched_param param; /* SPAWN_EXPLICIT_SCHED */
} spawn_inheritance_type;

#define SPAWN_SETGROUP	     0x00000001 /* set process group */
#define SPAWN_SETSIGMASK     0x00000002 /* set mask to sigmask */
#define SPAWN_SETSIGDEF	     0x00000004 /* sigdefault members to SIG_DFL */
#define SPAWN_SETSIGIGN	     0x00000008 /* sigignore members to SIG_IGN */
#define SPAWN_TCSETPGROUP    0x00000080 /* start a new terminal group */
#define SPAWN_SETND	     0x00000100 /* spawn on node nd */
#define SPAWN_SETSID	     0x00000200 /* new session */
#define SPAWN_EXPLICIT_SCHED 0x00000400 /* policy and param */
#define SPAWN_EXPLICIT_CPU   0x00000800 /* runmask */
#define SPAWN_SETSTACKMAX    0x00001000 /* stack_max */
#define SPAWN_NOZOMBIE	     0x00002000 /* child never becomes a zombie */
#define SPAWN_DEBUG	     0x00004000
#define SPAWN_HOLD	     0x00008000
#define SPAWN_EXEC	     0x00010000 /* replace the caller, like exec */
#define SPAWN_SEARCH_PATH    0x00020000 /* search PATH for path */
#define SPAWN_CHECK_SCRIPT   0x00040000 /* run #! scripts */
#define SPAWN_ALIGN_MASK     0x03000000
#define SPAWN_ALIGN_DEFAULT  0x00000000
#define SPAWN_ALIGN_FAULT    0x01000000
#define SPAWN_ALIGN_NOFAULT  0x02000000
#define SPAWN_PADDR64_SAFE   0x04000000

#define SPAWN_FDCLOSED	(-1)
#define SPAWN_NEWPGROUP 0

/*
 * Start path (spawnp: found through PATH) with argv and envp (NULL: the
 * caller's environment). fd_count 0: the child inherits every fd not
 * marked close-on-exec; otherwise the child gets exactly fds
 * 0..fd_count-1, fd i being a duplicate of the caller's fd_map[i]
 * (SPAWN_FDCLOSED leaves it closed). inherit may be NULL.
 * Returns the child's pid, or -1 with errno: EINVAL (bad argument, unknown
 * flag bits), ENOENT/EACCES/ENOEXEC/... (the exec failed), EBADF (a bad
 * fd_map entry), ENOTSUP (SPAWN_SETSIGIGN, SPAWN_TCSETPGROUP,
 * SPAWN_EXPLICIT_CPU, SPAWN_DEBUG, SPAWN_HOLD), ENOREMOTE (SPAWN_SETND to a
 * node other than the local one). With SPAWN_EXEC it returns only on error;
 * SPAWN_EXEC with an fd_map or attribute flags gives EINVAL.
 */
pid_t spawn(const char *path, int fd_count, const int fd_map[],
	    const struct inheritance *inherit, char *const argv[],
	    char *const envp[]);
pid_t spawnp(const char *file, int fd_count, const int fd_map[],
	     const struct inheritance *inherit, char *const argv[],
	     char *const envp[]);

#ifdef __cplusplus
}
#endif
#endif /* NTOSIM_SPAWN_H */
