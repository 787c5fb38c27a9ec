/*-------------------------------------------------------------------------
 *
 * bench_queue.c
 *		numa_bench_queue(): numa_pg's SPSC ring against shm_mq, between two
 *		pinned processes.
 *
 * The calling backend is the producer; a dynamic background worker
 * (numapg_bench_queue_main) is the consumer, pinned to another CPU: one of
 * the producer's node ("local"), or of another node ("remote").  They
 * share a DSM segment, placed on the producer's node, that holds one of
 * our SPSC rings and a shm_mq of the same size in bytes.  The producer
 * sends N messages through the ring, then N through shm_mq (shm_mq_send /
 * shm_mq_receive, nowait = false, as PostgreSQL's parallel query uses
 * it).  Each message carries its sequence number (and, from 16 bytes, its
 * complement in the last 8 bytes); the consumer checks every one and
 * counts the lost, duplicated and torn ones.  A run is timed from the
 * producer's first send to the consumer's last receive, both read on
 * CLOCK_MONOTONIC, which all processes share.
 *
 * Waiting: the SPSC consumer polls the ring (with the CPU's pause
 * instruction between polls), as a pinned consumer of a busy queue does;
 * shm_mq sleeps on latches when its ring is empty or full, which is how
 * it is built.  The producer spins when the ring is full.
 *
 * Failure: neither side waits forever.  The producer gives the worker's
 * handle to shm_mq and checks the worker's status whenever it waits, so a
 * consumer that dies makes it fail at once; every wait gives up after
 * QUEUE_TIMEOUT_S seconds without progress, with an error.  When the
 * backend fails or is cancelled, PG_FINALLY raises the abort flag in the
 * segment and terminates the worker (SIGTERM), which then exits; a
 * backend that is itself terminated leaves the shm_mq as it exits, which
 * the consumer notices.
 *
 * IDENTIFICATION
 *	  bench/numa_pg_bench/bench_queue.c
 *
 *-------------------------------------------------------------------------
 */
#include "compat.h"

#include <sched.h>

#include "miscadmin.h"
#include "pgstat.h"
#include "storage/ipc.h"
#include "port/atomics.h"
#include "postmaster/bgworker.h"
#include "storage/dsm.h"
#include "storage/proc.h"
#include "storage/shm_mq.h"
#include "tcop/tcopprot.h"
#include "utils/resowner.h"

#include "bench_common.h"
#include "spsc.h"

PG_FUNCTION_INFO_V1(numapg_bench_sql_queue);
PGDLLEXPORT void numapg_bench_queue_main(Datum main_arg);

#define MAX_MESSAGES		10000000
#define MIN_MESSAGE_SIZE	8		/* the sequence number */
#define MAX_MESSAGE_SIZE	8192
/* Bytes of the SPSC ring's slots, and of the shm_mq, roughly. */
#define QUEUE_BYTES			65536
/* A wait without progress that long is an error. */
#define QUEUE_TIMEOUT_S		60
/* Polls between two checks of interrupts, the peer and the clock. */
#define POLLS_PER_CHECK		4096

/* Where the consumer is; it only moves forward. */
#define PHASE_STARTING		0
#define PHASE_READY			1	/* attached, pinned, shm_mq receiver set */
#define PHASE_SPSC_DONE		2
#define PHASE_MQ_DONE		3
#define PHASE_FAILED		4	/* error[] says why */

/* What one run measures, per queue. */
typedef struct QueueCounts
{
	uint64		received;
	uint64		lost;
	uint64		duplicated;
	uint64		torn;			/* wrong length or contents */
	uint64		done_ns;		/* CLOCK_MONOTONIC at the last receive */
} QueueCounts;

