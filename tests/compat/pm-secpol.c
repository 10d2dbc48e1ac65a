/*
 * A QNX 8 resource manager's security-policy calls: secpol_open of the
 * default policy (none here), a policy file's type map, secpol_crc32,
 * secpol_resmgr_attach instead of resmgr_attach, and
 * secpol_transition_type before the receive loop, whose failure with
 * ENOTSUP means "no policy in effect". Reads of PATH answer "secpol-ok".
 * usage: pm-secpol PATH POLICYFILE (POLICYFILE is written here first)
 */
#include <errno.h>
#include <secpol/secpol.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/iofunc.h>
#include <sys/dispatch.h>

static resmgr_connect_funcs_t connect_funcs;
static resmgr_io_funcs_t io_funcs;
static iofunc_attr_t attr;
static int failed;

static void expect(const char *what, long got, long want)
{
	printf("%s: %ld%s\n", what, got, got == want ? "" : " (WRONG)");
	if (got != want)
		failed = 1;
}

static int io_read(resmgr_context_t *ctp, io_read_t *msg, RESMGR_OCB_T *ocb)
{
	static const char text[] = "secpol-ok\n";
	int status, nonblock, n = (int)sizeof text - 1;

	if ((status = iofunc_read_verify(ctp, msg, ocb, &nonblock)) != EOK)
		return status;
	if (ocb->offset >= n) {
		_IO_SET_READ_NBYTES(ctp, 0);
		return _RESMGR_NPARTS(0);
	}
	_IO_SET_READ_NBYTES(ctp, n);
	SETIOV(ctp->iov, text, n);
	ocb->offset += n;
	return _RESMGR_NPARTS(1);
}

/* A compiled-policy image: header, one blob (a type map of two types). */
static int write_policy(const char *path)
{
	uint32_t img[] = {
		SECPOL_MAGIC,
		SECPOL_VERSION,
		1, /* header */
		SECPOL_BLOB_TYPE_MAP,
		24,
		44, /* blob 0 at 24 */
		SECPOL_BLOB_TYPE_MAP,
		2,
		24,
		32,
		40,
		4, /* tm: 2 types */
		0,
		7, /* id -> name */
		0,
		1, /* sorted ids */
		0,
		0,
		0,
		0, /* strings */
	};
	char *strings = (char *)&img[16];
	FILE *f;

	memcpy(strings, "root_t\0rm_t", 12);
	img[11] = 12; /* string table size */
	img[5] = (uint32_t)sizeof img - 24;
	f = fopen(path, "wb");
	if (!f || fwrite(img, sizeof img, 1, f) != 1 || fclose(f) != 0)
		return -1;
	return 0;
}

int main(int argc, char **argv)
{
	resmgr_attr_t resmgr_attr;
	dispatch_context_t *ctp;
	secpol_file_t *pol;
	secpol_blob_t blob;
	dispatch_t *dpp;
	bool perms_set = true;
	void *data = NULL;
	uint32_t id = 1;
	const char *name;

	if (argc != 3 || write_policy(argv[2]) == -1)
		return 2;
	/* no policy on this machine: the default file is absent */
	pol = secpol_open(NULL, SECPOL_USE_AS_DEFAULT);
	expect("default policy absent", pol == NULL && errno == ENOENT, 1);
	pol = secpol_open(argv[2], SECPOL_USE_AS_DEFAULT);
	expect("policy file opens", pol != NULL, 1);
	expect("type id of rm_t", (long)secpol_get_type_id(NULL, "rm_t"), 1);
	name = secpol_get_type_name(pol, 0);
	expect("name of type 0", name && strcmp(name, "root_t") == 0, 1);
	expect("unknown type", (long)secpol_get_type_id(pol, "x_t"),
	       (long)SECPOL_INVALID_TYPE);
	expect("find the type map blob",
	       secpol_find_blob(pol, SECPOL_BLOB_TYPE_MAP, &blob, &data), 0);
	expect("blob size", (long)blob.size, 56);
	free(data);
	expect("crc32", (long)secpol_crc32("123456789", 9), 0xcbf43926L);
	expect("policy id", secpol_get_policy_id(&id) == 0 && id == 0, 1);

	dpp = dispatch_create();
	memset(&resmgr_attr, 0, sizeof resmgr_attr);
	resmgr_attr.nparts_max = 1;
	resmgr_attr.msg_max_size = 2048;
	iofunc_func_init(_RESMGR_CONNECT_NFUNCS, &connect_funcs,
			 _RESMGR_IO_NFUNCS, &io_funcs);
	io_funcs.read = io_read;
	iofunc_attr_init(&attr, S_IFNAM | 0666, NULL, NULL);
	if (secpol_resmgr_attach(NULL, dpp, &resmgr_attr, argv[1], _FTYPE_ANY,
				 0, &connect_funcs, &io_funcs, &attr,
				 &perms_set) == -1) {
		perror("secpol_resmgr_attach");
		return EXIT_FAILURE;
	}
	expect("perms_set", perms_set, 0);
	expect("transition without a policy",
	       secpol_transition_type(NULL, NULL, 0) == -1 && errno == ENOTSUP,
	       1);
	secpol_close(pol);
	if (failed)
		return EXIT_FAILURE;
	printf("ready\n");
	fflush(stdout);
	ctp = dispatch_context_alloc(dpp);
	while ((ctp = dispatch_block(ctp)) != NULL)
		dispatch_handler(ctp);
	return EXIT_FAILURE;
}
