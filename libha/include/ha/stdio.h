/*
 * <ha/stdio.h>: the HA covers of fopen() and fclose(). Part of libha (see
 * <ha/cover.h>). stdio buffering is not recovered: after a recovery a read
 * buffer may be stale and unflushed output may be lost.
 */
#ifndef NTOSIM_HA_STDIO_H
#define NTOSIM_HA_STDIO_H

#include <stdio.h>

#include <ha/types.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * ha_fopen: fopen(path, mode), then ha_attach(fileno(stream), rfn, rhdl,
 * haflags). All or nothing: if the attach fails the stream is closed.
 * Returns the stream, or NULL with errno from fopen() or ha_attach().
 */
FILE *ha_fopen(const char *path, const char *mode, RFp rfn, void *rhdl,
	       unsigned haflags);

/*
 * ha_fclose: ha_detach(fileno(stream)), then fclose(stream).
 * Returns 0, or EOF with errno: EBADF (the stream's fd is not HA-aware:
 * the stream is left open), or fclose()'s errno (the stream is closed
 * anyway, as with fclose()).
 */
int ha_fclose(FILE *stream);

#ifdef __cplusplus
}
#endif
#endif /* NTOSIM_HA_STDIO_H */