/* The head of the DSM segment; the ring and the shm_mq follow. */
typedef struct BenchQueueShared
{
	/* set by the producer before the consumer starts */
	int64		messages;
	uint32		message_size;
	int			consumer_cpu;
	Oid			database;		/* the consumer connects to it, to be seen */
	Size		ring_offset;
	Size		mq_offset;
	/* producer -> consumer */
	pg_atomic_uint32 abort;
	pg_atomic_uint64 spsc_sent; /* messages pushed, once all are */
	/* consumer -> producer */
	pg_atomic_uint32 phase;
	bool		consumer_pinned;
	QueueCounts spsc;
	QueueCounts mq;
	char		error[256];
} BenchQueueShared;

/* Fill a message with its sequence number and, room allowing, its complement. */
static inline void
make_message(char *msg, uint32 size, uint64 seq)
{
	memcpy(msg, &seq, sizeof(seq));
	if (size >= 2 * sizeof(uint64))
	{
		uint64		check = ~seq;

		memcpy(msg + size - sizeof(check), &check, sizeof(check));
	}
}

/*
 * Consumer: account for one received message.  *next is the sequence
 * number expected next.
 */
static inline void
check_message(QueueCounts *c, const char *msg, Size len, uint32 size,
			  uint64 *next)
{
	uint64		seq;

	c->received++;
	if (len != size)
	{
		c->torn++;
		return;
	}
	memcpy(&seq, msg, sizeof(seq));
	if (size >= 2 * sizeof(uint64))
	{
		uint64		check;

		memcpy(&check, msg + size - sizeof(check), sizeof(check));
		if (check != ~seq)
		{
			c->torn++;
			return;
		}
	}
	if (seq == *next)
		(*next)++;
	else if (seq > *next)
	{
		c->lost += seq - *next;
		*next = seq + 1;
	}
	else
		c->duplicated++;
}

/* Consumer: give up with an error the producer can read. */
static void
consumer_fail(BenchQueueShared *sh, const char *why)
{
	strlcpy(sh->error, why, sizeof(sh->error));
	pg_write_barrier();
	pg_atomic_write_u32(&sh->phase, PHASE_FAILED);
	ereport(ERROR,
			(errcode(ERRCODE_SYSTEM_ERROR),
			 errmsg("numa_pg benchmark consumer: %s", why)));
}

/*
 * Consumer: has the producer gone?  It raises the abort flag when it fails
 * or is cancelled; a backend that is terminated exits without doing so,
 * but its exit detaches it from the shm_mq, which a receive that does not
 * wait reports (the shm_mq is empty during the ring's run).
 */
static bool
producer_gone(BenchQueueShared *sh, shm_mq_handle *mqh)
{
	Size		len;
	void	   *data;

	return pg_atomic_read_u32(&sh->abort) != 0 ||
		shm_mq_receive(mqh, &len, &data, true) == SHM_MQ_DETACHED;
}

/* Consumer: take every message from the SPSC ring. */
static void
consume_spsc(BenchQueueShared *sh, NumaPgSpscRing *ring, shm_mq_handle *mqh)
{
	char	   *buf = palloc(MAX_MESSAGE_SIZE);
	uint64		next = 0;
	uint64		polls = 0;
	uint64		idle_since = numapg_bench_now_ns();
	QueueCounts c = {0};

	while (next < (uint64) sh->messages)
	{
		uint32		len;

		if (numapg_spsc_pop(ring, buf, MAX_MESSAGE_SIZE, &len))
		{
			check_message(&c, buf, len, sh->message_size, &next);
			polls = 0;
			continue;
		}
		pg_spin_delay();
		if (++polls % POLLS_PER_CHECK != 0)
			continue;
		if (polls == POLLS_PER_CHECK)
			idle_since = numapg_bench_now_ns();
		CHECK_FOR_INTERRUPTS();
		if (producer_gone(sh, mqh))
			proc_exit(0);
		/* all sent and the ring still empty: the rest was lost */
		if (pg_atomic_read_u64(&sh->spsc_sent) == (uint64) sh->messages)
		{
			pg_read_barrier();
			if (numapg_spsc_depth(ring) == 0)
			{
				c.lost += sh->messages - next;
				break;
			}
		}
		if (numapg_bench_now_ns() - idle_since > UINT64CONST(1000000000) * QUEUE_TIMEOUT_S)
			consumer_fail(sh, "no message came through the SPSC ring for 60 seconds");
	}
	c.done_ns = numapg_bench_now_ns();
	sh->spsc = c;
	pfree(buf);
}

