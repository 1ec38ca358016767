/*-------------------------------------------------------------------------
 * worker_shared.h
 *	  What the expiry's processes share (worker.c): the shared-memory slot
 *	  table, one slot per database that has (or is being probed for) a
 *	  worker, the settings they read and the helpers on slots and
 *	  catalogs.  Used by the launcher (launcher.c), the per-database worker
 *	  (expiry.c) and the SQL-callable functions of any backend
 *	  (schedule.c).
 *
 *	  Every field of a slot is read and written under wk_shared->lock, held
 *	  for a few instructions only, never across a transaction, an ereport
 *	  or a wait.  Only the launcher frees a slot, and only while no worker
 *	  is attached to it or being started for it.
 *-------------------------------------------------------------------------
 */
#ifndef IDEMPOTENCY_WORKER_SHARED_H
#define IDEMPOTENCY_WORKER_SHARED_H

#include "postgres.h"

#include "datatype/timestamp.h"
#include "postmaster/bgworker.h"
#include "storage/lwlock.h"
#include "storage/proc.h"

#define WK_LIBRARY				"idempotency"
#define WK_TRANCHE				"idempotency expiry"
#define WK_SHMEM_NAME			"idempotency expiry state"
#define WK_LAUNCHER_TYPE		"idempotency launcher"
#define WK_WORKER_TYPE			"idempotency expiry"

#define WK_ERROR_LEN			256
#define WK_RESTART_DELAY_MS		5000	/* first back-off after an unexpected exit */
#define WK_MAX_RESTART_DELAY_MS 300000	/* back-off doubles up to this */
#define WK_RETRY_MS				10000	/* longest pause after an error */
#define WK_MAX_PROBES			2	/* probes in flight at once */
#define WK_REPROBE_NAPTIMES		5	/* look again at a database without a worker */
#define WK_LAUNCHER_RESTART_S	10

/* GUCs (worker.c) */
extern int	wk_launcher_naptime;	/* seconds */
extern int	wk_batch_delay;		/* milliseconds */
extern int	wk_default_every;	/* seconds */
extern int	wk_default_batch_size;

/* One database's worker, as the launcher, the worker and the view see it */
typedef struct WkSlot
{
	Oid			dboid;			/* InvalidOid: the slot is free */
	NameData	datname;
	pid_t		pid;			/* the attached worker, or 0 */
	PGPROC	   *proc;			/* its PGPROC (for its latch), or NULL */
	bool		launching;		/* registered by the launcher, not attached */
	bool		known;			/* a worker has read the schedule */
	bool		scheduled;		/* ... and found one */
	bool		start_requested;	/* a committed change asks for a look */
	int			failures;		/* unexpected exits since the last good read */
	TimestampTz stopped_at;		/* when a worker last exited, or 0 */
	Interval	every;			/* the effective schedule (the GUC's */
	int32		batch_size;		/* value where the column is NULL) */
	TimestampTz last_start;		/* the last cycle, 0 if none */
	TimestampTz last_end;		/* 0 while a cycle runs */
	int64		last_deleted;
	int64		total_deleted;
	TimestampTz last_error_at;
	char		last_error[WK_ERROR_LEN];
} WkSlot;

typedef struct WkShared
{
	LWLock	   *lock;
	pid_t		launcher_pid;
	PGPROC	   *launcher_proc;
	int			nslots;
	WkSlot		slots[FLEXIBLE_ARRAY_MEMBER];
} WkShared;

/* Set in every process of a server that preloaded the library */
extern WkShared *wk_shared;

/* Slots (the caller holds wk_shared->lock exclusively) */
extern int	wk_find_slot(Oid dboid);
extern int	wk_find_or_add_slot(Oid dboid, const char *datname);
extern void wk_free_slot(WkSlot *s);
extern TimestampTz wk_due_at(const WkSlot *s, TimestampTz now);
extern bool wk_slot_done(const WkSlot *s);

/* Schedules and catalog look-ups (inside a transaction) */
extern int64 wk_interval_usecs(const Interval *iv);
extern Oid	wk_extension_owner(void);
extern bool wk_schedule_table_exists(void);
extern bool wk_database_is_template(void);

/* A background worker of this library */
extern void wk_init_bgw(BackgroundWorker *bgw, const char *function, int restart_time);

#endif							/* IDEMPOTENCY_WORKER_SHARED_H */
