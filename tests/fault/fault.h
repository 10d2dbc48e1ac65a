/*
 * The message the fault-injection helpers exchange (tests/fault/fault-srv.c
 * serves it, fault-cli.c sends it): a small header asking for a reply of a
 * given size, whose bytes are the pattern of servers/pattern/pattern.h for
 * the request's seed, so the client can prove every reply byte exact.
 * Test code only; not installed.
 */
#ifndef NTOSIM_TESTS_FAULT_FAULT_H
#define NTOSIM_TESTS_FAULT_FAULT_H

#include <stdint.h>

#define FAULT_MSG_TYPE 0x2300u /* outside _IO_BASE.._IO_MAX */

enum fault_op {
	FAULT_OP_ECHO = 1,  /* reply rlen pattern bytes with one MsgReply */
	FAULT_OP_WRITE = 2, /* the same bytes with two MsgWrites, then an
			     * empty MsgReply whose status is rlen */
};

struct fault_msg {
	uint16_t type; /* FAULT_MSG_TYPE */
	uint16_t op;   /* enum fault_op */
	uint32_t seq;  /* the client's request number, echoed in the log */
	uint32_t rlen; /* reply bytes wanted */
	uint32_t seed; /* pattern seed of the reply (and of the payload) */
	/* then any payload: the pattern for seed, from offset 0 */
};

#endif /* NTOSIM_TESTS_FAULT_FAULT_H */