/* Consumer: take every message from the shm_mq. */
static void
consume_mq(BenchQueueShared *sh, shm_mq_handle *mqh)
{
	uint64		next = 0;
	QueueCounts c = {0};

	while (next < (uint64) sh->messages)
	{
		Size		len;
		void	   *data;

		if (shm_mq_receive(mqh, &len, &data, false) != SHM_MQ_SUCCESS)
		{
			c.lost += sh->messages - next;
			break;
		}
		check_message(&c, data, len, sh->message_size, &next);
	}
	c.done_ns = numapg_bench_now_ns();
	sh->mq = c;
}

/*
 * Entry point of the consumer, a dynamic background worker; main_arg is
 * the DSM segment's handle.
 */
void
numapg_bench_queue_main(Datum main_arg)
{
	dsm_segment *seg;
	BenchQueueShared *sh;
	shm_mq_handle *mqh;
	cpu_set_t  *set;
	size_t		setsize = CPU_ALLOC_SIZE(NUMAPG_MAX_CPUS);

	pqsignal(SIGTERM, die);
	BackgroundWorkerUnblockSignals();
	CurrentResourceOwner = ResourceOwnerCreate(NULL, "numa_pg benchmark consumer");

	seg = dsm_attach(DatumGetUInt32(main_arg));
	if (seg == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("numa_pg benchmark consumer: the benchmark's shared memory is gone")));
	sh = dsm_segment_address(seg);

	set = CPU_ALLOC(NUMAPG_MAX_CPUS);
	if (set != NULL)
	{
		CPU_ZERO_S(setsize, set);
		CPU_SET_S(sh->consumer_cpu, setsize, set);
		sh->consumer_pinned = sched_setaffinity(0, setsize, set) == 0;
		CPU_FREE(set);
	}

	/* connected, it shows in pg_stat_activity like any other process */
	BackgroundWorkerInitializeConnectionByOid(sh->database, InvalidOid, 0);

	shm_mq_set_receiver((shm_mq *) ((char *) sh + sh->mq_offset), MyProc);
	mqh = shm_mq_attach((shm_mq *) ((char *) sh + sh->mq_offset), seg, NULL);
	pg_write_barrier();
	pg_atomic_write_u32(&sh->phase, PHASE_READY);

	consume_spsc(sh, (NumaPgSpscRing *) ((char *) sh + sh->ring_offset), mqh);
	pg_write_barrier();
	pg_atomic_write_u32(&sh->phase, PHASE_SPSC_DONE);

	consume_mq(sh, mqh);
	pg_write_barrier();
	pg_atomic_write_u32(&sh->phase, PHASE_MQ_DONE);

	dsm_detach(seg);
	proc_exit(0);
}

/*
 * Producer: raise an error if the consumer failed, exited, or made no
 * progress since idle_since; otherwise return.
 */
