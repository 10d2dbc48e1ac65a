/*
 * libFuzzer harness for the validation of frames a Qnet peer sends
 * (kernel-sim/qnet/frame.c): the input is the byte stream of one link,
 * cut into frames exactly as link.c does (header, qn_frame_hdr_check, a
 * payload buffer of exactly h.len bytes, qn_frame_check); the first
 * rejected frame ends the stream, as it closes the link. Every accepted
 * frame is then read the way its handler reads it, so ASan catches a
 * check that lets a short payload through, and an independent statement
 * of each type's rules aborts on a frame accepted against them.
 * Built with clang -fsanitize=fuzzer,address by `make fuzz`, and with the
 * normal compiler as tests/fuzz/qframe-replay (replay.c) for make check.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto/ctl.h"
#include "proto/shm.h"
#include "qnet/wire.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fail(const struct qn_hdr *h, const char *what)
{
	fprintf(stderr, "qframe: accepted type %u len %u: %s\n", h->type,
		h->len, what);
	abort();
}

/* What a handler may rely on for an accepted frame, stated again. */
static uint32_t sink;
static void use(const struct qn_hdr *h, const unsigned char *b)
{
	const size_t res = sizeof(struct qn_result);
	size_t i;

	switch (h->type) {
	case QN_HELLO:
		if (h->len != sizeof(struct qn_hello))
			fail(h, "HELLO size");
		sink += (uint32_t)strlen(((const struct qn_hello *)b)->name);
		break;
	case QN_PING:
	case QN_UNBLOCK:
		if (h->len)
			fail(h, "empty frame with a body");
		break;
	case QN_ATTACH:
		if (h->len != sizeof(struct qn_attach))
			fail(h, "ATTACH size");
		sink += ((const struct qn_attach *)b)->srcnd;
		break;
	case QN_ATTACH_REP:
	case QN_NAME_REP:
		if (h->len != res)
			fail(h, "result size");
		sink += (uint32_t)((const struct qn_result *)b)->value2;
		break;
	case QN_SEND: {
		const struct qn_send *s = (const void *)b;

		if (h->len < sizeof(*s) || h->len - sizeof(*s) > NTO_MSG_MAX)
			fail(h, "SEND size");
		if (s->has_id > 1)
			fail(h, "SEND has_id");
		for (i = sizeof(*s); i < h->len; i++)
			sink += b[i];
		break;
	}
	case QN_REPLY:
		if (h->len < res)
			fail(h, "REPLY size");
		for (i = 0; i < h->len; i++)
			sink += b[i];
		break;
	case QN_PULSE:
		if (h->len != sizeof(struct qn_pulse))
			fail(h, "PULSE size");
		sink += (uint32_t)((const struct qn_pulse *)b)->value;
		break;
	case QN_DETACH:
		if (h->len != sizeof(struct qn_binding))
			fail(h, "DETACH size");
		sink += (uint32_t)((const struct qn_binding *)b)->binding;
		break;
	case QN_EVENT:
		if (h->len != sizeof(struct qn_event))
			fail(h, "EVENT size");
		sink += (uint32_t)((const struct qn_event *)b)->pad;
		break;
	case QN_RESOLVE:
	case QN_NAME: {
		const struct qn_path *qp = (const void *)b;
		size_t n;

		if (h->len <= sizeof(*qp))
			fail(h, "path size");
		n = strlen(qp->path); /* ASan: runs off an unterminated path */
		if (n >= NTO_PATH_MAX || sizeof(*qp) + n + 1 != h->len)
			fail(h, "path length");
		break;
	}
	case QN_RESOLVE_REP: {
		const struct qn_result *r = (const void *)b;
		const struct nto_ctl_resolve_rep *rep = (const void *)(r + 1);

		if (h->len < res)
			fail(h, "RESOLVE_REP size");
		if (r->err) {
			if (h->len != res)
				fail(h, "RESOLVE_REP error with a body");
			break;
		}
		if (rep->n > NTO_RESOLVE_MAX)
			fail(h, "RESOLVE_REP count");
		for (i = 0; i < rep->n; i++) /* ASan: entries past the end */
			sink += rep->ent[i].prefix_len;
		if (h->len != res + sizeof(*rep) + rep->n * sizeof(rep->ent[0]))
			fail(h, "RESOLVE_REP length");
		break;
	}
	default:
		fail(h, "unknown type");
	}
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t off = 0;

	while (size - off >= sizeof(struct qn_hdr)) {
		struct qn_hdr h;
		unsigned char *body;

		memcpy(&h, data + off, sizeof(h));
		off += sizeof(h);
		if (qn_frame_hdr_check(&h))
			break; /* the link closes before any payload */
		if (h.len > QN_FRAME_MAX)
			fail(&h, "header check passed an oversized payload");
		if (size - off < h.len)
			break; /* the stream ends inside the payload */
		/* exactly h.len bytes, as link.c reads them */
		body = malloc(h.len ? h.len : 1);
		if (!body)
			abort();
		memcpy(body, data + off, h.len);
		off += h.len;
		if (qn_frame_check(&h, body)) {
			free(body);
			break;
		}
		use(&h, body);
		free(body);
	}
	return 0;
}
