/*
 * Validation of a frame received on a link (wire.h), as a pure function
 * of its bytes: no state, no I/O, so the fuzzer (tests/fuzz/
 * qnet_frame_fuzz.c) runs exactly what the daemon runs. A frame that fails
 * closes its link; one that passes has the payload its type's handler reads.
 */
#include "config.h"

#include <stddef.h>
#include <string.h>

#include "proto/ctl.h"
#include "proto/shm.h"
#include "qnet/wire.h"

/* Payload bounds per type: exactly `min` bytes when max == min. */
static const struct {
	uint32_t min, max;
} bounds[QN_TYPE_MAX] = {
	[QN_HELLO] = {sizeof(struct qn_hello), sizeof(struct qn_hello)},
	[QN_PING] = {0, 0},
	[QN_ATTACH] = {sizeof(struct qn_attach), sizeof(struct qn_attach)},
	[QN_ATTACH_REP] = {sizeof(struct qn_result), sizeof(struct qn_result)},
	[QN_SEND] = {sizeof(struct qn_send),
		     sizeof(struct qn_send) + NTO_MSG_MAX},
	[QN_REPLY] = {sizeof(struct qn_result),
		      sizeof(struct qn_result) + NTO_MSG_MAX},
	[QN_UNBLOCK] = {0, 0},
	[QN_PULSE] = {sizeof(struct qn_pulse), sizeof(struct qn_pulse)},
	[QN_DETACH] = {sizeof(struct qn_binding), sizeof(struct qn_binding)},
	[QN_EVENT] = {sizeof(struct qn_event), sizeof(struct qn_event)},
	[QN_RESOLVE] = {sizeof(struct qn_path) + 1,
			sizeof(struct qn_path) + NTO_PATH_MAX},
	[QN_RESOLVE_REP] = {sizeof(struct qn_result),
			    sizeof(struct qn_result) +
				    sizeof(struct nto_ctl_resolve_rep) +
				    NTO_RESOLVE_MAX *
					    sizeof(struct nto_ctl_resolve_ent)},
	[QN_NAME] = {sizeof(struct qn_path) + 1,
		     sizeof(struct qn_path) + NTO_PATH_MAX},
	[QN_NAME_REP] = {sizeof(struct qn_result), sizeof(struct qn_result)},
};

const char *qn_frame_hdr_check(const struct qn_hdr *h)
{
	if (h->magic != QN_MAGIC)
		return "bad magic";
	if (h->type == 0 || h->type >= QN_TYPE_MAX)
		return "unknown frame type";
	if (h->len > QN_FRAME_MAX || h->len < bounds[h->type].min ||
	    h->len > bounds[h->type].max)
		return "payload length wrong for its type";
	return NULL;
}

/* A path payload: NUL-terminated in its last byte, no NUL before it
 * would make the rest of the payload garbage. */
static const char *path_check(const unsigned char *body, uint32_t len)
{
	const struct qn_path *qp = (const void *)body;
	size_t n = len - sizeof(*qp);

	if (body[len - 1] != '\0' || strlen(qp->path) != n - 1)
		return "path not NUL-terminated at the end of the frame";
	return NULL;
}

const char *qn_frame_check(const struct qn_hdr *h, const void *body)
{
	const char *why = qn_frame_hdr_check(h);
	const unsigned char *b = body;

	if (why)
		return why;
	switch (h->type) {
	case QN_HELLO: {
		const struct qn_hello *hl = body;

		if (!memchr(hl->name, '\0', sizeof(hl->name)))
			return "HELLO: node name not NUL-terminated";
		return NULL;
	}
	case QN_SEND: {
		const struct qn_send *s = body;

		/* rbytes is clamped by its user, binding and tid looked
		 * up: only the flag has values that mean nothing */
		return s->has_id > 1 ? "SEND: request identity flag not 0 or 1"
				     : NULL;
	}
	case QN_RESOLVE:
	case QN_NAME:
		return path_check(b, h->len);
	case QN_RESOLVE_REP: {
		const struct qn_result *r = body;
		const struct nto_ctl_resolve_rep *rep = (const void *)(r + 1);
		size_t left = h->len - sizeof(*r);

		if (r->err) /* an error carries nothing else */
			return left ? "RESOLVE_REP: error with a body" : NULL;
		if (left < sizeof(*rep) || rep->n > NTO_RESOLVE_MAX ||
		    left != sizeof(*rep) + rep->n * sizeof(rep->ent[0]))
			return "RESOLVE_REP: entry count and length differ";
		return NULL;
	}
	default:
		return NULL;
	}
}