static void
check_consumer(BenchQueueShared *sh, BackgroundWorkerHandle *handle,
			   uint32 want_phase, uint64 idle_since)
{
	pid_t		pid;
	BgwHandleStatus status;

	CHECK_FOR_INTERRUPTS();
	status = GetBackgroundWorkerPid(handle, &pid);
	if (pg_atomic_read_u32(&sh->phase) == PHASE_FAILED)
	{
		pg_read_barrier();
		ereport(ERROR,
				(errcode(ERRCODE_SYSTEM_ERROR),
				 errmsg("the benchmark's consumer process failed"),
				 errdetail("%s.", sh->error)));
	}
	if (pg_atomic_read_u32(&sh->phase) >= want_phase)
		return;
	if (status != BGWH_STARTED && status != BGWH_NOT_YET_STARTED)
		ereport(ERROR,
				(errcode(ERRCODE_SYSTEM_ERROR),
				 errmsg("the benchmark's consumer process exited before it was done"),
				 errhint("The server log may say why.")));
	if (numapg_bench_now_ns() - idle_since > UINT64CONST(1000000000) * QUEUE_TIMEOUT_S)
		ereport(ERROR,
				(errcode(ERRCODE_QUERY_CANCELED),
				 errmsg("the benchmark's consumer made no progress for %d seconds", QUEUE_TIMEOUT_S),
				 errhint("The machine may be overloaded; try fewer messages.")));
}

/* Producer: wait, polling, for the consumer to reach a phase. */
static void
wait_for_phase(BenchQueueShared *sh, BackgroundWorkerHandle *handle,
			   uint32 phase)
{
	uint64		since = numapg_bench_now_ns();
	uint64		polls = 0;

	while (pg_atomic_read_u32(&sh->phase) < phase)
	{
		pg_spin_delay();
		if (++polls % POLLS_PER_CHECK == 0)
			check_consumer(sh, handle, phase, since);
	}
	check_consumer(sh, handle, phase, since);
	pg_read_barrier();
}

/* Producer: push every message into the SPSC ring. */
static void
produce_spsc(BenchQueueShared *sh, NumaPgSpscRing *ring,
			 BackgroundWorkerHandle *handle, char *msg)
{
	for (int64 i = 0; i < sh->messages; i++)
	{
		make_message(msg, sh->message_size, (uint64) i);
		if (!numapg_spsc_push(ring, msg, sh->message_size))
		{
			uint64		since = numapg_bench_now_ns();
			uint64		polls = 0;

			do
			{
				pg_spin_delay();
				if (++polls % POLLS_PER_CHECK == 0)
					check_consumer(sh, handle, PHASE_SPSC_DONE, since);
			} while (!numapg_spsc_push(ring, msg, sh->message_size));
		}
		if (i % NUMAPG_BENCH_BATCH == 0)
			CHECK_FOR_INTERRUPTS();
	}
	pg_atomic_write_u64(&sh->spsc_sent, (uint64) sh->messages);
}

/* Producer: send every message through the shm_mq. */
static void
produce_mq(BenchQueueShared *sh, shm_mq_handle *mqh, char *msg)
{
	for (int64 i = 0; i < sh->messages; i++)
	{
		make_message(msg, sh->message_size, (uint64) i);
		/* flush the last one: the others go as the ring fills */
		if (shm_mq_send(mqh, sh->message_size, msg, false,
						i == sh->messages - 1) != SHM_MQ_SUCCESS)
			ereport(ERROR,
					(errcode(ERRCODE_SYSTEM_ERROR),
					 errmsg("the benchmark's consumer process detached from its shm_mq"),
					 errhint("The server log may say why.")));
		if (i % NUMAPG_BENCH_BATCH == 0)
			CHECK_FOR_INTERRUPTS();
	}
}

/*
 * Start the consumer worker on the segment; an error with a hint if no
 * slot is free.  *out is set as soon as the worker is registered, so that
 * the caller's PG_FINALLY can terminate it even if waiting for its start
 * is interrupted.
 */
