/*-------------------------------------------------------------------------
 *
 * stress_state_read.c
 *		Stress test of the state store's lock-free read path
 *		(numapg_store_read()): one writer modifying a small store while
 *		readers read it directly, all sharing an anonymous shared mapping,
 *		as a worker and backends share the store; as processes, then as
 *		threads of one process.
 *
 * The store has 32 slots.  Four hot keys are present throughout; the
 * writer updates them over and over, and between updates inserts and
 * deletes twenty filler keys, so that probe chains fill up and the
 * backward shift of every deletion moves entries, hot ones included, while
 * readers walk the chains.  Every 64th change deletes a hot key and puts it
 * back at once (a reader may find it absent then, and only then): it lands
 * behind the fillers that took its place, so the shifts keep moving it.
 * Every value carries its key's number, a sequence number, a length that
 * depends on the sequence number, filler bytes and a CRC-32C of the rest.
 * Before each update the writer publishes the sequence number it is about
 * to write ("started"), and after it the one it wrote ("committed").  Each
 * reader, over and over, reads a hot key, a filler key or a key never
 * stored, and checks:
 *	- every value read is intact: its checksum, length and key number match
 *	  (no torn value, no value of another key);
 *	- a hot key's sequence number is at least the committed one loaded
 *	  before the read (no lost write: an update that had returned is seen),
 *	  at most the started one loaded after it (no value from nowhere), and
 *	  never below what this reader saw before (reads do not go back);
 *	- a hot key is never reported absent but while it is put back, and a
 *	  key never stored never found (a probe chain shifting under the
 *	  reader misleads no one).
 * A read that did not validate within its tries (NUMAPG_STORE_RETRY) is
 * counted: the caller in numa_pg would ask the worker instead.  Output is
 * TAP; the counts go in comments.
 *
 * Usage: stress_state_read [writer-operations [readers [processes|threads|both]]]
 * The default is 2000000 operations (three in four hot updates, one in
 * four a filler insert or delete), 2 readers, both modes.  The threads
 * mode is for ThreadSanitizer, which does not follow memory shared
 * between processes: test_state_read_tsan is this file built with
 * -fsanitize=thread, threads only and 200000 operations by default
 * (STRESS_DEFAULT_OPS, STRESS_DEFAULT_MODE).  Under it state_store.c
 * makes the seqlock's racing copies atomic (see there), so that any race
 * TSan reports, which fails the test (TSan exits with 66), is a real one.
 *
 * IDENTIFICATION
 *	  test/unit/stress_state_read.c
 *
 *-------------------------------------------------------------------------
 */
#define _GNU_SOURCE

#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "crc32c.h"
#include "state_store.h"
#include "tap.h"

#define CAPACITY		32
#define HOT				4
#define FILLERS			20
#define MAX_READERS		8
#define VALUE_HEADER	12		/* uint32 key number, uint64 sequence */
#define VALUE_MIN		(VALUE_HEADER + 4)	/* and a uint32 checksum */

/* The defaults; the ThreadSanitizer build runs fewer, threads only. */
#ifndef STRESS_DEFAULT_OPS
#define STRESS_DEFAULT_OPS	2000000
#endif
#ifndef STRESS_DEFAULT_MODE
#define STRESS_DEFAULT_MODE "both"
#endif

/* What one reader found; in shared memory. */
typedef struct ReaderOutcome
{
	uint64_t	reads;			/* calls of numapg_store_read() */
	uint64_t	hot_hits;		/* validated reads of a hot key */
	uint64_t	filler_hits;
	uint64_t	misses;			/* validated NOT_FOUND (fillers, absent keys) */
	uint64_t	retries;		/* RETRY: would have asked the worker */
	uint64_t	torn;			/* bad checksum, length or key number */
	uint64_t	lost;			/* older than an update that had returned */
	uint64_t	from_nowhere;	/* newer than any update started */
	uint64_t	went_back;		/* older than what this reader saw before */
	uint64_t	false_misses;	/* a hot key reported absent */
	uint64_t	relocation_misses;	/* ... while it was being put back */
	uint64_t	false_hits;		/* a key never stored found */
	uint64_t	concurrent;		/* hot hits whose key changed during the read */
} ReaderOutcome;

