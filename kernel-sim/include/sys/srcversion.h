/*
 * <sys/srcversion.h>: QNX's __SRCVERSION("file.c $Rev$") source-version
 * tag. On QNX it records the string in the binary; here it expands to a
 * harmless file-scope declaration, so the tag compiles with or without a
 * trailing semicolon and costs nothing.
 */
#ifndef NTOSIM_SYS_SRCVERSION_H
#define NTOSIM_SYS_SRCVERSION_H

#ifndef __SRCVERSION
/* The string is not kept: no section, no symbol. The trailing ';' lets QNX
 * sources write the tag either way (an empty file-scope ';' is accepted by
 * gcc and g++ without -Wpedantic). */
#define __SRCVERSION(id) extern int ntosim__srcversion_unused;
#endif

#endif /* NTOSIM_SYS_SRCVERSION_H */