static void
start_consumer(dsm_segment *seg, BackgroundWorkerHandle *volatile *out)
{
	BackgroundWorker worker;
	BackgroundWorkerHandle *handle;
	pid_t		pid;

	memset(&worker, 0, sizeof(worker));
	worker.bgw_flags = BGWORKER_SHMEM_ACCESS | BGWORKER_BACKEND_DATABASE_CONNECTION;
	worker.bgw_start_time = BgWorkerStart_ConsistentState;
	worker.bgw_restart_time = BGW_NEVER_RESTART;
	strlcpy(worker.bgw_library_name, "numa_pg_bench", BGW_MAXLEN);
	strlcpy(worker.bgw_function_name, "numapg_bench_queue_main", BGW_MAXLEN);
	strlcpy(worker.bgw_name, "numa_pg benchmark consumer", BGW_MAXLEN);
	strlcpy(worker.bgw_type, "numa_pg benchmark consumer", BGW_MAXLEN);
	worker.bgw_main_arg = UInt32GetDatum(dsm_segment_handle(seg));
	worker.bgw_notify_pid = MyProcPid;

	if (!RegisterDynamicBackgroundWorker(&worker, &handle))
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_RESOURCES),
				 errmsg("could not start the benchmark's consumer process"),
				 errdetail("Every background worker slot is taken (max_worker_processes = %d).",
						   max_worker_processes),
				 errhint("Raise max_worker_processes (it takes a restart), or run the benchmark when fewer background workers run.")));
	*out = handle;
	if (WaitForBackgroundWorkerStartup(handle, &pid) != BGWH_STARTED)
		ereport(ERROR,
				(errcode(ERRCODE_SYSTEM_ERROR),
				 errmsg("the benchmark's consumer process did not start"),
				 errhint("The server log may say why.")));
}

/*
 * One run: the producer on its (pinned) CPU, a consumer on consumer_cpu,
 * the segment on memory_node.  Emits two rows.
 */
static void
run_queue(ReturnSetInfo *rsinfo, int64 messages, uint32 message_size,
		  int producer_cpu, int consumer_cpu, int memory_node,
		  const char *placement)
{
	uint32		slot_size = Max(16, TYPEALIGN(8, message_size + NUMAPG_SPSC_SLOT_HEADER));
	uint32		capacity = 2;
	volatile uint32 slots;
	Size		ring_size;
	Size		total;
	dsm_segment *seg;
	BenchQueueShared *sh;
	BackgroundWorkerHandle *volatile handle = NULL;
	volatile bool finished = false;
	NumaPgBenchMemory mem = {0};
	QueueCounts spsc;
	QueueCounts mq;
	volatile uint64 spsc_start = 0;
	volatile uint64 mq_start = 0;
	volatile bool consumer_pinned = false;

	while ((Size) capacity * 2 * slot_size <= QUEUE_BYTES)
		capacity *= 2;
	slots = capacity;
	ring_size = numapg_spsc_size(capacity, slot_size);
	total = CACHELINEALIGN(sizeof(BenchQueueShared)) + CACHELINEALIGN(ring_size) + ring_size;

	seg = dsm_create(total, 0);
	sh = dsm_segment_address(seg);

	PG_TRY();
	{
		shm_mq	   *mqueue;
		shm_mq_handle *mqh;
		NumaPgSpscRing *ring;
		char	   *msg = palloc0(message_size);

		/* the whole segment on the producer's node, then the contents */
		numapg_bench_place(&mem, (char *) sh, total, memory_node);
		memset(sh, 0, sizeof(BenchQueueShared));
		sh->messages = messages;
		sh->message_size = message_size;
		sh->consumer_cpu = consumer_cpu;
		sh->database = MyDatabaseId;
		sh->ring_offset = CACHELINEALIGN(sizeof(BenchQueueShared));
		sh->mq_offset = sh->ring_offset + CACHELINEALIGN(ring_size);
		pg_atomic_init_u32(&sh->abort, 0);
		pg_atomic_init_u64(&sh->spsc_sent, 0);
		pg_atomic_init_u32(&sh->phase, PHASE_STARTING);
		ring = (NumaPgSpscRing *) ((char *) sh + sh->ring_offset);
		if (!numapg_spsc_init(ring, slots, slot_size))
			elog(ERROR, "numa_bench_queue: could not set up a ring of %u slots of %u bytes",
				 slots, slot_size);
		mqueue = shm_mq_create((char *) sh + sh->mq_offset, ring_size);
		shm_mq_set_sender(mqueue, MyProc);

		start_consumer(seg, &handle);
		mqh = shm_mq_attach(mqueue, seg, handle);
		wait_for_phase(sh, handle, PHASE_READY);
		consumer_pinned = sh->consumer_pinned;

		spsc_start = numapg_bench_now_ns();
		produce_spsc(sh, ring, handle, msg);
		wait_for_phase(sh, handle, PHASE_SPSC_DONE);
		spsc = sh->spsc;

		mq_start = numapg_bench_now_ns();
		produce_mq(sh, mqh, msg);
		wait_for_phase(sh, handle, PHASE_MQ_DONE);
		mq = sh->mq;

		finished = true;
		(void) WaitForBackgroundWorkerShutdown(handle);
	}
	PG_FINALLY();
	{
		/* on error or cancel: tell the consumer to go, and make it */
		if (!finished)
		{
			pg_atomic_write_u32(&sh->abort, 1);
			if (handle != NULL)
				TerminateBackgroundWorker(handle);
		}
		dsm_detach(seg);
	}
	PG_END_TRY();

	{
		const char *pin_note = consumer_pinned ? "" : "consumer not pinned; ";
		NumaPgBenchRow row = {
			.benchmark = "queue",
			.placement = placement,
			.cpu = producer_cpu,
			.peer_cpu = consumer_cpu,
			.memory_node = mem.node,
			.ops = messages,
		};

		row.implementation = "spsc_ring";
		row.is_postgres = false;
		row.ns = (double) (spsc.done_ns - spsc_start);
		row.postgres_ns_per_op = (double) (mq.done_ns - mq_start) / messages;
		row.lost = spsc.lost + spsc.torn;
		row.duplicated = spsc.duplicated;
		row.note = psprintf("%s%s%s%u slots of %u bytes", pin_note, mem.note,
							mem.note[0] ? "; " : "", slots, slot_size);
		numapg_bench_emit(rsinfo, &row);

		row.implementation = "shm_mq";
		row.is_postgres = true;
		row.ns = (double) (mq.done_ns - mq_start);
		row.lost = mq.lost + mq.torn;
		row.duplicated = mq.duplicated;
		row.note = psprintf("%s%s%s%zu bytes", pin_note, mem.note,
							mem.note[0] ? "; " : "", ring_size);
		numapg_bench_emit(rsinfo, &row);
	}
}