/* Shared by the writer, the readers and the parent. */
typedef struct Shared
{
	int			ready;			/* readers that are running */
	int			go;				/* the writer starts */
	int			stop;			/* the writer is done */
	int			writer_failed;	/* a put or delete did not do what it should */
	uint64_t	writer_ops;
	uint64_t	started[HOT];	/* sequence number being written */
	uint64_t	committed[HOT]; /* sequence number written and returned */
	uint64_t	relocating[HOT];	/* odd while a hot key is deleted and
									 * put back */
	ReaderOutcome readers[MAX_READERS];
} Shared;

static Shared *shared;
static NumaPgStateStore *store;

/* xorshift64*: the writer's and readers' choices */
static uint64_t
next_random(uint64_t *state)
{
	uint64_t	x = *state;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	*state = x;
	return x * UINT64_C(2685821657736338717);
}

/* The name of key number k: hot keys 0..HOT-1, then fillers, then absent. */
static uint32_t
key_name(uint32_t k, char *buf)
{
	if (k < HOT)
		return (uint32_t) sprintf(buf, "hot-%u", k);
	if (k < HOT + FILLERS)
		return (uint32_t) sprintf(buf, "filler-%u", k - HOT);
	return (uint32_t) sprintf(buf, "never-stored-%u", k);
}

/* A value's length follows from its sequence number: 16 to 315 bytes. */
static uint32_t
value_length(uint64_t seq)
{
	return VALUE_MIN + (uint32_t) ((seq * 7) % 300);
}

/* Build the value number seq of key k into buf; returns its length. */
static uint32_t
make_value(uint32_t k, uint64_t seq, unsigned char *buf)
{
	uint32_t	len = value_length(seq);
	uint32_t	crc;

	memcpy(buf, &k, 4);
	memcpy(buf + 4, &seq, 8);
	for (uint32_t i = VALUE_HEADER; i < len - 4; i++)
		buf[i] = (unsigned char) (seq + i * 31 + k);
	crc = numapg_crc32c(buf, len - 4);
	memcpy(buf + len - 4, &crc, 4);
	return len;
}

/* Is this a value make_value() built for key k?  Its sequence in *seq. */
static bool
value_intact(uint32_t k, const unsigned char *buf, uint32_t len, uint64_t *seq)
{
	uint32_t	got_k,
				crc;

	if (len < VALUE_MIN)
		return false;
	memcpy(&got_k, buf, 4);
	memcpy(seq, buf + 4, 8);
	memcpy(&crc, buf + len - 4, 4);
	return got_k == k && len == value_length(*seq) &&
		crc == numapg_crc32c(buf, len - 4);
}

