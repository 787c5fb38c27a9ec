/*-------------------------------------------------------------------------
 *
 * bench_state.c
 *		numa_bench_state(): a worker's state store against a dynahash table
 *		in shared memory under its partition lock.
 *
 * PostgreSQL's equivalent of a shared key/value table is a dynahash table
 * made by ShmemInitHash() and guarded by partition LWLocks, as the buffer
 * mapping table is.  We build one exactly that way, with HASH_PARTITION and
 * every element allocated up front, laid out as this version's
 * ShmemInitHash() lays it out (compat_hash.h: 19 changed it), but in a
 * scratch mapping bound to the node under test, with NUM_BUFFER_PARTITIONS
 * LWLocks of our own tranche in the same mapping.
 * Each dynahash operation takes its partition's lock (shared to look up,
 * exclusive to update), as the real callers must.  The state store is
 * used as the server uses it (state_access.c): a lookup is
 * numapg_store_read(), which takes no lock and validates what it copied
 * against the store's seq counter; an update takes the store's own lock
 * (one more LWLock in the mapping), exclusive.
 *
 * Both tables hold the same keys (8 bytes) with the same values
 * (NUMAPG_BENCH_STATE_VALUE bytes), and both are looked up and updated in
 * the same precomputed random key order; a lookup copies the value out, an
 * update copies a new value in.  The two are measured in alternating
 * batches, so that a change of CPU frequency or a noisy neighbour hits
 * both alike.
 *
 * IDENTIFICATION
 *	  bench/numa_pg_bench/bench_state.c
 *
 *-------------------------------------------------------------------------
 */
#include "compat.h"

#include "common/pg_prng.h"
#include "miscadmin.h"
#include "storage/lwlock.h"
#include "utils/hsearch.h"

#include "bench_common.h"
#include "compat_hash.h"
#include "state_store.h"

PG_FUNCTION_INFO_V1(numapg_bench_sql_state);

/* Bytes of each value, in both tables. */
#define NUMAPG_BENCH_STATE_VALUE	64
/* Bounds of the arguments. */
#define MAX_ENTRIES					100000
#define MAX_OPERATIONS				100000000
/* The random key order is this long at most, then repeats. */
#define MAX_ORDER					(1 << 20)

/* A dynahash entry: the key, then the value. */
typedef struct BenchEntry
{
	uint64		key;
	char		value[NUMAPG_BENCH_STATE_VALUE];
} BenchEntry;

/* The workload: keys, and the random order they are used in. */
typedef struct StateWork
{
	int			entries;
	int64		operations;
	uint64	   *keys;
	uint32	   *order;
	int			norder;
} StateWork;

/* Timings of one placement. */
typedef struct StateTimes
{
	double		store_lookup_ns;
	double		hash_lookup_ns;
	double		store_update_ns;
	double		hash_update_ns;
} StateTimes;

/* Slots for entries keys at the same fill as dynahash's buckets, at most 90%. */
static uint32
store_capacity_for(int entries)
{
	uint32		capacity = NUMAPG_STATE_MIN_CAPACITY;

	while (capacity < (uint32) entries)
		capacity *= 2;
	while ((uint64) capacity * 9 / 10 < (uint64) entries)
		capacity *= 2;
	return capacity;
}

/*
 * Time lookups then updates on both tables, in alternating batches.  No
 * lock is held across CHECK_FOR_INTERRUPTS(), so an error leaves none
 * behind in the mapping that the caller then unmaps.
 */