/* An allowed CPU of node other than not_cpu; -1 if none. */
static int
other_cpu_on_node(const NumaPgTopology *topo, int node, int not_cpu)
{
	int			i = numapg_topology_index_of_node(topo, node);

	if (i < 0)
		return -1;
	for (int c = numapg_mask_next(&topo->nodes[i].cpus, -1); c >= 0;
		 c = numapg_mask_next(&topo->nodes[i].cpus, c))
		if (c != not_cpu && numapg_mask_test(&topo->cpus_allowed, c))
			return c;
	return -1;
}

/*
 * numa_bench_queue(messages int, message_size int DEFAULT 8,
 *					consumer_cpu int DEFAULT NULL)
 *
 * Messages per second through numa_pg's SPSC ring and through shm_mq
 * between the calling backend and a consumer worker.  consumer_cpu NULL:
 * a run with the consumer on another CPU of the producer's node ("local")
 * and, if another node has a CPU this server may use, one with it there
 * ("remote").
 */
Datum
numapg_bench_sql_queue(PG_FUNCTION_ARGS)
{
	int32		messages;
	int32		message_size;
	NumaPgTopology *topo;
	ReturnSetInfo *rsinfo;
	NumaPgBenchPin pin = {0};
	int			producer;
	volatile int local_consumer = -1;
	volatile int remote_consumer = -1;

	numapg_bench_require_superuser("numa_bench_queue()");
	messages = numapg_bench_int_arg(fcinfo, 0, "messages", 1, MAX_MESSAGES);
	message_size = numapg_bench_int_arg(fcinfo, 1, "message_size",
										MIN_MESSAGE_SIZE, MAX_MESSAGE_SIZE);
	topo = numapg_bench_topology();
	if (numapg_mask_count(&topo->cpus_allowed) < 2)
	{
		char		cpus[64];

		numapg_format_list(&topo->cpus_allowed, cpus, sizeof(cpus));
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("numa_bench_queue() needs two CPUs"),
				 errdetail("This server may run on CPU %s only; a producer and a consumer pinned to one CPU would measure the scheduler.", cpus),
				 errhint("Run it on a server that may use two CPUs or more (see its cpuset and CPU affinity).")));
	}
	producer = numapg_bench_current_cpu(topo);

	if (!PG_ARGISNULL(2))
	{
		int32		cpu = PG_GETARG_INT32(2);

		if (cpu < 0 || cpu >= NUMAPG_MAX_CPUS ||
			!numapg_mask_test(&topo->cpus_allowed, cpu))
		{
			char		cpus[256];

			numapg_format_list(&topo->cpus_allowed, cpus, sizeof(cpus));
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("consumer_cpu %d is not a CPU this server may run on", cpu),
					 errdetail("consumer_cpu must be one of the CPUs %s.", cpus),
					 errhint("Pass NULL to let numa_bench_queue() choose.")));
		}
		if (cpu == producer)
		{
			/* the producer moves: preferably to the same node */
			producer = other_cpu_on_node(topo, numapg_topology_node_of_cpu(topo, cpu), cpu);
			for (int c = numapg_mask_next(&topo->cpus_allowed, -1);
				 producer < 0 && c >= 0; c = numapg_mask_next(&topo->cpus_allowed, c))
				if (c != cpu)
					producer = c;
		}
		if (numapg_topology_node_of_cpu(topo, cpu) == numapg_topology_node_of_cpu(topo, producer))
			local_consumer = cpu;
		else
			remote_consumer = cpu;
	}
	else
	{
		int			node = numapg_topology_node_of_cpu(topo, producer);
		int			from;
		int			far = -1;
		int			far_index = -1;

		local_consumer = other_cpu_on_node(topo, node, producer);
		if (local_consumer < 0)
		{
			/* the producer's node has one CPU: move to a node with two */
			for (int i = 0; i < topo->node_count && local_consumer < 0; i++)
			{
				int			first = other_cpu_on_node(topo, topo->nodes[i].id, -1);

				if (first >= 0 &&
					other_cpu_on_node(topo, topo->nodes[i].id, first) >= 0)
				{
					producer = first;
					node = topo->nodes[i].id;
					local_consumer = other_cpu_on_node(topo, node, first);
				}
			}
		}
		/* the remote consumer: on the farthest node with a CPU we may use */
		from = numapg_topology_index_of_node(topo, node);
		for (int i = 0; i < topo->node_count && from >= 0; i++)
		{
			int			cpu = other_cpu_on_node(topo, topo->nodes[i].id, -1);

			if (i == from || cpu < 0)
				continue;
			if (far < 0 ||
				topo->nodes[from].distances[i] > topo->nodes[from].distances[far_index])
			{
				far = cpu;
				far_index = i;
			}
		}
		remote_consumer = far;
	}

	rsinfo = numapg_bench_begin(fcinfo);
	PG_TRY();
	{
		int			memory_node = numapg_bench_memory_node_of_cpu(topo, producer);

		numapg_bench_pin(&pin, producer);
		if (local_consumer >= 0)
			run_queue(rsinfo, messages, message_size, producer, local_consumer,
					  memory_node, "local");
		if (remote_consumer >= 0)
			run_queue(rsinfo, messages, message_size, producer, remote_consumer,
					  memory_node, "remote");
	}
	PG_FINALLY();
	{
		numapg_bench_unpin(&pin);
	}
	PG_END_TRY();

	return (Datum) 0;
}