/* The writer: hot updates, and filler inserts and deletes between them. */
static void
run_writer(uint64_t ops)
{
	uint64_t	rng = UINT64_C(0x9e3779b97f4a7c15);
	bool		present[FILLERS] = {false};
	uint64_t	filler_seq = 0;
	unsigned char value[NUMAPG_STATE_MAX_DATA];
	char		key[32];

	while (__atomic_load_n(&shared->go, __ATOMIC_ACQUIRE) == 0)
		sched_yield();
	for (uint64_t i = 0; i < ops; i++)
	{
		uint64_t	r = next_random(&rng);
		uint32_t	keylen;

		if (i % 64 == 63)
		{
			/*
			 * Delete a hot key and put it back: it lands behind the
			 * fillers that took its place, so later deletions of those
			 * shift it back under the readers.
			 */
			uint32_t	k = (uint32_t) (r % HOT);
			uint64_t	seq = shared->started[k] + 1;
			uint32_t	len = make_value(k, seq, value);

			keylen = key_name(k, key);
			__atomic_store_n(&shared->relocating[k], shared->relocating[k] + 1, __ATOMIC_RELEASE);
			__atomic_store_n(&shared->started[k], seq, __ATOMIC_RELEASE);
			if (numapg_store_delete(store, key, keylen) != NUMAPG_STORE_OK ||
				numapg_store_put(store, key, keylen, value, len, NULL) != NUMAPG_STORE_OK)
				shared->writer_failed = 1;
			__atomic_store_n(&shared->committed[k], seq, __ATOMIC_RELEASE);
			__atomic_store_n(&shared->relocating[k], shared->relocating[k] + 1, __ATOMIC_RELEASE);
		}
		else if (i % 4 != 3)
		{
			uint32_t	k = (uint32_t) (r % HOT);
			uint64_t	seq = shared->started[k] + 1;
			uint32_t	len = make_value(k, seq, value);

			keylen = key_name(k, key);
			__atomic_store_n(&shared->started[k], seq, __ATOMIC_RELEASE);
			if (numapg_store_put(store, key, keylen, value, len, NULL) != NUMAPG_STORE_OK)
				shared->writer_failed = 1;
			__atomic_store_n(&shared->committed[k], seq, __ATOMIC_RELEASE);
		}
		else
		{
			uint32_t	f = (uint32_t) (r % FILLERS);

			keylen = key_name(HOT + f, key);
			if (present[f])
			{
				if (numapg_store_delete(store, key, keylen) != NUMAPG_STORE_OK)
					shared->writer_failed = 1;
			}
			else
			{
				uint32_t	len = make_value(HOT + f, ++filler_seq, value);

				if (numapg_store_put(store, key, keylen, value, len, NULL) != NUMAPG_STORE_OK)
					shared->writer_failed = 1;
			}
			present[f] = !present[f];
		}
	}
	__atomic_store_n(&shared->writer_ops, ops, __ATOMIC_RELEASE);
}

/* A reader: reads until the writer is done, checking every answer. */
static void
run_reader(int id)
{
	ReaderOutcome *o = &shared->readers[id];
	uint64_t	rng = UINT64_C(0x2545f4914f6cdd1d) * (uint64_t) (id + 1);
	uint64_t	last_seen[HOT] = {0};
	unsigned char value[NUMAPG_STATE_MAX_DATA];
	char		key[32];

	__atomic_add_fetch(&shared->ready, 1, __ATOMIC_ACQ_REL);
	while (__atomic_load_n(&shared->go, __ATOMIC_ACQUIRE) == 0)
		sched_yield();
	while (__atomic_load_n(&shared->stop, __ATOMIC_ACQUIRE) == 0)
	{
		uint64_t	r = next_random(&rng) % 10;
		uint32_t	k,
					keylen,
					vallen = 0;
		uint64_t	committed = 0,
					relocating = 0,
					started,
					seq;
		NumaPgStoreResult result;

		if (r < 7)
			k = (uint32_t) (next_random(&rng) % HOT);
		else if (r < 9)
			k = HOT + (uint32_t) (next_random(&rng) % FILLERS);
		else
			k = HOT + FILLERS + (uint32_t) (next_random(&rng) % 1000);
		keylen = key_name(k, key);
		if (k < HOT)
		{
			relocating = __atomic_load_n(&shared->relocating[k], __ATOMIC_ACQUIRE);
			committed = __atomic_load_n(&shared->committed[k], __ATOMIC_ACQUIRE);
		}
		result = numapg_store_read(store, key, keylen, value, &vallen,
								   NUMAPG_STORE_READ_TRIES);
		o->reads++;
		if (result == NUMAPG_STORE_RETRY)
		{
			o->retries++;
			continue;
		}
		if (result == NUMAPG_STORE_NOT_FOUND)
		{
			if (k < HOT &&
				(relocating & 1) == 0 &&
				__atomic_load_n(&shared->relocating[k], __ATOMIC_ACQUIRE) == relocating)
				o->false_misses++;
			else if (k < HOT)
				o->relocation_misses++;
			else
				o->misses++;
			continue;
		}
		if (k >= HOT + FILLERS)
		{
			o->false_hits++;
			continue;
		}
		if (!value_intact(k, value, vallen, &seq))
		{
			o->torn++;
			continue;
		}
		if (k >= HOT)
		{
			o->filler_hits++;
			continue;
		}
		started = __atomic_load_n(&shared->started[k], __ATOMIC_ACQUIRE);
		o->hot_hits++;
		if (seq < committed)
			o->lost++;
		if (seq > started)
			o->from_nowhere++;
		if (seq < last_seen[k])
			o->went_back++;
		if (started != committed)
			o->concurrent++;
		last_seen[k] = seq;
	}
}

