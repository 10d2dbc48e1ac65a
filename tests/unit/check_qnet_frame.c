/*
 * Behaviour of ntosim-qnet's frame checks (kernel-sim/qnet/frame.c): each
 * well-formed frame a node sends is accepted, and each malformed one is
 * rejected with its reason (which closes the link that carried it): bad
 * magic, unknown type, a length its type does not allow (checked from the
 * header alone, before a payload is read), an unterminated name or path,
 * a resolve answer whose count and length differ. No ipcd: pure function.
 */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "proto/ctl.h"
#include "proto/shm.h"
#include "qnet/wire.h"

static struct qn_hdr hdr(uint32_t type, uint32_t len)
{
	struct qn_hdr h = {QN_MAGIC, type, len, 0, 1};

	return h;
}

/* the reason qn_frame_check gives, or NULL */
static const char *check(uint32_t type, const void *body, uint32_t len)
{
	struct qn_hdr h = hdr(type, len);
	void *copy = malloc(len ? len : 1); /* exactly len bytes, as link.c */
	const char *why;

	ck_assert_ptr_nonnull(copy);
	memcpy(copy, body, len);
	why = qn_frame_check(&h, copy);
	free(copy);
	return why;
}

START_TEST(test_well_formed)
{
	struct qn_hello hl = {QN_VERSION, QN_ENDIAN_TAG, "beta"};
	struct qn_attach at = {0};
	struct qn_result r = {0};
	struct {
		struct qn_send s;
		char msg[64];
	} snd = {{.binding = 3, .has_id = 1, .rbytes = 64}, "hello"};
	struct qn_pulse pu = {3, 10, 5, 9};
	struct qn_binding b = {3};
	struct qn_event ev = {0};
	struct {
		uint32_t flags;
		char path[8];
	} qp = {0, "/dev/kv"};
	struct {
		struct qn_result r;
		struct nto_ctl_resolve_rep rep;
		struct nto_ctl_resolve_ent ent[2];
	} rr = {{0}, {2}, {{0}}};
	struct qn_result rerr = {0, ENOENT, 0, 0};

	ck_assert_ptr_null(check(QN_HELLO, &hl, sizeof(hl)));
	ck_assert_ptr_null(check(QN_PING, "", 0));
	ck_assert_ptr_null(check(QN_UNBLOCK, "", 0));
	ck_assert_ptr_null(check(QN_ATTACH, &at, sizeof(at)));
	ck_assert_ptr_null(check(QN_ATTACH_REP, &r, sizeof(r)));
	ck_assert_ptr_null(check(QN_NAME_REP, &r, sizeof(r)));
	ck_assert_ptr_null(check(QN_SEND, &snd, sizeof(snd)));
	ck_assert_ptr_null(check(QN_SEND, &snd, sizeof(snd.s)));
	ck_assert_ptr_null(check(QN_REPLY, &snd, sizeof(r) + 40));
	ck_assert_ptr_null(check(QN_PULSE, &pu, sizeof(pu)));
	ck_assert_ptr_null(check(QN_DETACH, &b, sizeof(b)));
	ck_assert_ptr_null(check(QN_EVENT, &ev, sizeof(ev)));
	ck_assert_ptr_null(check(QN_RESOLVE, &qp, sizeof(qp)));
	qp.path[4] = '\0';
	ck_assert_ptr_null(check(QN_NAME, &qp, 4 + 5)); /* "/dev" + NUL */
	ck_assert_ptr_null(check(QN_RESOLVE_REP, &rr, sizeof(rr)));
	ck_assert_ptr_null(check(QN_RESOLVE_REP, &rerr, sizeof(rerr)));
	rr.rep.n = 0;
	ck_assert_ptr_null(check(QN_RESOLVE_REP, &rr, sizeof(r) + 4));
}
END_TEST

