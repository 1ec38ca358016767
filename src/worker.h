/*-------------------------------------------------------------------------
 * worker.h
 *	  The expiry background workers: GUCs, shared state and registration.
 *-------------------------------------------------------------------------
 */
#ifndef IDEMPOTENCY_WORKER_H
#define IDEMPOTENCY_WORKER_H

/* Defines the worker's GUCs; called from _PG_init before the prefix is reserved. */
extern void idem_worker_define_gucs(void);

/* Requests shared memory and registers the launcher; only when preloaded. */
extern void idem_worker_register(void);

#endif							/* IDEMPOTENCY_WORKER_H */
