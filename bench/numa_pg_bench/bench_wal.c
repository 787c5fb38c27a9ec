/*-------------------------------------------------------------------------
 *
 * bench_wal.c
 *		numa_bench_wal(): staging change records and writing them to WAL in
 *		batches, against one LogLogicalMessage() per record.
 *
 * The staged path is the workers' own code (numapg_wal_make_room() and
 * numapg_wal_write_batch() in numa_pg's src/wal_batch.c, compiled into this
 * library): each record is appended to a WAL staging buffer as large as
 * numa_pg.wal_staging_size (so numa_pg must be preloaded), bound to the node
 * under test, and the buffer goes to WAL as one logical message whenever
 * it is half full, and once more at the end for what is left.  The
 * baseline writes each record as its own non-transactional logical
 * message with the same prefix, the same bytes (the record image, built
 * once before the clock starts, so that the baseline pays for WAL
 * insertion only).  Neither waits for WAL to be flushed to disk: that
 * cost does not depend on how records are grouped into messages, and it
 * would swamp both.  Records are timed in alternating batches.
 *
 * IDENTIFICATION
 *	  bench/numa_pg_bench/bench_wal.c
 *
 *-------------------------------------------------------------------------
 */
#include "compat.h"

#include "access/xlog.h"
#include "miscadmin.h"
#include "replication/message.h"

#include "bench_common.h"
#include "state_store.h"
#include "wal_batch.h"
#include "wal_staging.h"

PG_FUNCTION_INFO_V1(numapg_bench_sql_wal);

/* Bounds of the arguments: records write WAL, so they are bounded. */
#define MAX_RECORDS			1000000
#define KEY_SIZE			8
#define MIN_RECORD_SIZE		KEY_SIZE
#define MAX_RECORD_SIZE		NUMAPG_STATE_MAX_DATA

/* One placement's buffer and results; in memory, so PG_TRY keeps it. */
typedef struct WalPlacement
{
	NumaPgBenchMemory mem;
	double		staged_ns;
	double		single_ns;
	uint64		batches;
	size_t		batch_bytes;
	size_t		image_bytes;
} WalPlacement;

/* Time both paths with the staging buffer on node. */
static void
measure_placement(int records, int record_size, Size staging_size, int node,
				  WalPlacement *p)
{
	NumaPgWalStaging *ws;
	NumaPgWalStaging *image;
	char		key[KEY_SIZE];
	uint32		vallen = record_size - KEY_SIZE;
	char	   *value = palloc(vallen + 1);
	Size		image_room = sizeof(NumaPgWalStaging) + 1024 + MAX_RECORD_SIZE + 64;

	memset(value, 'w', vallen + 1);
	memset(key, 0, sizeof(key));

	/* the record image the baseline logs, made once */
	image = palloc0(image_room);
	if (!numapg_wal_staging_init(image, image_room) ||
		!numapg_wal_stage(image, NUMAPG_WAL_PUT, key, KEY_SIZE, value, vallen))
		elog(ERROR, "numa_bench_wal: could not build a record image");
	p->image_bytes = image->used;

	numapg_bench_map(&p->mem, staging_size, node);
	ws = (NumaPgWalStaging *) p->mem.base;
	if (!numapg_wal_staging_init(ws, p->mem.size))
		elog(ERROR, "numa_bench_wal: could not set up a WAL staging buffer");

	for (int first = 0; first < records; first += NUMAPG_BENCH_BATCH)
	{
		int			last = Min(first + NUMAPG_BENCH_BATCH, records);
		uint64		t0,
					t1,
					t2;

		CHECK_FOR_INTERRUPTS();

		t0 = numapg_bench_now_ns();
		for (int i = first; i < last; i++)
		{
			memcpy(key, &i, sizeof(i));
			(void) numapg_wal_make_room(ws, KEY_SIZE, vallen);
			if (!numapg_wal_stage(ws, NUMAPG_WAL_PUT, key, KEY_SIZE, value, vallen))
				elog(ERROR, "numa_bench_wal: no room for a record after making room");
			/* a worker writes the buffer once it is half full */
			if (numapg_wal_staging_half_full(ws))
				(void) numapg_wal_write_batch(ws);
		}
		/* what is left goes to WAL too, and is timed with the rest */
		if (last == records)
			(void) numapg_wal_write_batch(ws);
		t1 = numapg_bench_now_ns();

		for (int i = first; i < last; i++)
			(void) NumaPgLogLogicalMessage(NUMAPG_WAL_PREFIX, image->data,
										   image->used, false);
		t2 = numapg_bench_now_ns();

		p->staged_ns += t1 - t0;
		p->single_ns += t2 - t1;
	}
	if (ws->flushed_records != (uint64) records)
		elog(ERROR, "numa_bench_wal: %llu of %d staged records reached WAL",
			 (unsigned long long) ws->flushed_records, records);
	p->batches = ws->flushes;
	p->batch_bytes = ws->flushed_bytes;
}