static void
run_ops(const StateWork *w, NumaPgStateStore *store, HTAB *htab,
		LWLockPadded *locks, StateTimes *t)
{
	char		buf[NUMAPG_BENCH_STATE_VALUE];
	char		val[NUMAPG_BENCH_STATE_VALUE];
	char		copy[NUMAPG_STATE_MAX_DATA];
	LWLock	   *store_lock = &locks[NUM_BUFFER_PARTITIONS].lock;
	uint64		sink = 0;
	int64		misses = 0;

	memset(buf, 0, sizeof(buf));
	memset(val, 'u', sizeof(val));
	memset(t, 0, sizeof(*t));
	for (int update = 0; update <= 1; update++)
	{
		for (int64 first = 0; first < w->operations; first += NUMAPG_BENCH_BATCH)
		{
			int64		last = Min(first + NUMAPG_BENCH_BATCH, w->operations);
			uint64		t0,
						t1,
						t2;

			CHECK_FOR_INTERRUPTS();

			/* numa_pg's state store */
			t0 = numapg_bench_now_ns();
			for (int64 i = first; i < last; i++)
			{
				uint64		key = w->keys[w->order[i % w->norder]];

				if (update)
				{
					bool		replaced;

					val[0] = (char) i;
					LWLockAcquire(store_lock, LW_EXCLUSIVE);
					if (numapg_store_put(store, &key, sizeof(key), val,
										 sizeof(val), &replaced) != NUMAPG_STORE_OK ||
						!replaced)
						misses++;
					LWLockRelease(store_lock);
				}
				else
				{
					uint32		len;

					if (numapg_store_read(store, &key, sizeof(key), copy, &len,
										  NUMAPG_STORE_READ_TRIES) != NUMAPG_STORE_OK ||
						len != sizeof(buf))
						misses++;
					else
						sink += (unsigned char) copy[0];
				}
			}
			t1 = numapg_bench_now_ns();

			/* dynahash under its partition lock */
			for (int64 i = first; i < last; i++)
			{
				uint64		key = w->keys[w->order[i % w->norder]];
				uint32		hash = get_hash_value(htab, &key);
				LWLock	   *lock = &locks[hash % NUM_BUFFER_PARTITIONS].lock;
				BenchEntry *e;

				LWLockAcquire(lock, update ? LW_EXCLUSIVE : LW_SHARED);
				e = hash_search_with_hash_value(htab, &key, hash, HASH_FIND, NULL);
				if (e == NULL)
					misses++;
				else if (update)
				{
					val[0] = (char) i;
					memcpy(e->value, val, sizeof(val));
				}
				else
					memcpy(buf, e->value, sizeof(buf));
				LWLockRelease(lock);
				sink += (unsigned char) buf[0];
			}
			t2 = numapg_bench_now_ns();

			if (update)
			{
				t->store_update_ns += t1 - t0;
				t->hash_update_ns += t2 - t1;
			}
			else
			{
				t->store_lookup_ns += t1 - t0;
				t->hash_lookup_ns += t2 - t1;
			}
		}
	}
	if (misses > 0)
		elog(ERROR, "numa_bench_state: %lld operations did not find their key (sink %llu)",
			 (long long) misses, (unsigned long long) sink);
}

/* One placement's tables and results; held in memory so PG_TRY keeps it. */
typedef struct StatePlacement
{
	NumaPgBenchMemory store_mem;
	NumaPgBenchMemory hash_mem;
	NumaPgHashRegion hash_region;
	HTAB	   *htab;
	StateTimes	t;
	const char *note;
	int			bound_node;
} StatePlacement;

/*
 * Build both tables in memory bound to node, fill them with the same
 * entries, and time them.
 */
static void
measure_placement(const StateWork *w, int node, StatePlacement *p)
{
	uint32		capacity = store_capacity_for(w->entries);
	NumaPgStateStore *store;
	HASHCTL		info;
	int			flags = HASH_ELEM | HASH_BLOBS | HASH_PARTITION;
	Size		locks_size = CACHELINEALIGN(sizeof(LWLockPadded) * (NUM_BUFFER_PARTITIONS + 1));
	LWLockPadded *locks;
	char		val[NUMAPG_BENCH_STATE_VALUE];
	int			tranche = numapg_bench_lwlock_tranche();

	/* the state store */
	numapg_bench_map(&p->store_mem, numapg_state_store_size(capacity), node);
	store = (NumaPgStateStore *) p->store_mem.base;
	if (!numapg_state_store_init(store, p->store_mem.size))
		elog(ERROR, "numa_bench_state: could not make a state store of %u slots", capacity);

	/* dynahash, laid out as ShmemInitHash() does */
	memset(&info, 0, sizeof(info));
	info.keysize = sizeof(uint64);
	info.entrysize = sizeof(BenchEntry);
	info.num_partitions = NUM_BUFFER_PARTITIONS;
	numapg_bench_map(&p->hash_mem,
					 locks_size + numapg_shared_hash_size(w->entries, &info, flags),
					 node);
	locks = (LWLockPadded *) p->hash_mem.base;
	for (int i = 0; i <= NUM_BUFFER_PARTITIONS; i++)
		LWLockInitialize(&locks[i].lock, tranche);
	p->hash_region.next = p->hash_mem.base + locks_size;
	p->hash_region.end = p->hash_mem.base + p->hash_mem.size;
	p->htab = numapg_shared_hash_create("numa_pg bench dynahash", w->entries,
										&info, flags, &p->hash_region);

	/* the same entries in both */
	memset(val, 'v', sizeof(val));
	for (int i = 0; i < w->entries; i++)
	{
		uint64		key = w->keys[i];
		uint32		hash = get_hash_value(p->htab, &key);
		BenchEntry *e;
		bool		replaced;

		if (numapg_store_put(store, &key, sizeof(key), val, sizeof(val),
							 &replaced) != NUMAPG_STORE_OK)
			elog(ERROR, "numa_bench_state: the state store refused entry %d", i);
		e = hash_search_with_hash_value(p->htab, &key, hash, HASH_ENTER, NULL);
		memcpy(e->value, val, sizeof(val));
	}

	run_ops(w, store, p->htab, locks, &p->t);

	/* both mappings were bound to the same node, or neither was */
	p->bound_node = Min(p->store_mem.node, p->hash_mem.node);
	if (p->store_mem.note[0])
		p->note = pstrdup(p->store_mem.note);
	else if (p->hash_mem.note[0])
		p->note = pstrdup(p->hash_mem.note);
}

