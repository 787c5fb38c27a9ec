/*-------------------------------------------------------------------------
 *
 * test_wal_staging.c
 *		Unit tests of the WAL staging buffer.
 *
 * IDENTIFICATION
 *	  test/unit/test_wal_staging.c
 *
 *-------------------------------------------------------------------------
 */
#include <stdlib.h>

#include "wal_staging.h"
#include "tap.h"

int
main(void)
{
	size_t		region = 4096;
	NumaPgWalStaging *ws = malloc(region);
	NumaPgWalRecord *rec;
	int			staged = 0;
	size_t		offset;
	int			valid;

	ok(!numapg_wal_staging_init(ws, 512), "a region too small is refused");
	ok(numapg_wal_staging_init(ws, region), "a 4 kB region is accepted");
	is_int(ws->capacity % 8, 0, "capacity is a multiple of 8");
	is_int(numapg_wal_record_size(3, 0), 32, "header 24 + key 3 rounds up to 32");
	is_int(numapg_wal_record_size(8, 8), 40, "header 24 + 16 bytes is 40");

	ok(numapg_wal_stage(ws, NUMAPG_WAL_PUT, "key", 3, "value", 5), "stage a put");
	ok(numapg_wal_stage(ws, NUMAPG_WAL_DELETE, "key", 3, NULL, 0), "stage a delete");
	is_int(ws->staged_records, 2, "two records staged");
	is_int(ws->used, numapg_wal_record_size(3, 5) + numapg_wal_record_size(3, 0),
		   "bytes staged are the two record sizes");

	rec = (NumaPgWalRecord *) ws->data;
	ok(numapg_wal_record_valid(rec, ws->used), "first record is valid");
	is_int(rec->op, NUMAPG_WAL_PUT, "first is a put");
	is_int(rec->sequence, 1, "with sequence 1");
	ok(memcmp((char *) (rec + 1), "keyvalue", 8) == 0, "key then value");
	rec = (NumaPgWalRecord *) (ws->data + rec->length);
	is_int(rec->sequence, 2, "second has sequence 2");
	is_int(rec->vallen, 0, "a delete has no value");

	/* fill it up: stage until refused */
	while (numapg_wal_stage(ws, NUMAPG_WAL_PUT, "k", 1, "0123456789abcdef", 16))
		staged++;
	ok(staged > 50, "many records fit (%d)", staged);
	ok(ws->capacity - ws->used < numapg_wal_record_size(1, 16), "until the next one does not fit");
	is_int(ws->staged_records, staged + 2, "refusal stages nothing");

	/* every record walks and verifies */
	valid = 0;
	for (offset = 0; offset < ws->used;)
	{
		rec = (NumaPgWalRecord *) (ws->data + offset);
		if (!numapg_wal_record_valid(rec, ws->used - offset))
			break;
		valid++;
		offset += rec->length;
	}
	is_int(valid, staged + 2, "all staged records verify when walked");

	/* a torn record is detected */
	rec = (NumaPgWalRecord *) ws->data;
	((char *) (rec + 1))[4] ^= 0x40;
	ok(!numapg_wal_record_valid(rec, ws->used), "a flipped value byte fails the CRC");
	((char *) (rec + 1))[4] ^= 0x40;
	ok(!numapg_wal_record_valid(rec, 10), "a record longer than what is left is invalid");

	numapg_wal_staging_flushed(ws, 0x1234);
	is_int(ws->used, 0, "after a flush the buffer is empty");
	is_int(ws->flushed_records, staged + 2, "flushed records counted");
	is_int(ws->flushes, 1, "one flush");
	is_int(ws->last_flush_lsn, 0x1234, "flushed LSN kept");
	ok(numapg_wal_stage(ws, NUMAPG_WAL_PUT, "a", 1, "b", 1), "staging goes on after a flush");
	is_int(((NumaPgWalRecord *) ws->data)->sequence, staged + 3, "sequence numbers continue");

	free(ws);
	return done_testing();
}
