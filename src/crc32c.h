/*-------------------------------------------------------------------------
 *
 * crc32c.h
 *		CRC-32C (Castagnoli).
 *
 * IDENTIFICATION
 *	  src/crc32c.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef NUMAPG_CRC32C_H
#define NUMAPG_CRC32C_H

#include <stddef.h>
#include <stdint.h>

/* CRC-32C of a buffer (the iSCSI checksum: "123456789" gives e3069283). */
extern uint32_t numapg_crc32c(const void *data, size_t len);

/*
 * Update a running CRC-32C (kept inverted: start from ~0, end with ~) by
 * len more bytes; the fastest implementation this CPU runs.
 */
extern uint32_t (*numapg_crc32c_update) (uint32_t crc, const void *data,
										 size_t len);

#endif							/* NUMAPG_CRC32C_H */
