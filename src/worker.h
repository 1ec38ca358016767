/*-------------------------------------------------------------------------
 * worker.h
 *	  The expiry background workers: GUCs, shared state and registration.
 *
 *	  One launcher per cluster (connected to no database) starts one
 *	  worker per database whose idempotency.expiry_schedule has a row; each
 *	  worker deletes that database's expired keys by idempotency.purge().
 *	  See docs/expiry.md.
 *-------------------------------------------------------------------------
 */
#ifndef IDEMPOTENCY_WORKER_H
#define IDEMPOTENCY_WORKER_H

#include "postgres.h"

#include "fmgr.h"

#include "compat.h"

/*
 * Bounds of a schedule, mirrored by the CHECKs on idempotency.expiry_schedule;
 * also the bounds of the GUCs idempotency.expiry_interval and
 * idempotency.expiry_batch_size, which a schedule's NULL columns follow.
 */
#define IDEM_EXPIRY_MIN_EVERY_SECS	1
#define IDEM_EXPIRY_MAX_EVERY_SECS	(24 * 60 * 60)
#define IDEM_EXPIRY_MAX_BATCH_SIZE	1000000
#define IDEM_EXPIRY_DEFAULT_EVERY_SECS	60
#define IDEM_EXPIRY_DEFAULT_BATCH_SIZE	10000

/*
 * Defines the worker's GUCs; called from _PG_init (preloaded or not) before
 * the prefix is reserved.
 */
extern void idem_worker_define_gucs(void);

/* Requests shared memory and registers the launcher; only when preloaded. */
extern void idem_worker_register(void);

/* Background worker entry points, named in the BackgroundWorker structs */
idem_noreturn extern PGDLLEXPORT void idempotency_launcher_main(Datum main_arg);
idem_noreturn extern PGDLLEXPORT void idempotency_expiry_main(Datum main_arg);

#endif							/* IDEMPOTENCY_WORKER_H */
