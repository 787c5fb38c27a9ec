/*-------------------------------------------------------------------------
 *
 * crc32c.c
 *		CRC-32C (Castagnoli), the checksum of state store slots and of
 *		staged WAL records.
 *
 * On x86-64 it uses the SSE 4.2 instruction when the CPU has it, else a
 * table-driven (slicing-by-8) version; both compute the same function
 * (NUMAPG_STATE_SOFT_CRC forces the table, for the unit tests).  Pure C,
 * no PostgreSQL headers.
 *
 * IDENTIFICATION
 *	  src/crc32c.c
 *
 *-------------------------------------------------------------------------
 */
#include "crc32c.h"

#include <stdbool.h>
#include <string.h>

#if defined(__x86_64__) && defined(__GNUC__) && !defined(NUMAPG_STATE_SOFT_CRC)
#define USE_SSE42_CRC 1
#include <cpuid.h>
#endif

/* Unaligned native-order load. */
static inline uint64_t
load64(const unsigned char *p)
{
	uint64_t	v;

	memcpy(&v, p, sizeof(v));
	return v;
}

#define CRC32C_POLY		0x82f63b78	/* Castagnoli, bit-reflected */

static uint32_t crc32c_table[8][256];
static bool crc32c_table_ready = false;

/* Fill the slicing-by-8 tables (once per process). */
static void
crc32c_make_table(void)
{
	for (uint32_t i = 0; i < 256; i++)
	{
		uint32_t	c = i;

		for (int k = 0; k < 8; k++)
			c = (c & 1) ? (c >> 1) ^ CRC32C_POLY : c >> 1;
		crc32c_table[0][i] = c;
	}
	for (uint32_t i = 0; i < 256; i++)
		for (int t = 1; t < 8; t++)
			crc32c_table[t][i] = (crc32c_table[t - 1][i] >> 8) ^
				crc32c_table[0][crc32c_table[t - 1][i] & 0xff];
	crc32c_table_ready = true;
}

/* Table-driven CRC-32C update (crc is the running, inverted value). */
static uint32_t
crc32c_soft(uint32_t crc, const void *data, size_t len)
{
	const unsigned char *p = data;

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	while (len >= 8)
	{
		uint64_t	w = load64(p) ^ crc;

		crc = crc32c_table[7][w & 0xff] ^
			crc32c_table[6][(w >> 8) & 0xff] ^
			crc32c_table[5][(w >> 16) & 0xff] ^
			crc32c_table[4][(w >> 24) & 0xff] ^
			crc32c_table[3][(w >> 32) & 0xff] ^
			crc32c_table[2][(w >> 40) & 0xff] ^
			crc32c_table[1][(w >> 48) & 0xff] ^
			crc32c_table[0][w >> 56];
		p += 8;
		len -= 8;
	}
#endif
	while (len > 0)
	{
		crc = crc32c_table[0][(crc ^ *p++) & 0xff] ^ (crc >> 8);
		len--;
	}
	return crc;
}

#ifdef USE_SSE42_CRC
/* CRC-32C update with the SSE 4.2 crc32 instruction. */
__attribute__((target("sse4.2")))
static uint32_t
crc32c_sse42(uint32_t crc, const void *data, size_t len)
{
	const unsigned char *p = data;
	uint64_t	c = crc;

	while (len >= 8)
	{
		c = __builtin_ia32_crc32di(c, load64(p));
		p += 8;
		len -= 8;
	}
	crc = (uint32_t) c;
	while (len > 0)
	{
		crc = __builtin_ia32_crc32qi(crc, *p++);
		len--;
	}
	return crc;
}
#endif

static uint32_t crc32c_choose(uint32_t crc, const void *data, size_t len);

/* The implementation in use; chosen on the first call in each process. */
uint32_t	(*numapg_crc32c_update) (uint32_t crc, const void *data,
									 size_t len) = crc32c_choose;

/* Pick the fastest CRC-32C this CPU runs, then use it for this call. */
static uint32_t
crc32c_choose(uint32_t crc, const void *data, size_t len)
{
#ifdef USE_SSE42_CRC
	unsigned int eax,
				ebx,
				ecx,
				edx;

	if (__get_cpuid(1, &eax, &ebx, &ecx, &edx) && (ecx & bit_SSE4_2))
		numapg_crc32c_update = crc32c_sse42;
	else
#endif
	{
		if (!crc32c_table_ready)
			crc32c_make_table();
		numapg_crc32c_update = crc32c_soft;
	}
	return numapg_crc32c_update(crc, data, len);
}

/* CRC-32C of a buffer (the iSCSI checksum: "123456789" gives e3069283). */
uint32_t
numapg_crc32c(const void *data, size_t len)
{
	return ~numapg_crc32c_update(~(uint32_t) 0, data, len);
}
