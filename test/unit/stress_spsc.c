/*-------------------------------------------------------------------------
 *
 * stress_spsc.c
 *		Stress test of the single-producer/single-consumer ring: a producer
 *		and a consumer running at once, as two processes sharing an
 *		anonymous shared mapping, then as two threads of one process.
 *
 * The producer sends messages 0 .. N-1 of varied lengths; each carries its
 * sequence number and a checksum of the rest.  The consumer checks that
 * every message arrives once, in order, with the expected length and an
 * intact checksum (none lost, duplicated, reordered or torn).  Each side
 * is pinned to its own CPU when there are two or more, and yields the CPU
 * while the ring is full or empty.  Every mode runs three times: with a
 * ring of 1024 slots; with a ring of 2 slots, where nearly every operation
 * meets a full or empty ring; and with bare 8-byte messages (sequence
 * number only), whose figures are closest to the cost of the ring itself,
 * since building and checking a checksummed message costs about as much
 * as passing it.  In thread mode a third thread reads the depth and the
 * counters meanwhile, as a report would.  Output is TAP; throughput goes
 * in comments.
 *
 * Usage: stress_spsc [messages [processes|threads|both]]
 * The default is 5000000 messages, both modes.  Under ThreadSanitizer run
 * the thread mode with fewer messages, e.g. "stress_spsc 200000 threads"
 * (TSan does not follow memory shared between processes).
 *
 * IDENTIFICATION
 *	  test/unit/stress_spsc.c
 *
 *-------------------------------------------------------------------------
 */
#define _GNU_SOURCE

#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "spsc.h"
#include "tap.h"

#define SLOT_SIZE		128
#define MSG_HEADER		12		/* uint64 sequence, uint32 checksum */
#define MAX_PAYLOAD		(SLOT_SIZE - NUMAPG_SPSC_SLOT_HEADER - MSG_HEADER)

/* A side that sees no progress for this long gives up (the other died). */
#define STALL_NS		(INT64_C(20) * 1000 * 1000 * 1000)

/* What the consumer found; in shared memory in process mode. */
typedef struct Outcome
{
	uint64_t	received;		/* messages popped */
	uint64_t	out_of_order;	/* sequence number not the one expected */
	uint64_t	torn;			/* wrong length or checksum */
	uint64_t	first_bad;		/* sequence number of the first error */
	uint64_t	first_expected; /* ... and what was expected there */
	int			consumer_stalled;
	int			producer_stalled;
	int64_t		start_ns;		/* producer's first push */
	int64_t		end_ns;			/* consumer's last pop */
} Outcome;

/* What a producer or consumer thread needs. */
typedef struct Side
{
	NumaPgSpscRing *ring;
	uint64_t	n;
	int			cpu;
	bool		bare;			/* 8-byte messages, no checksum: ring cost */
	Outcome    *outcome;
} Side;

/* What the monitoring thread found. */
typedef struct Monitor
{
	NumaPgSpscRing *ring;
	volatile int *stop;
	uint64_t	samples;
	uint64_t	bad;			/* depth > capacity, or counters went back */
} Monitor;

