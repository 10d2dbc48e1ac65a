/*
 * Shared regions and the primitives ipcd uses on them: sealed memfd
 * creation and mapping, futex wakes, doorbell rings, monotonic tickets and
 * pulse enqueueing by CAS. It never reads a length or index from a region.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/futex.h>
#include <stdatomic.h>
#include <stdio.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "ipcd/internal.h"

int region_create(struct region *rg, const char *name, uint64_t size,
		  size_t maplen)
{
	return region_create_sealed(rg, name, size, maplen,
				    F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL);
}

int region_create_sealed(struct region *rg, const char *name, uint64_t size,
			 size_t maplen, unsigned seals)
{
	struct stat st;
	int fd, err;
	void *map;

	rg->fd = -1;
	rg->map = NULL;
	rg->maplen = 0;
	fd = memfd_create(name, MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (fd < 0)
		return -errno;
	if (ftruncate(fd, (off_t)size) < 0)
		goto fail;
	/* Nobody may shrink it under another's mapping (SIGBUS) or grow it. */
	if (fcntl(fd, F_ADD_SEALS, (int)seals) < 0)
		goto fail;
	map = mmap(NULL, maplen, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (map == MAP_FAILED)
		goto fail;
	rg->fd = fd;
	rg->map = map;
	rg->maplen = maplen;
	rg->ino = fstat(fd, &st) == 0 ? (uint64_t)st.st_ino : 0;
	return 0;
fail:
	err = -errno;
	close(fd);
	return err;
}

int region_reopen_ro(const struct region *rg)
{
	char path[64];
	int fd;

	/* a new open file description, read-only: mmap(PROT_WRITE, MAP_SHARED)
	 * of it fails with EACCES, and so does a later mprotect */
	snprintf(path, sizeof(path), "/proc/self/fd/%d", rg->fd);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

int region_seal_writers(const struct region *rg)
{
	int seals = fcntl(rg->fd, F_GET_SEALS);

	if (seals < 0)
		return -errno;
	if (seals & F_SEAL_FUTURE_WRITE)
		return 0;
	if (fcntl(rg->fd, F_ADD_SEALS, F_SEAL_FUTURE_WRITE | F_SEAL_SEAL) < 0)
		return -errno;
	return 0;
}

void region_destroy(struct region *rg)
{
	if (rg->map)
		munmap(rg->map, rg->maplen);
	if (rg->fd >= 0)
		close(rg->fd);
	rg->map = NULL;
	rg->fd = -1;
}

void futex_wake(_Atomic uint32_t *addr, int n)
{
	/* shared futex: the waiters are in other processes */
	syscall(SYS_futex, (uint32_t *)addr, FUTEX_WAKE, n, NULL, NULL, 0);
}

void doorbell_ring(struct nto_doorbell *db)
{
	atomic_fetch_add_explicit(&db->seq, 1, memory_order_acq_rel);
	futex_wake(&db->seq, INT_MAX);
}

uint64_t ticket_next(void)
{
	static uint64_t last;
	struct timespec ts;
	uint64_t t;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	t = (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
	if (t <= last)
		t = last + 1; /* strictly increasing: orders ipcd's own posts */
	last = t;
	return t;
}

int pulse_enqueue(struct nto_pulse_ent *ents, unsigned n,
		  _Atomic uint64_t *mask, int prio, int code, int value,
		  int scoid)
{
	return nto_pulse_post(ents, n, mask, prio, code, value, 0, scoid,
			      ticket_next()) < 0
		       ? -EAGAIN
		       : 0;
}
