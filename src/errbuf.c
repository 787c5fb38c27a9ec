/*-------------------------------------------------------------------------
 *
 * errbuf.c
 *		Error messages of the pure modules, which cannot ereport: they
 *		format into a caller's buffer and return false.
 *
 * IDENTIFICATION
 *	  src/errbuf.c
 *
 *-------------------------------------------------------------------------
 */
#include "errbuf.h"

#include <stdarg.h>
#include <stdio.h>

/*
 * Format a message into errbuf (when it is not NULL) and return false, so
 * that a failing function can "return numapg_errorf(...)".
 */
bool
numapg_errorf(char *errbuf, size_t errlen, const char *fmt,...)
{
	va_list		ap;

	if (errbuf && errlen > 0)
	{
		va_start(ap, fmt);
		vsnprintf(errbuf, errlen, fmt, ap);
		va_end(ap);
	}
	return false;
}