static int64_t
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t) ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* splitmix64: a cheap, well-mixed function of the sequence number */
static uint64_t
mix(uint64_t x)
{
	x += UINT64_C(0x9E3779B97F4A7C15);
	x = (x ^ (x >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
	x = (x ^ (x >> 27)) * UINT64_C(0x94D049BB133111EB);
	return x ^ (x >> 31);
}

/* Payload bytes of message seq: 0 .. MAX_PAYLOAD, varying. */
static uint32_t
payload_len(uint64_t seq)
{
	return (uint32_t) (mix(seq) % (MAX_PAYLOAD + 1));
}

/* FNV-1a over the sequence number and the payload */
static uint32_t
checksum(uint64_t seq, const unsigned char *payload, uint32_t len)
{
	uint32_t	h = 2166136261u;

	for (int i = 0; i < 8; i++)
		h = (h ^ (unsigned char) (seq >> (8 * i))) * 16777619u;
	for (uint32_t i = 0; i < len; i++)
		h = (h ^ payload[i]) * 16777619u;
	return h;
}

/* Build message seq in buf; returns its length. */
static uint32_t
build(unsigned char *buf, uint64_t seq)
{
	uint32_t	len = payload_len(seq);
	uint64_t	word = mix(seq ^ UINT64_C(0xABCDEF));
	uint32_t	sum;

	for (uint32_t i = 0; i < len; i++)
	{
		if (i % 8 == 0)
			word = mix(word);
		buf[MSG_HEADER + i] = (unsigned char) (word >> (8 * (i % 8)));
	}
	sum = checksum(seq, buf + MSG_HEADER, len);
	memcpy(buf, &seq, sizeof(seq));
	memcpy(buf + 8, &sum, sizeof(sum));
	return MSG_HEADER + len;
}

/* Pin the calling thread (or process) to one CPU; cpu < 0: leave it. */
static void
pin_to(int cpu)
{
	cpu_set_t	set;

	if (cpu < 0)
		return;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	if (sched_setaffinity(0, sizeof(set), &set) != 0)
		printf("# could not pin to CPU %d: %s\n", cpu, strerror(errno));
}

/* Push messages 0 .. n-1, yielding while the ring is full. */
static void
produce(const Side *side)
{
	unsigned char buf[MSG_HEADER + MAX_PAYLOAD];
	int64_t		stalled_since = 0;

	pin_to(side->cpu);
	side->outcome->start_ns = now_ns();
	for (uint64_t seq = 0; seq < side->n; seq++)
	{
		uint32_t	len;
		uint32_t	tries = 0;

		if (side->bare)
		{
			memcpy(buf, &seq, sizeof(seq));
			len = sizeof(seq);
		}
		else
			len = build(buf, seq);

		while (!numapg_spsc_push(side->ring, buf, len))
		{
			if (++tries % 1024 == 0)
			{
				int64_t		t = now_ns();

				if (stalled_since == 0)
					stalled_since = t;
				else if (t - stalled_since > STALL_NS)
				{
					side->outcome->producer_stalled = 1;
					return;
				}
			}
			sched_yield();
		}
		stalled_since = 0;
	}
}

/* Pop until message n-1 arrives, checking each one. */
static void
consume(const Side *side)
{
	unsigned char buf[MSG_HEADER + MAX_PAYLOAD];
	Outcome    *out = side->outcome;
	uint64_t	expected = 0;
	int64_t		stalled_since = 0;
	uint32_t	tries = 0;

	pin_to(side->cpu);
	while (expected < side->n)
	{
		uint32_t	len;
		uint64_t	seq;
		uint32_t	sum;
		bool		bad;

		if (!numapg_spsc_pop(side->ring, buf, sizeof(buf), &len))
		{
			if (len > sizeof(buf))
			{
				/* a length no message of ours has: count it and stop */
				out->torn++;
				break;
			}
			if (++tries % 1024 == 0)
			{
				int64_t		t = now_ns();

				if (stalled_since == 0)
					stalled_since = t;
				else if (t - stalled_since > STALL_NS)
				{
					out->consumer_stalled = 1;
					break;
				}
			}
			sched_yield();
			continue;
		}
		stalled_since = 0;
		out->received++;
		if (len < (side->bare ? sizeof(seq) : MSG_HEADER))
		{
			out->torn++;
			continue;
		}
		memcpy(&seq, buf, sizeof(seq));
		bad = false;
		if (seq != expected)
		{
			out->out_of_order++;
			bad = true;
		}
		if (side->bare)
		{
			if (len != sizeof(seq))
			{
				out->torn++;
				bad = true;
			}
		}
		else
		{
			memcpy(&sum, buf + 8, sizeof(sum));
			if (len != MSG_HEADER + payload_len(seq) ||
				sum != checksum(seq, buf + MSG_HEADER, len - MSG_HEADER))
			{
				out->torn++;
				bad = true;
			}
		}
		if (bad && out->out_of_order + out->torn == 1)
		{
			out->first_bad = seq;
			out->first_expected = expected;
		}
		/* resynchronise on what arrived, so one error is counted once */
		expected = seq + 1;
	}
	out->end_ns = now_ns();
}

static void *
producer_thread(void *arg)
{
	produce((const Side *) arg);
	return NULL;
}

static void *
consumer_thread(void *arg)
{
	consume((const Side *) arg);
	return NULL;
}

/* Read depth and counters while the others run, as a report would. */
static void *
monitor_thread(void *arg)
{
	Monitor    *m = (Monitor *) arg;
	NumaPgSpscStats last = {0};
	struct timespec pause = {0, 200 * 1000};

	while (!__atomic_load_n(m->stop, __ATOMIC_ACQUIRE))
	{
		NumaPgSpscStats now;
		uint32_t	depth = numapg_spsc_depth(m->ring);

		numapg_spsc_stats(m->ring, &now);
		if (depth > numapg_spsc_capacity(m->ring) ||
			now.pushed < now.popped || now.pushed < last.pushed ||
			now.popped < last.popped || now.push_full < last.push_full)
			m->bad++;
		last = now;
		m->samples++;
		nanosleep(&pause, NULL);
	}
	return NULL;
}

/* TAP lines and figures for one run. */
static void
report(const char *mode, NumaPgSpscRing *ring, uint64_t n,
	   const Outcome *out)
{
	NumaPgSpscStats stats;
	double		secs = (out->end_ns - out->start_ns) / 1e9;
	uint32_t	cap = numapg_spsc_capacity(ring);

	numapg_spsc_stats(ring, &stats);
	ok(!out->producer_stalled && !out->consumer_stalled,
	   "%s, %u slots: both sides finished", mode, cap);
	is_int(out->received, n, "%s, %u slots: %llu messages received",
		   mode, cap, (unsigned long long) n);
	is_int(out->out_of_order, 0,
		   "%s, %u slots: none lost, duplicated or out of order", mode, cap);
	is_int(out->torn, 0, "%s, %u slots: none torn (length and checksum intact)",
		   mode, cap);
	if (out->out_of_order + out->torn > 0)
		printf("#   first error: message %llu where %llu was expected\n",
			   (unsigned long long) out->first_bad,
			   (unsigned long long) out->first_expected);
	ok(stats.pushed == n && stats.popped == n && numapg_spsc_depth(ring) == 0,
	   "%s, %u slots: counters say %llu pushed, %llu popped, depth 0",
	   mode, cap, (unsigned long long) stats.pushed,
	   (unsigned long long) stats.popped);
	if (secs > 0)
		printf("# %s, %u slots: %llu messages in %.3f s: %.2f M messages/s, %.1f ns per push+pop, %llu pushes found the ring full\n",
			   mode, cap, (unsigned long long) n, secs, n / secs / 1e6,
			   secs * 1e9 / n, (unsigned long long) stats.push_full);
}

/* Producer in this process, consumer in a child, sharing a mapping. */
static void
run_processes(uint32_t capacity, uint64_t n, bool bare, int cpu_a, int cpu_b)
{
	const char *mode = bare ? "processes, 8-byte messages" : "processes";
	size_t		ring_size = numapg_spsc_size(capacity, SLOT_SIZE);
	size_t		outcome_off = (ring_size + 63) & ~(size_t) 63;
	char	   *shared;
	NumaPgSpscRing *ring;
	Outcome    *out;
	Side		side;
	pid_t		child;
	int			status = 0;
	cpu_set_t	saved;

	shared = mmap(NULL, outcome_off + sizeof(Outcome), PROT_READ | PROT_WRITE,
				  MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (shared == MAP_FAILED)
	{
		ok(0, "processes: mmap of %zu bytes: %s", outcome_off, strerror(errno));
		return;
	}
	ring = (NumaPgSpscRing *) shared;
	out = (Outcome *) (shared + outcome_off);
	memset(out, 0, sizeof(Outcome));
	ok(numapg_spsc_init(ring, capacity, SLOT_SIZE),
	   "processes: a %u x %d ring in a shared anonymous mapping", capacity,
	   SLOT_SIZE);

	side.ring = ring;
	side.n = n;
	side.bare = bare;
	side.outcome = out;
	sched_getaffinity(0, sizeof(saved), &saved);
	fflush(stdout);
	child = fork();
	if (child < 0)
	{
		ok(0, "processes: fork: %s", strerror(errno));
		munmap(shared, outcome_off + sizeof(Outcome));
		return;
	}
	if (child == 0)
	{
		side.cpu = cpu_b;
		consume(&side);
		fflush(stdout);
		_exit(0);
	}
	side.cpu = cpu_a;
	produce(&side);
	waitpid(child, &status, 0);
	sched_setaffinity(0, sizeof(saved), &saved);
	ok(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	   "%s, %u slots: the consumer process exited normally", mode, capacity);
	report(mode, ring, n, out);
	munmap(shared, outcome_off + sizeof(Outcome));
}

/* Producer and consumer threads, and a monitor reading the counters. */
static void
run_threads(uint32_t capacity, uint64_t n, bool bare, int cpu_a, int cpu_b)
{
	const char *mode = bare ? "threads, 8-byte messages" : "threads";
	NumaPgSpscRing *ring;
	void	   *mem = NULL;
	Outcome		out;
	Side		prod;
	Side		cons;
	Monitor		mon;
	volatile int stop = 0;
	pthread_t	tp;
	pthread_t	tc;
	pthread_t	tm;

	if (posix_memalign(&mem, 64, numapg_spsc_size(capacity, SLOT_SIZE)) != 0)
	{
		ok(0, "threads: allocation failed");
		return;
	}
	ring = (NumaPgSpscRing *) mem;
	memset(&out, 0, sizeof(out));
	ok(numapg_spsc_init(ring, capacity, SLOT_SIZE),
	   "threads: a %u x %d ring", capacity, SLOT_SIZE);
	prod.ring = cons.ring = ring;
	prod.n = cons.n = n;
	prod.outcome = cons.outcome = &out;
	prod.bare = cons.bare = bare;
	prod.cpu = cpu_a;
	cons.cpu = cpu_b;
	mon.ring = ring;
	mon.stop = &stop;
	mon.samples = mon.bad = 0;

	if (pthread_create(&tm, NULL, monitor_thread, &mon) != 0 ||
		pthread_create(&tc, NULL, consumer_thread, &cons) != 0 ||
		pthread_create(&tp, NULL, producer_thread, &prod) != 0)
	{
		/* cannot join what did not start: stop here */
		printf("Bail out! pthread_create failed\n");
		exit(1);
	}
	pthread_join(tp, NULL);
	pthread_join(tc, NULL);
	__atomic_store_n(&stop, 1, __ATOMIC_RELEASE);
	pthread_join(tm, NULL);

	report(mode, ring, n, &out);
	is_int(mon.bad, 0,
		   "%s, %u slots: a reader saw depth <= capacity and counters never going back (%llu samples)",
		   mode, capacity, (unsigned long long) mon.samples);
	free(mem);
}

/* the ThreadSanitizer build runs fewer messages, threads only */
#ifndef STRESS_DEFAULT_MESSAGES
#define STRESS_DEFAULT_MESSAGES 5000000
#endif
#ifndef STRESS_DEFAULT_MODE
#define STRESS_DEFAULT_MODE "both"
#endif

int
main(int argc, char **argv)
{
	uint64_t	n = STRESS_DEFAULT_MESSAGES;
	const char *mode = STRESS_DEFAULT_MODE;
	cpu_set_t	allowed;
	int			cpus[2] = {-1, -1};
	int			ncpus = 0;

	if (argc > 1)
		n = strtoull(argv[1], NULL, 10);
	if (argc > 2)
		mode = argv[2];
	if (n == 0 || (strcmp(mode, "both") != 0 && strcmp(mode, "threads") != 0 &&
				   strcmp(mode, "processes") != 0))
	{
		fprintf(stderr, "usage: %s [messages [processes|threads|both]]\n", argv[0]);
		return 2;
	}

	if (sched_getaffinity(0, sizeof(allowed), &allowed) == 0)
		for (int cpu = 0; cpu < CPU_SETSIZE && ncpus < 2; cpu++)
			if (CPU_ISSET(cpu, &allowed))
				cpus[ncpus++] = cpu;
	if (ncpus < 2)
	{
		cpus[0] = cpus[1] = -1;
		printf("# one CPU only: producer and consumer are not pinned\n");
	}
	else
		printf("# producer pinned to CPU %d, consumer to CPU %d\n", cpus[0], cpus[1]);
	printf("# %llu messages of %d to %d bytes, slots of %d bytes\n",
		   (unsigned long long) n, MSG_HEADER, MSG_HEADER + MAX_PAYLOAD, SLOT_SIZE);

	/*
	 * Checked messages with a 1024-slot ring; the same with a 2-slot ring,
	 * fewer of them as it yields on nearly every message; then bare 8-byte
	 * messages, whose figures are closest to the cost of the ring itself.
	 */
	if (strcmp(mode, "threads") != 0)
	{
		run_processes(1024, n, false, cpus[0], cpus[1]);
		run_processes(2, n / 20 + 1, false, cpus[0], cpus[1]);
		run_processes(1024, n, true, cpus[0], cpus[1]);
	}
	if (strcmp(mode, "processes") != 0)
	{
		run_threads(1024, n, false, cpus[0], cpus[1]);
		run_threads(2, n / 20 + 1, false, cpus[0], cpus[1]);
		run_threads(1024, n, true, cpus[0], cpus[1]);
	}
	return done_testing();
}