START_TEST(test_header_alone)
{
	struct qn_hdr h = hdr(QN_PING, 0);

	ck_assert_ptr_null(qn_frame_hdr_check(&h));
	h.magic = 0x12345678;
	ck_assert_str_eq(qn_frame_hdr_check(&h), "bad magic");
	h = hdr(0, 0);
	ck_assert_str_eq(qn_frame_hdr_check(&h), "unknown frame type");
	h = hdr(QN_TYPE_MAX, 0);
	ck_assert_str_eq(qn_frame_hdr_check(&h), "unknown frame type");
	h = hdr(0xffffffffu, 0);
	ck_assert_str_eq(qn_frame_hdr_check(&h), "unknown frame type");
	/* lengths: refused before a byte of payload is allocated */
	h = hdr(QN_PING, 4);
	ck_assert_str_eq(qn_frame_hdr_check(&h),
			 "payload length wrong for its type");
	h = hdr(QN_REPLY, 0xffffffffu);
	ck_assert_ptr_nonnull(qn_frame_hdr_check(&h));
	h = hdr(QN_SEND, QN_FRAME_MAX + 1);
	ck_assert_ptr_nonnull(qn_frame_hdr_check(&h));
	h = hdr(QN_SEND, sizeof(struct qn_send) - 1);
	ck_assert_ptr_nonnull(qn_frame_hdr_check(&h));
	h = hdr(QN_SEND, sizeof(struct qn_send) + NTO_MSG_MAX);
	ck_assert_ptr_null(qn_frame_hdr_check(&h));
	h = hdr(QN_HELLO, sizeof(struct qn_hello) + 1);
	ck_assert_ptr_nonnull(qn_frame_hdr_check(&h));
	h = hdr(QN_ATTACH_REP, sizeof(struct qn_result) - 1);
	ck_assert_ptr_nonnull(qn_frame_hdr_check(&h));
	h = hdr(QN_RESOLVE, sizeof(struct qn_path) + NTO_PATH_MAX + 1);
	ck_assert_ptr_nonnull(qn_frame_hdr_check(&h));
	h = hdr(QN_RESOLVE, sizeof(struct qn_path));
	ck_assert_ptr_nonnull(qn_frame_hdr_check(&h));
}
END_TEST

START_TEST(test_payloads)
{
	struct qn_hello hl;
	struct {
		struct qn_send s;
		char msg[4];
	} snd = {{.has_id = 2}, "abc"};
	char path[4 + 8] = {0};
	struct {
		struct qn_result r;
		struct nto_ctl_resolve_rep rep;
		struct nto_ctl_resolve_ent ent[1];
	} rr = {{0}, {2}, {{0}}};
	struct {
		struct qn_result r;
		char junk[4];
	} rerr = {{0, ENOENT, 0, 0}, "abc"};

	memset(&hl, 'n', sizeof(hl));
	hl.version = QN_VERSION;
	hl.endian = QN_ENDIAN_TAG;
	ck_assert_str_eq(check(QN_HELLO, &hl, sizeof(hl)),
			 "HELLO: node name not NUL-terminated");
	ck_assert_str_eq(check(QN_SEND, &snd, sizeof(snd)),
			 "SEND: request identity flag not 0 or 1");
	memcpy(path + 4, "/dev/kvx", 8); /* no NUL at the end */
	ck_assert_ptr_nonnull(check(QN_RESOLVE, path, sizeof(path)));
	memcpy(path + 4, "a\0bc\0\0\0", 8); /* NUL inside the path */
	ck_assert_ptr_nonnull(check(QN_NAME, path, sizeof(path)));
	ck_assert_str_eq(check(QN_RESOLVE_REP, &rr, sizeof(rr)),
			 "RESOLVE_REP: entry count and length differ");
	rr.rep.n = 0x7fffffff;
	ck_assert_ptr_nonnull(check(QN_RESOLVE_REP, &rr, sizeof(rr)));
	rr.rep.n = NTO_RESOLVE_MAX + 1;
	ck_assert_ptr_nonnull(check(QN_RESOLVE_REP, &rr, sizeof(rr)));
	ck_assert_ptr_nonnull(check(QN_RESOLVE_REP, &rr, sizeof(rr.r) + 2));
	ck_assert_str_eq(check(QN_RESOLVE_REP, &rerr, sizeof(rerr)),
			 "RESOLVE_REP: error with a body");
}
END_TEST

int main(void)
{
	Suite *s = suite_create("qnet_frame");
	TCase *tc = tcase_create("frame");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, test_well_formed);
	tcase_add_test(tc, test_header_alone);
	tcase_add_test(tc, test_payloads);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
