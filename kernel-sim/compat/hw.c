/*
 * What a Linux user process cannot do: attach interrupts, touch I/O ports,
 * map physical memory. Each call is declared as QNX declares it, fails at
 * run time with ENOTSUP (port reads return 0, writes do nothing) and logs
 * one line on stderr naming the call, so a program that only touches them
 * on an optional path keeps running. InterruptLock/Unlock are real
 * spinlocks, since the thread-vs-thread exclusion they give still matters.
 */
#include "config.h"

#include <errno.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

#include <hw/inout.h>

#include "compat/time-internal.h"

/* ---- interrupts ---- */

NTO_EXPORT int InterruptAttach_r(int intr,
				 const struct sigevent *(*handler)(void *, int),
				 const void *area, int size, unsigned flags)
{
	(void)intr, (void)handler, (void)area, (void)size, (void)flags;
	return -nto__unsupported("InterruptAttach", ENOTSUP);
}

NTO_EXPORT int InterruptAttach(int intr,
			       const struct sigevent *(*handler)(void *, int),
			       const void *area, int size, unsigned flags)
{
	return nto__ret_val(
		InterruptAttach_r(intr, handler, area, size, flags));
}

NTO_EXPORT int InterruptAttachEvent_r(int intr, const struct sigevent *event,
				      unsigned flags)
{
	(void)intr, (void)event, (void)flags;
	return -nto__unsupported("InterruptAttachEvent", ENOTSUP);
}

NTO_EXPORT int InterruptAttachEvent(int intr, const struct sigevent *event,
				    unsigned flags)
{
	return nto__ret_val(InterruptAttachEvent_r(intr, event, flags));
}

NTO_EXPORT int InterruptDetach_r(int id)
{
	(void)id;
	return nto__unsupported("InterruptDetach", ENOTSUP);
}

NTO_EXPORT int InterruptDetach(int id)
{
	return nto__ret_eok(InterruptDetach_r(id));
}

NTO_EXPORT int InterruptAttachThread_r(int intr, unsigned flags)
{
	(void)intr, (void)flags;
	return -nto__unsupported("InterruptAttachThread", ENOTSUP);
}

NTO_EXPORT int InterruptAttachThread(int intr, unsigned flags)
{
	return nto__ret_val(InterruptAttachThread_r(intr, flags));
}

NTO_EXPORT int InterruptWait_r(int flags, const _Uint64t *timeout)
{
	(void)flags, (void)timeout;
	return nto__unsupported("InterruptWait", ENOTSUP);
}

NTO_EXPORT int InterruptWait(int flags, const _Uint64t *timeout)
{
	return nto__ret_eok(InterruptWait_r(flags, timeout));
}

NTO_EXPORT int InterruptMask(int intr, int id)
{
	(void)intr, (void)id;
	errno = nto__unsupported("InterruptMask", ENOTSUP);
	return -1;
}

NTO_EXPORT int InterruptUnmask(int intr, int id)
{
	(void)intr, (void)id;
	errno = nto__unsupported("InterruptUnmask", ENOTSUP);
	return -1;
}

NTO_EXPORT void InterruptEnable(void)
{
	nto__unsupported("InterruptEnable", ENOTSUP);
}

NTO_EXPORT void InterruptDisable(void)
{
	nto__unsupported("InterruptDisable", ENOTSUP);
}

NTO_EXPORT unsigned InterruptStatus(void)
{
	return 0; /* interrupts are never disabled here */
}

NTO_EXPORT void InterruptLock(struct intrspin *spin)
{
	_Atomic unsigned *v = (_Atomic unsigned *)(void *)&spin->value;
	unsigned expect = 0;

	while (!atomic_compare_exchange_weak_explicit(
		v, &expect, 1, memory_order_acquire, memory_order_relaxed)) {
		expect = 0;
		sched_yield();
	}
}

NTO_EXPORT void InterruptUnlock(struct intrspin *spin)
{
	atomic_store_explicit((_Atomic unsigned *)(void *)&spin->value, 0,
			      memory_order_release);
}

/* ---- I/O ports: reads give 0, writes do nothing ---- */

#define PORT_IN(_name, _type)                              \
	NTO_EXPORT _type _name(uintptr_t port)             \
	{                                                  \
		(void)port;                                \
		errno = nto__unsupported(#_name, ENOTSUP); \
		return 0;                                  \
	}
#define PORT_OUT(_name, _type)                             \
	NTO_EXPORT void _name(uintptr_t port, _type val)   \
	{                                                  \
		(void)port, (void)val;                     \
		errno = nto__unsupported(#_name, ENOTSUP); \
	}
#define PORT_INS(_name, _type)                                          \
	NTO_EXPORT void *_name(void *buf, unsigned len, uintptr_t port) \
	{                                                               \
		_type *p = buf;                                         \
		unsigned i;                                             \
		(void)port;                                             \
		for (i = 0; i < len; i++)                               \
			p[i] = 0;                                       \
		errno = nto__unsupported(#_name, ENOTSUP);              \
		return p + len;                                         \
	}
#define PORT_OUTS(_name, _type)                                         \
	NTO_EXPORT void *_name(uintptr_t port, void *buf, unsigned len) \
	{                                                               \
		(void)port;                                             \
		errno = nto__unsupported(#_name, ENOTSUP);              \
		return (_type *)buf + len;                              \
	}

PORT_IN(in8, uint8_t)
PORT_IN(in16, uint16_t)
PORT_IN(in32, uint32_t)
PORT_OUT(out8, uint8_t)
PORT_OUT(out16, uint16_t)
PORT_OUT(out32, uint32_t)
PORT_INS(in8s, uint8_t)
PORT_INS(in16s, uint16_t)
PORT_INS(in32s, uint32_t)
PORT_OUTS(out8s, uint8_t)
PORT_OUTS(out16s, uint16_t)
PORT_OUTS(out32s, uint32_t)

/* ---- physical memory ---- */

NTO_EXPORT void *mmap_device_memory(void *addr, size_t len, int prot, int flags,
				    uint64_t physical)
{
	(void)addr, (void)len, (void)prot, (void)flags, (void)physical;
	errno = nto__unsupported("mmap_device_memory", ENOTSUP);
	return MAP_FAILED;
}

NTO_EXPORT int munmap_device_memory(void *addr, size_t len)
{
	(void)addr, (void)len;
	errno = nto__unsupported("munmap_device_memory", ENOTSUP);
	return -1;
}

NTO_EXPORT uintptr_t mmap_device_io(size_t len, uint64_t io)
{
	(void)len, (void)io;
	errno = nto__unsupported("mmap_device_io", ENOTSUP);
	return MAP_DEVICE_FAILED;
}

NTO_EXPORT int munmap_device_io(uintptr_t io, size_t len)
{
	(void)io, (void)len;
	errno = nto__unsupported("munmap_device_io", ENOTSUP);
	return -1;
}

NTO_EXPORT int mem_offset(const void *addr, int fd, size_t len, off_t *off,
			  size_t *contig_len)
{
	(void)addr, (void)fd, (void)len, (void)off, (void)contig_len;
	errno = nto__unsupported("mem_offset", ENOTSUP);
	return -1;
}

NTO_EXPORT int mem_offset64(const void *addr, int fd, size_t len, off64_t *off,
			    size_t *contig_len)
{
	(void)addr, (void)fd, (void)len, (void)off, (void)contig_len;
	errno = nto__unsupported("mem_offset64", ENOTSUP);
	return -1;
}
