/*
 * The qcc test project's protocol: a client sends a line, the server
 * answers it reversed and upper-cased (libecho), then a QUIT ends it.
 */
#ifndef QCC_PROJECT_ECHO_H
#define QCC_PROJECT_ECHO_H

#include <stdint.h>
#include <sys/iomsg.h>

#define ECHO_NAME     "qccecho"
#define ECHO_MSG_TYPE (_IO_MAX + 1)
#define ECHO_QUIT     (_IO_MAX + 2)

typedef struct {
	uint16_t type;
	char text[64];
} echo_msg_t;

typedef struct {
	int32_t version; /* the server's -DECHO_VERSION */
	char text[64];
} echo_reply_t;

#ifdef __cplusplus
extern "C" {
#endif
/* libecho.a: out = text reversed and upper-cased (at most size - 1 bytes). */
void echo_transform(const char *text, char *out, unsigned size);
#ifdef __cplusplus
}
#endif

#endif