/* Give back what measure_placement() took, however far it got. */
static void
release_placement(StatePlacement *p)
{
	numapg_shared_hash_forget(&p->hash_region);
	/* dynahash's local header (HTAB) is in TopMemoryContext */
	if (p->htab != NULL)
		pfree(p->htab);
	p->htab = NULL;
	numapg_bench_unmap(&p->store_mem);
	numapg_bench_unmap(&p->hash_mem);
}

/* Measure one placement and emit its four rows. */
static void
run_placement(ReturnSetInfo *rsinfo, const StateWork *w, int cpu, int node,
			  const char *placement)
{
	StatePlacement *p = palloc0(sizeof(StatePlacement));
	NumaPgBenchRow row = {0};

	PG_TRY();
	{
		measure_placement(w, node, p);
	}
	PG_FINALLY();
	{
		release_placement(p);
	}
	PG_END_TRY();

	row.placement = placement;
	row.cpu = cpu;
	row.peer_cpu = -1;
	row.memory_node = p->bound_node;
	row.ops = w->operations;
	row.lost = -1;
	row.duplicated = -1;
	row.note = p->note;

	row.benchmark = "state_lookup";
	row.implementation = "state_store";
	row.ns = p->t.store_lookup_ns;
	row.postgres_ns_per_op = p->t.hash_lookup_ns / w->operations;
	numapg_bench_emit(rsinfo, &row);
	row.implementation = "dynahash";
	row.is_postgres = true;
	row.ns = p->t.hash_lookup_ns;
	numapg_bench_emit(rsinfo, &row);

	row.benchmark = "state_update";
	row.implementation = "state_store";
	row.is_postgres = false;
	row.ns = p->t.store_update_ns;
	row.postgres_ns_per_op = p->t.hash_update_ns / w->operations;
	numapg_bench_emit(rsinfo, &row);
	row.implementation = "dynahash";
	row.is_postgres = true;
	row.ns = p->t.hash_update_ns;
	numapg_bench_emit(rsinfo, &row);
}

/*
 * numa_bench_state(entries int, operations int, memory_node int DEFAULT NULL)
 *
 * Lookups and updates of a state store against dynahash under its
 * partition lock, with the calling backend pinned to its current CPU.
 * memory_node NULL: memory on the backend's node ("local") and, if this
 * server may use another node's memory, on the farthest such node
 * ("remote"); otherwise on that node.
 */
Datum
numapg_bench_sql_state(PG_FUNCTION_ARGS)
{
	int32		entries;
	int32		operations;
	NumaPgTopology *topo;
	ReturnSetInfo *rsinfo;
	StateWork	w;
	pg_prng_state prng;
	NumaPgBenchPin pin = {0};
	int			cpu;
	int			local_node;

	numapg_bench_require_superuser("numa_bench_state()");
	entries = numapg_bench_int_arg(fcinfo, 0, "entries", 1, MAX_ENTRIES);
	operations = numapg_bench_int_arg(fcinfo, 1, "operations", 1, MAX_OPERATIONS);
	topo = numapg_bench_topology();
	if (!PG_ARGISNULL(2))
		numapg_bench_check_memory_node(topo, PG_GETARG_INT32(2), "memory_node");

	rsinfo = numapg_bench_begin(fcinfo);

	/* the same keys and the same random order for both tables */
	w.entries = entries;
	w.operations = operations;
	w.keys = palloc(sizeof(uint64) * entries);
	for (int i = 0; i < entries; i++)
		w.keys[i] = (uint64) (i + 1) * UINT64CONST(0x9E3779B97F4A7C15);
	w.norder = Min(operations, MAX_ORDER);
	w.order = palloc(sizeof(uint32) * w.norder);
	pg_prng_seed(&prng, 42);
	for (int i = 0; i < w.norder; i++)
		w.order[i] = (uint32) pg_prng_uint64_range(&prng, 0, entries - 1);

	cpu = numapg_bench_current_cpu(topo);
	local_node = numapg_bench_memory_node_of_cpu(topo, cpu);

	PG_TRY();
	{
		numapg_bench_pin(&pin, cpu);
		if (!PG_ARGISNULL(2))
		{
			int			node = PG_GETARG_INT32(2);

			run_placement(rsinfo, &w, cpu, node,
						  node == local_node ? "local" : "remote");
		}
		else
		{
			int			remote = numapg_bench_remote_memory_node(topo, local_node);

			run_placement(rsinfo, &w, cpu, local_node, "local");
			if (remote >= 0)
				run_placement(rsinfo, &w, cpu, remote, "remote");
		}
	}
	PG_FINALLY();
	{
		numapg_bench_unpin(&pin);
	}
	PG_END_TRY();

	return (Datum) 0;
}
