/*
 * procmgr_ability as QNX 7/8 resource managers call it to drop root: lists
 * of ability descriptors (domain | operation | id), PROCMGR_AOP_SUBRANGE
 * entries followed by two uint64_t bounds, ended by PROCMGR_AID_EOL.
 * Prints one line per check and exits non-zero if any fails.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/procmgr.h>
#include <unistd.h>

static int failed;

static void expect(const char *what, int got, int want)
{
	printf("%s: %d%s\n", what, got, got == want ? "" : " (WRONG)");
	if (got != want)
		failed = 1;
}

int main(void)
{
	char name[PROCMGR_ABILITY_NAME_MAX];
	int id, custom;

	expect("allow io, mem_phys, interrupt; deny the rest",
	       procmgr_ability(0,
			       PROCMGR_AOP_ALLOW | PROCMGR_ADN_NONROOT |
				       PROCMGR_AID_IO,
			       PROCMGR_AOP_ALLOW | PROCMGR_ADN_NONROOT |
				       PROCMGR_AID_MEM_PHYS,
			       PROCMGR_AOP_ALLOW | PROCMGR_ADN_NONROOT |
				       PROCMGR_AID_INTERRUPT,
			       PROCMGR_AOP_DENY | PROCMGR_ADN_NONROOT |
				       PROCMGR_AOP_LOCK | PROCMGR_AID_EOL),
	       EOK);
	expect("subranges for setuid/setgid, root locked",
	       procmgr_ability(
		       getpid(),
		       PROCMGR_ADN_ROOT | PROCMGR_AOP_ALLOW | PROCMGR_AOP_LOCK |
			       PROCMGR_AOP_SUBRANGE | PROCMGR_AID_SETUID,
		       (uint64_t)1, (uint64_t)~0,
		       PROCMGR_ADN_ROOT | PROCMGR_AOP_ALLOW | PROCMGR_AOP_LOCK |
			       PROCMGR_AOP_SUBRANGE | PROCMGR_AID_SETGID,
		       (uint64_t)1, (uint64_t)~0,
		       PROCMGR_ADN_ROOT | PROCMGR_AOP_DENY | PROCMGR_AOP_LOCK |
			       PROCMGR_AID_EOL),
	       EOK);
	expect("a locked ability cannot change",
	       procmgr_ability(0,
			       PROCMGR_ADN_NONROOT | PROCMGR_AOP_ALLOW |
				       PROCMGR_AID_SPAWN_SETUID,
			       PROCMGR_AID_EOL),
	       EPERM);
	expect("allow and deny at once",
	       procmgr_ability(0,
			       PROCMGR_ADN_ROOT | PROCMGR_AOP_ALLOW |
				       PROCMGR_AOP_DENY | PROCMGR_AID_FORK,
			       PROCMGR_AID_EOL),
	       EINVAL);
	expect("an empty subrange",
	       procmgr_ability(0,
			       PROCMGR_ADN_NONROOT | PROCMGR_AOP_ALLOW |
				       PROCMGR_AOP_SUBRANGE |
				       PROCMGR_AID_RLIMIT,
			       (uint64_t)9, (uint64_t)3, PROCMGR_AID_EOL),
	       EINVAL);
	expect("no such ability",
	       procmgr_ability(0, PROCMGR_ADN_ROOT | PROCMGR_AOP_ALLOW | 999u,
			       PROCMGR_AID_EOL),
	       EINVAL);
	expect("lookup spawn_setuid", procmgr_ability_lookup("spawn_setuid"),
	       (int)PROCMGR_AID_SPAWN_SETUID);
	custom = procmgr_ability_lookup("my_endpoint");
	expect("custom ability is uncreated",
	       custom >= 0 && (custom & PROCMGR_AID_UNCREATED) != 0, 1);
	id = procmgr_ability_create("my_endpoint", 0);
	expect("create returns the same id",
	       id == (int)(custom & PROCMGR_AID_MASK), 1);
	expect("create twice", procmgr_ability_create("my_endpoint", 0),
	       -EEXIST);
	expect("custom subrange",
	       procmgr_ability(0,
			       PROCMGR_ADN_NONROOT | PROCMGR_AOP_ALLOW |
				       PROCMGR_AOP_SUBRANGE | PROCMGR_AOP_LOCK |
				       (unsigned)id,
			       (uint64_t)10, (uint64_t)20,
			       PROCMGR_ADN_NONROOT | PROCMGR_AID_EOL),
	       EOK);
	expect("name of PROCMGR_AID_IO",
	       procmgr_ability_name(PROCMGR_AID_IO, name, sizeof name), 2);
	printf("name: %s\n", name);
	if (strcmp(name, "io") != 0)
		failed = 1;
	expect("another process", procmgr_ability(1, PROCMGR_AID_EOL), EPERM);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
