/*-------------------------------------------------------------------------
 *
 * key_hash.h
 *		The hash of a state key.
 *
 * IDENTIFICATION
 *	  src/key_hash.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef NUMAPG_KEY_HASH_H
#define NUMAPG_KEY_HASH_H

#include <stdint.h>

extern uint64_t numapg_state_hash(const void *key, uint32_t keylen);

#endif							/* NUMAPG_KEY_HASH_H */
