/*-------------------------------------------------------------------------
 *
 * request.h
 *		Requests from backends to the workers, and their replies.
 *
 * A backend sends a request into the inbox queue that the owning worker
 * keeps for the backend's NUMA node (so the queue is on the producer's
 * node), wakes the worker, and waits on its own latch for the reply,
 * which the worker writes into the backend's reply slot.
 *
 * IDENTIFICATION
 *	  src/request.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef NUMAPG_REQUEST_H
#define NUMAPG_REQUEST_H

#include "postgres.h"

#include "port/atomics.h"
#include "storage/spin.h"

#include "spsc.h"
#include "state_store.h"

/* Operations */
#define NUMAPG_OP_PUT		1
#define NUMAPG_OP_GET		2
#define NUMAPG_OP_DELETE	3
#define NUMAPG_OP_FLUSH		4

/* Reply status */
#define NUMAPG_REPLY_OK			0
#define NUMAPG_REPLY_NOT_FOUND	1
#define NUMAPG_REPLY_FULL		2
#define NUMAPG_REPLY_TOO_LARGE	3
#define NUMAPG_REPLY_BAD		4

/* A request, as it travels in an inbox queue; key then value follow. */
typedef struct NumaPgRequest
{
	uint64		request_id;		/* unique per backend and request */
	int32		reply_slot;		/* the requester's pgprocno */
	uint8		op;
	uint8		pad;
	uint16		keylen;
	uint32		vallen;
	uint32		pad2;
	char		data[FLEXIBLE_ARRAY_MEMBER];
} NumaPgRequest;

/* Largest request: header + a whole state store slot's worth of data. */
#define NUMAPG_REQUEST_MAX	(offsetof(NumaPgRequest, data) + NUMAPG_STATE_SLOT_SIZE)

/* Size of an inbox queue slot: a request plus the ring's slot header. */
#define NUMAPG_QUEUE_SLOT_SIZE	TYPEALIGN(64, NUMAPG_REQUEST_MAX + NUMAPG_SPSC_SLOT_HEADER)

/* One per backend: where the worker puts the answer. */
typedef struct NumaPgReply
{
	slock_t		mutex;			/* protects the fields below */
	uint64		expected_id;	/* the request its backend waits for; 0 once
								 * it gave up on it */
	uint64		taken_id;		/* the last request a worker took to carry
								 * out */
	pg_atomic_uint64 answered_id;	/* request_id of the answer below */
	int32		status;
	int32		worker;
	uint32		vallen;
	uint32		pad;
	uint64		lsn;			/* flush: WAL position flushed to */
	char		value[NUMAPG_STATE_SLOT_SIZE];
} NumaPgReply;

typedef struct NumaPgAnswer
{
	int			status;
	int			worker;
	uint32		vallen;
	uint64		lsn;
	char		value[NUMAPG_STATE_SLOT_SIZE];
} NumaPgAnswer;

/* src/request.c */
extern Size numapg_replies_size(void);
extern void numapg_replies_attach(bool init);
extern void numapg_request(int worker, uint8 op, const char *key, int keylen,
						   const char *value, int vallen, NumaPgAnswer *answer);
extern void numapg_require_database(void);
extern void numapg_require_owner_can_run(int worker);
extern bool numapg_request_take(const NumaPgRequest *req);
extern void numapg_reply(const NumaPgRequest *req, int worker, int status,
						 const void *value, uint32 vallen, uint64 lsn);

#endif							/* NUMAPG_REQUEST_H */
