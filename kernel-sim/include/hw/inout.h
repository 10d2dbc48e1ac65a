/*
 * <hw/inout.h>: QNX's I/O port access. A Linux user process has no port
 * I/O (QNX grants it through ThreadCtl(_NTO_TCTL_IO)), so these are
 * functions in libnto that log one line on stderr naming the call the
 * first time and set errno to ENOTSUP: reads return 0 (the buffered forms
 * fill the buffer with zeros), writes do nothing. A program that touches
 * ports only on an optional path keeps running.
 */
#ifndef NTOSIM_HW_INOUT_H
#define NTOSIM_HW_INOUT_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

uint8_t in8(uintptr_t port);
uint16_t in16(uintptr_t port);
uint32_t in32(uintptr_t port);
void out8(uintptr_t port, uint8_t val);
void out16(uintptr_t port, uint16_t val);
void out32(uintptr_t port, uint32_t val);
/* Buffered forms: len items; they return the address past the last one. */
void *in8s(void *buf, unsigned len, uintptr_t port);
void *in16s(void *buf, unsigned len, uintptr_t port);
void *in32s(void *buf, unsigned len, uintptr_t port);
void *out8s(uintptr_t port, void *buf, unsigned len);
void *out16s(uintptr_t port, void *buf, unsigned len);
void *out32s(uintptr_t port, void *buf, unsigned len);

#ifdef __cplusplus
}
#endif
#endif /* NTOSIM_HW_INOUT_H */