/* Measure one placement and emit its two rows. */
static void
run_placement(ReturnSetInfo *rsinfo, int records, int record_size,
			  Size staging_size, int cpu, int node, const char *placement)
{
	WalPlacement *p = palloc0(sizeof(WalPlacement));
	NumaPgBenchRow row = {0};

	PG_TRY();
	{
		measure_placement(records, record_size, staging_size, node, p);
	}
	PG_FINALLY();
	{
		numapg_bench_unmap(&p->mem);
	}
	PG_END_TRY();

	row.benchmark = "wal_append";
	row.placement = placement;
	row.cpu = cpu;
	row.peer_cpu = -1;
	row.memory_node = p->mem.node;
	row.ops = records;
	row.lost = -1;
	row.duplicated = -1;

	row.implementation = "wal_staging";
	row.ns = p->staged_ns;
	row.postgres_ns_per_op = p->single_ns / records;
	row.note = psprintf("%s%s%llu WAL message%s, %zu bytes",
						p->mem.note, p->mem.note[0] ? "; " : "",
						(unsigned long long) p->batches,
						p->batches == 1 ? "" : "s", p->batch_bytes);
	numapg_bench_emit(rsinfo, &row);

	row.implementation = "log_logical_message";
	row.is_postgres = true;
	row.ns = p->single_ns;
	row.note = psprintf("%d WAL messages of %zu bytes", records, p->image_bytes);
	numapg_bench_emit(rsinfo, &row);
}

/*
 * numa_bench_wal(records int, record_size int DEFAULT 64)
 *
 * Per-record cost of WAL staging with batched writes against one logical
 * message per record; record_size is the key (8 bytes) plus the value.
 * The staging buffer is on the backend's node ("local") and, if there is
 * one, on another node ("remote"); the calling backend is pinned to its
 * current CPU.
 */
Datum
numapg_bench_sql_wal(PG_FUNCTION_ARGS)
{
	int32		records;
	int32		record_size;
	Size		staging_size;
	NumaPgTopology *topo;
	ReturnSetInfo *rsinfo;
	NumaPgBenchPin pin = {0};
	int			cpu;
	int			local_node;

	numapg_bench_require_superuser("numa_bench_wal()");
	records = numapg_bench_int_arg(fcinfo, 0, "records", 1, MAX_RECORDS);
	record_size = numapg_bench_int_arg(fcinfo, 1, "record_size",
									   MIN_RECORD_SIZE, MAX_RECORD_SIZE);
	if (RecoveryInProgress())
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("numa_bench_wal() cannot run during recovery"),
				 errdetail("It writes WAL."),
				 errhint("Run it on the primary.")));
	numapg_bench_require_wal_staging_size("numa_bench_wal()", &staging_size);

	topo = numapg_bench_topology();
	rsinfo = numapg_bench_begin(fcinfo);
	cpu = numapg_bench_current_cpu(topo);
	local_node = numapg_bench_memory_node_of_cpu(topo, cpu);

	PG_TRY();
	{
		int			remote = numapg_bench_remote_memory_node(topo, local_node);

		numapg_bench_pin(&pin, cpu);
		run_placement(rsinfo, records, record_size, staging_size, cpu,
					  local_node, "local");
		if (remote >= 0)
			run_placement(rsinfo, records, record_size, staging_size, cpu,
						  remote, "remote");
	}
	PG_FINALLY();
	{
		numapg_bench_unpin(&pin);
	}
	PG_END_TRY();

	return (Datum) 0;
}