/* Monotonic clock in seconds. */
static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* The writer as a thread; arg points at its operation count. */
static void *
writer_thread(void *arg)
{
	run_writer(*(const uint64_t *) arg);
	return NULL;
}

/* A reader as a thread; arg is its number. */
static void *
reader_thread(void *arg)
{
	run_reader((int) (intptr_t) arg);
	return NULL;
}

/*
 * One run: a fresh store and Shared in anonymous shared mappings, a writer
 * of "ops" changes and nreaders readers, as processes (fork) or as threads
 * of this process (pthreads, for ThreadSanitizer, which does not follow
 * memory shared between processes); then the TAP lines, each named after
 * the mode.
 */
static void
run_stress(const char *mode, uint64_t ops, int nreaders)
{
	bool		threads = strcmp(mode, "threads") == 0;
	size_t		store_bytes = numapg_state_store_size(CAPACITY);
	pid_t		writer = 0,
				readers[MAX_READERS];
	pthread_t	writer_tid,
				reader_tids[MAX_READERS];
	ReaderOutcome total = {0};
	unsigned char value[NUMAPG_STATE_MAX_DATA];
	char		key[32];
	int			status = 0;
	bool		writer_ok;
	double		t0;

	shared = mmap(NULL, sizeof(Shared), PROT_READ | PROT_WRITE,
				  MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	store = mmap(NULL, store_bytes, PROT_READ | PROT_WRITE,
				 MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (shared == MAP_FAILED || store == MAP_FAILED)
	{
		printf("Bail out! mmap failed\n");
		exit(1);
	}
	memset(shared, 0, sizeof(Shared));
	ok(numapg_state_store_init(store, store_bytes), "%s: a store of %d slots in a shared mapping",
	   mode, CAPACITY);
	for (uint32_t k = 0; k < HOT; k++)
	{
		uint32_t	len = make_value(k, 1, value);

		shared->started[k] = shared->committed[k] = 1;
		(void) numapg_store_put(store, key, key_name(k, key), value, len, NULL);
	}

	for (int i = 0; i < nreaders; i++)
	{
		if (threads)
		{
			if (pthread_create(&reader_tids[i], NULL, reader_thread,
							   (void *) (intptr_t) i) != 0)
			{
				/* cannot join what did not start: stop here */
				printf("Bail out! pthread_create failed\n");
				exit(1);
			}
			continue;
		}
		readers[i] = fork();
		if (readers[i] == 0)
		{
			run_reader(i);
			_exit(0);
		}
	}
	if (threads)
	{
		if (pthread_create(&writer_tid, NULL, writer_thread, &ops) != 0)
		{
			printf("Bail out! pthread_create failed\n");
			exit(1);
		}
	}
	else
	{
		writer = fork();
		if (writer == 0)
		{
			run_writer(ops);
			_exit(0);
		}
	}
	while (__atomic_load_n(&shared->ready, __ATOMIC_ACQUIRE) < nreaders)
		sched_yield();
	t0 = now_s();
	__atomic_store_n(&shared->go, 1, __ATOMIC_RELEASE);
	if (threads)
		writer_ok = pthread_join(writer_tid, NULL) == 0;
	else
		writer_ok = waitpid(writer, &status, 0) == writer &&
			WIFEXITED(status) && WEXITSTATUS(status) == 0;
	__atomic_store_n(&shared->stop, 1, __ATOMIC_RELEASE);
	ok(writer_ok && shared->writer_ops == ops && !shared->writer_failed,
	   "%s: the writer made %llu changes (every put and delete as expected) in %.2f s",
	   mode, (unsigned long long) ops, now_s() - t0);
	for (int i = 0; i < nreaders; i++)
	{
		ReaderOutcome *o = &shared->readers[i];

		if (threads)
			ok(pthread_join(reader_tids[i], NULL) == 0, "%s: reader %d finished", mode, i);
		else
		{
			waitpid(readers[i], &status, 0);
			ok(WIFEXITED(status) && WEXITSTATUS(status) == 0, "%s: reader %d exited normally", mode, i);
		}
		printf("# %s: reader %d: %llu reads: %llu hot hits (%llu while their key changed), %llu filler hits, %llu misses, %llu retried out\n",
			   mode, i, (unsigned long long) o->reads, (unsigned long long) o->hot_hits,
			   (unsigned long long) o->concurrent, (unsigned long long) o->filler_hits,
			   (unsigned long long) o->misses, (unsigned long long) o->retries);
		total.reads += o->reads;
		total.hot_hits += o->hot_hits;
		total.filler_hits += o->filler_hits;
		total.misses += o->misses;
		total.retries += o->retries;
		total.torn += o->torn;
		total.lost += o->lost;
		total.from_nowhere += o->from_nowhere;
		total.went_back += o->went_back;
		total.false_misses += o->false_misses;
		total.relocation_misses += o->relocation_misses;
		total.false_hits += o->false_hits;
		total.concurrent += o->concurrent;
	}

	/* the run must have read while the writer wrote, or it proves nothing */
	ok(total.hot_hits >= 10000 && total.filler_hits > 0 && total.misses > 0,
	   "%s: validated reads during the writes: %llu of hot keys, %llu of fillers, %llu misses",
	   mode, (unsigned long long) total.hot_hits, (unsigned long long) total.filler_hits,
	   (unsigned long long) total.misses);
	is_int(total.torn, 0, "%s: no torn value, nor another key's, was ever read", mode);
	is_int(total.lost, 0, "%s: no lost write: every read saw at least the last update that had returned", mode);
	is_int(total.from_nowhere, 0, "%s: no value from nowhere: none newer than the last update started", mode);
	is_int(total.went_back, 0, "%s: no reader saw a key's value go back in time", mode);
	is_int(total.false_misses, 0, "%s: a hot key was never reported absent, though deletions shifted the chains"
		   " (%llu misses while one was deleted and put back, as allowed)",
		   mode, (unsigned long long) total.relocation_misses);
	is_int(total.false_hits, 0, "%s: a key never stored was never found", mode);
	ok(total.retries < total.reads, "%s: some reads validated (%llu of %llu retried out, for the worker to answer)",
	   mode, (unsigned long long) total.retries, (unsigned long long) total.reads);

	/* at rest, every key reads as the owner's lookup says */
	{
		int			mismatches = 0;

		for (uint32_t k = 0; k < HOT + FILLERS + 10; k++)
		{
			uint32_t	keylen = key_name(k, key),
						vallen = 0,
						looklen = 0;
			NumaPgStoreResult r = numapg_store_read(store, key, keylen, value, &vallen, 1);
			const void *v = numapg_store_lookup(store, key, keylen, &looklen);

			if (v == NULL ? r != NUMAPG_STORE_NOT_FOUND :
				r != NUMAPG_STORE_OK || vallen != looklen || memcmp(v, value, vallen) != 0)
				mismatches++;
		}
		is_int(mismatches, 0, "%s: at rest, every direct read answers what the owner's lookup answers", mode);
	}
	munmap(shared, sizeof(Shared));
	munmap(store, store_bytes);
}

int
main(int argc, char **argv)
{
	uint64_t	ops = STRESS_DEFAULT_OPS;
	int			nreaders = 2;
	const char *mode = STRESS_DEFAULT_MODE;

	if (argc > 1)
		ops = strtoull(argv[1], NULL, 10);
	if (argc > 2)
		nreaders = atoi(argv[2]);
	if (argc > 3)
		mode = argv[3];
	if (ops == 0 || nreaders < 1 || nreaders > MAX_READERS ||
		(strcmp(mode, "both") != 0 && strcmp(mode, "threads") != 0 &&
		 strcmp(mode, "processes") != 0))
	{
		fprintf(stderr, "usage: %s [writer-operations [readers [processes|threads|both]]]\n",
				argv[0]);
		return 2;
	}
	setvbuf(stdout, NULL, _IONBF, 0);
	if (strcmp(mode, "threads") != 0)
		run_stress("processes", ops, nreaders);
	if (strcmp(mode, "processes") != 0)
		run_stress("threads", ops, nreaders);
	return done_testing();
}
