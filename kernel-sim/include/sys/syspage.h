/*
 * <sys/syspage.h>: a read-only simulated QNX system page. libnto builds it
 * at load time from what Linux reports: num_cpu (online CPUs), one
 * cpuinfo_entry per CPU (speed in MHz when /proc/cpuinfo says, name in the
 * strings section), and qtime (cycles_per_sec = 1000000000 because
 * ClockCycles() counts CLOCK_MONOTONIC nanoseconds; boot_time; nsec_inc =
 * the ClockPeriod() value), and asinfo with one "ram" entry as large as
 * the machine's memory. qtime->nsec is the time since boot when the page
 * was built, not a live clock: read ClockTime() or clock_gettime().
 * Sections real programs do not read here (hwinfo, callouts, system_private
 * ...) are present with size 0. The page is mapped PROT_READ: writing faults.
 */
#ifndef NTOSIM_SYS_SYSPAGE_H
#define NTOSIM_SYS_SYSPAGE_H

#include <sys/neutrino.h>

#ifdef __cplusplus
extern "C" {
#endif

struct syspage_entry;

typedef struct {
	_Uint16t entry_off;
	_Uint16t entry_size;
} syspage_entry_info;

enum {
	SYSPAGE_X86,
	SYSPAGE_PPC,
	SYSPAGE_MIPS,
	SYSPAGE_SPARE,
	SYSPAGE_ARM,
	SYSPAGE_SH,
	SYSPAGE_AARCH64 = 256,
	SYSPAGE_X86_64
};

struct _clockadjust {
	unsigned long tick_count;
	long tick_nsec_inc;
};

#define QTIME_FLAG_TIMER_ON_CPU0 0x00000001
#define QTIME_FLAG_CHECK_STABLE	 0x00000002

struct qtime_entry {
	_Uint64t cycles_per_sec; /* ClockCycles() ticks per second */
	_Uint64t volatile nsec_tod_adjust;
	_Uint64t volatile nsec;	 /* since boot, when the page was built */
	unsigned long nsec_inc;	 /* the clock period */
	unsigned long boot_time; /* UTC seconds when the machine booted */
	struct _clockadjust adjust;
	unsigned long timer_rate;
	long timer_scale;
	unsigned long timer_load;
	long intr;
	unsigned long epoch;
	unsigned long flags;
	unsigned int rr_interval_mul;
	unsigned long spare0;
	_Uint64t volatile nsec_stable;
	unsigned long spare[4];
};

#define CPU_FLAG_FPU (1UL << 31)
#define CPU_FLAG_MMU (1UL << 30)

struct cpuinfo_entry {
	_Uint32t cpu;
	_Uint32t speed; /* MHz */
	_Uint32t flags;
	_Uint32t smp_hwcoreid;
	_Uint32t spare[3];
	_Uint16t name; /* offset in the strings section */
	_Uint8t ins_cache;
	_Uint8t data_cache;
};

#define AS_NULL_OFF	    ((_Uint16t)-1)
#define AS_ATTR_READABLE    0x0001
#define AS_ATTR_WRITABLE    0x0002
#define AS_ATTR_CACHABLE    0x0004
#define AS_ATTR_VISIBLE	    0x0008
#define AS_ATTR_KIDS	    0x0010
#define AS_ATTR_CONTINUED   0x0020
#define AS_PRIORITY_DEFAULT 100

/* One "ram" entry here: [0, the machine's RAM - 1]. */
struct asinfo_entry {
	_Uint64t start;
	_Uint64t end;
	_Uint16t owner;
	_Uint16t name; /* offset in the strings section */
	_Uint16t attr;
	_Uint16t priority;
	int (*alloc_checker)(struct syspage_entry *__sp, _Uint64t *__base,
			     _Uint64t *__len, size_t __size, size_t __align);
	_Uint32t spare;
};

struct strings_entry {
	char data[4];
};

struct syspage_entry {
	_Uint16t size; /* of struct syspage_entry */
	_Uint16t total_size;
	_Uint16t type;
	_Uint16t num_cpu;
	syspage_entry_info system_private;
	syspage_entry_info asinfo;
	syspage_entry_info meminfo;
	syspage_entry_info hwinfo;
	syspage_entry_info cpuinfo;
	syspage_entry_info cacheattr;
	syspage_entry_info qtime;
	syspage_entry_info callout;
	syspage_entry_info callin;
	syspage_entry_info typed_strings;
	syspage_entry_info strings;
	syspage_entry_info intrinfo;
	syspage_entry_info smp;
	syspage_entry_info pminfo;
	syspage_entry_info mdriver;
	long spare[2];
	union {
		struct {
			long filler[20];
		} filler;
	} un;
};

extern struct syspage_entry *_syspage_ptr;

#define _SYSPAGE_ENTRY_SIZE(__base, __field) ((__base)->__field.entry_size)
#define SYSPAGE_ENTRY_SIZE(__field)	     _SYSPAGE_ENTRY_SIZE(_syspage_ptr, __field)
#define _SYSPAGE_ENTRY(__base, __field)                        \
	((struct __field##_entry *)(void *)((char *)(__base) + \
					    (__base)->__field.entry_off))
#define SYSPAGE_ENTRY(__field) _SYSPAGE_ENTRY(_syspage_ptr, __field)

#ifdef __cplusplus
}
#endif
#endif /* NTOSIM_SYS_SYSPAGE_H */
