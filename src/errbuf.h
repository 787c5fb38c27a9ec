/*-------------------------------------------------------------------------
 *
 * errbuf.h
 *		Error messages of the pure modules, which cannot ereport: they
 *		format into a caller's buffer and return false.
 *
 * IDENTIFICATION
 *	  src/errbuf.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef NUMAPG_ERRBUF_H
#define NUMAPG_ERRBUF_H

#include <stdbool.h>
#include <stddef.h>

extern bool numapg_errorf(char *errbuf, size_t errlen, const char *fmt,...)
			__attribute__((format(printf, 3, 4)));

#endif							/* NUMAPG_ERRBUF_H */
