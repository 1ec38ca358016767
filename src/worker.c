/*-------------------------------------------------------------------------
 * worker.c
 *	  Expiry background workers: one launcher for the cluster and one
 *	  worker per database whose idempotency.expiry_schedule has a row.
 *	  This file holds what _PG_init and every process of the expiry share:
 *	  the GUCs, the shared-memory slot table (worker_shared.h), the
 *	  workers' registration, and the look-ups on slots and catalogs.  The
 *	  launcher runs launcher.c, each per-database worker expiry.c, and a
 *	  backend the SQL-callable functions of schedule.c.
 *
 *	  The launcher (static, registered in _PG_init when preloaded, started
 *	  once recovery has finished, so never on a standby) is connected to no
 *	  database.  It reads pg_database and starts a short-lived worker in
 *	  each database that has no worker and that it has not looked at in the
 *	  last WK_REPROBE_NAPTIMES naptimes ("a probe"); a worker that finds no
 *	  schedule there exits at once, one that finds one stays and purges
 *	  every interval.  The launcher restarts a scheduled worker that exited
 *	  unexpectedly (after a back-off, and only if its database still
 *	  exists), and starts one when a transaction that changed a schedule
 *	  commits: a trigger on the schedule table marks the database's slot
 *	  and sets the launcher's and the worker's latches at COMMIT.  Such a
 *	  transaction may not be prepared for two-phase commit (COMMIT PREPARED
 *	  runs no callback of ours); writes that bypass the trigger are found
 *	  by the next probe.
 *
 *	  A worker runs each cycle as batches of idempotency.purge(), each in a
 *	  transaction of its own, as the extension's owner; on Citus, where
 *	  idempotency.purge_routed() exists (1.1), then batches of it too.  It
 *	  holds no snapshot while sleeping and computes its next run from the
 *	  start of the last one, so a signal never delays it.  A schedule column
 *	  that is NULL follows its GUC (expiry_interval, expiry_batch_size),
 *	  re-read on SIGHUP.  It reads its schedule again when its latch is set
 *	  (also between batches) and at least every launcher_naptime.  An error
 *	  ends the cycle and is recorded; the next attempt comes as planned, but
 *	  no sooner than the lesser of WK_RETRY_MS and the interval.  A worker
 *	  whose extension or schedule is gone exits.
 *
 *	  Shared state: an array of idempotency.max_databases slots, one per
 *	  database that has (or is being probed for) a worker.  Every field is
 *	  read and written under the "idempotency expiry" LWLock, held for a
 *	  few instructions only, never across a transaction, an ereport or a
 *	  wait.  Only the launcher frees a slot, and only while no worker is
 *	  attached to it or being started for it.
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/genam.h"
#include "access/heapam.h"
#include "access/htup_details.h"
#include "access/table.h"
#include "access/tableam.h"
#include "access/xact.h"
#include "access/xlog.h"
#include "catalog/namespace.h"
#include "catalog/pg_database.h"
#include "catalog/pg_extension.h"
#include "catalog/pg_type.h"
#include "commands/dbcommands.h"
#include "commands/trigger.h"
#include "datatype/timestamp.h"
#include "executor/spi.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "pgstat.h"
#include "postmaster/bgworker.h"
#include "postmaster/interrupt.h"
#include "storage/ipc.h"
#include "storage/latch.h"
#include "storage/lwlock.h"
#include "storage/proc.h"
#include "storage/shmem.h"
#include "tcop/tcopprot.h"
#include "tcop/utility.h"
#include "utils/builtins.h"
#include "utils/fmgroids.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/snapmgr.h"
#include "utils/syscache.h"
#include "utils/timestamp.h"
#include "utils/tuplestore.h"

#include "common.h"
#include "compat.h"
#include "srf.h"
#include "worker.h"
#include "worker_shared.h"


/* GUCs */
static int	wk_max_databases = 32;
int			wk_launcher_naptime = 60;	/* seconds */
int			wk_batch_delay = 0;	/* milliseconds */
int			wk_default_every = IDEM_EXPIRY_DEFAULT_EVERY_SECS;	/* seconds */
int			wk_default_batch_size = IDEM_EXPIRY_DEFAULT_BATCH_SIZE;

/* Set in every process of a server that preloaded the library */
WkShared   *wk_shared = NULL;

static shmem_startup_hook_type wk_prev_shmem_startup = NULL;
#ifdef IDEM_HAVE_SHMEM_REQUEST_HOOK
static shmem_request_hook_type wk_prev_shmem_request = NULL;
#endif

/* ======================================================================
 * GUCs, shared memory, registration
 * ======================================================================
 */

/*
 * Defines the GUCs.  max_databases sizes shared memory: it exists only when
 * the library is preloaded (PGC_POSTMASTER variables cannot be created
 * later).
 */
void
idem_worker_define_gucs(void)
{
	if (process_shared_preload_libraries_in_progress)
		DefineCustomIntVariable("idempotency.max_databases",
								"Largest number of databases that can run an expiry worker at once.",
								"Each database with expiry scheduled takes one slot of shared memory and one background worker process (see max_worker_processes).",
								&wk_max_databases,
								32, 1, 4096,
								PGC_POSTMASTER, 0,
								NULL, NULL, NULL);

	DefineCustomIntVariable("idempotency.launcher_naptime",
							"Time between two looks of the expiry launcher for new databases.",
							"Scheduling or unscheduling expiry takes effect at once; this only bounds how long a database created from a template with a schedule waits for its worker.  A database without a worker is looked at again every five naptimes.",
							&wk_launcher_naptime,
							60, 1, 3600,
							PGC_SIGHUP, GUC_UNIT_S,
							NULL, NULL, NULL);

	DefineCustomIntVariable("idempotency.expiry_batch_delay",
							"Pause of the expiry worker between two batches of one run.",
							"Zero purges a backlog as fast as it can; a pause leaves more room to other work.",
							&wk_batch_delay,
							0, 0, 10000,
							PGC_SIGHUP, GUC_UNIT_MS,
							NULL, NULL, NULL);

	DefineCustomIntVariable("idempotency.expiry_interval",
							"Time between two expiry runs, for schedules that do not set one.",
							"Applies to every database whose schedule_expiry() was given no interval (NULL); a reload changes the interval of running workers.",
							&wk_default_every,
							IDEM_EXPIRY_DEFAULT_EVERY_SECS,
							IDEM_EXPIRY_MIN_EVERY_SECS, IDEM_EXPIRY_MAX_EVERY_SECS,
							PGC_SIGHUP, GUC_UNIT_S,
							NULL, NULL, NULL);

	DefineCustomIntVariable("idempotency.expiry_batch_size",
							"Largest number of keys one expiry batch deletes, for schedules that do not set one.",
							"Applies to every database whose schedule_expiry() was given no batch size (NULL).",
							&wk_default_batch_size,
							IDEM_EXPIRY_DEFAULT_BATCH_SIZE, 1, IDEM_EXPIRY_MAX_BATCH_SIZE,
							PGC_SIGHUP, 0,
							NULL, NULL, NULL);
}

static Size
wk_shmem_size(void)
{
	return add_size(offsetof(WkShared, slots),
					mul_size(wk_max_databases, sizeof(WkSlot)));
}

static void
wk_request_shmem(void)
{
	RequestAddinShmemSpace(wk_shmem_size());
	RequestNamedLWLockTranche(WK_TRANCHE, 1);
}

#ifdef IDEM_HAVE_SHMEM_REQUEST_HOOK
static void
wk_shmem_request(void)
{
	if (wk_prev_shmem_request)
		wk_prev_shmem_request();
	wk_request_shmem();
}
#endif

/* Creates (postmaster) or attaches to (EXEC_BACKEND children) the slots. */
static void
wk_shmem_startup(void)
{
	bool		found;

	if (wk_prev_shmem_startup)
		wk_prev_shmem_startup();

	LWLockAcquire(AddinShmemInitLock, LW_EXCLUSIVE);
	wk_shared = ShmemInitStruct(WK_SHMEM_NAME, wk_shmem_size(), &found);
	if (!found)
	{
		memset(wk_shared, 0, wk_shmem_size());
		wk_shared->lock = &(GetNamedLWLockTranche(WK_TRANCHE))->lock;
		wk_shared->nslots = wk_max_databases;
	}
	LWLockRelease(AddinShmemInitLock);
}

/*
 * Fills in what the launcher and the per-database workers share: shared
 * memory and a database connection, started once recovery is over (so
 * never on a standby), from this library's function.
 */
void
wk_init_bgw(BackgroundWorker *bgw, const char *function, int restart_time)
{
	memset(bgw, 0, sizeof(*bgw));
	bgw->bgw_flags = BGWORKER_SHMEM_ACCESS | BGWORKER_BACKEND_DATABASE_CONNECTION;
	bgw->bgw_start_time = BgWorkerStart_RecoveryFinished;
	bgw->bgw_restart_time = restart_time;
	strlcpy(bgw->bgw_library_name, WK_LIBRARY, sizeof(bgw->bgw_library_name));
	strlcpy(bgw->bgw_function_name, function, sizeof(bgw->bgw_function_name));
}

/*
 * idem_worker_register asks for the shared slots and registers the
 * launcher.  Called from _PG_init only while shared_preload_libraries is
 * being processed, and never in binary upgrade mode.
 */
void
idem_worker_register(void)
{
	BackgroundWorker bgw;

#ifdef IDEM_HAVE_SHMEM_REQUEST_HOOK
	wk_prev_shmem_request = shmem_request_hook;
	shmem_request_hook = wk_shmem_request;
#else
	wk_request_shmem();
#endif
	wk_prev_shmem_startup = shmem_startup_hook;
	shmem_startup_hook = wk_shmem_startup;

	wk_init_bgw(&bgw, "idempotency_launcher_main", WK_LAUNCHER_RESTART_S);
	strlcpy(bgw.bgw_name, WK_LAUNCHER_TYPE, sizeof(bgw.bgw_name));
	strlcpy(bgw.bgw_type, WK_LAUNCHER_TYPE, sizeof(bgw.bgw_type));
	bgw.bgw_main_arg = (Datum) 0;
	bgw.bgw_notify_pid = 0;
	RegisterBackgroundWorker(&bgw);
}

/* ======================================================================
 * Slots (the caller holds the lock exclusively)
 * ======================================================================
 */

int
wk_find_slot(Oid dboid)
{
	for (int i = 0; i < wk_shared->nslots; i++)
		if (wk_shared->slots[i].dboid == dboid)
			return i;
	return -1;
}

/* Finds dboid's slot or takes a free one for it; -1 when all are taken. */
int
wk_find_or_add_slot(Oid dboid, const char *datname)
{
	int			i = wk_find_slot(dboid);

	if (i >= 0)
		return i;
	for (i = 0; i < wk_shared->nslots; i++)
	{
		WkSlot	   *s = &wk_shared->slots[i];

		if (!OidIsValid(s->dboid))
		{
			memset(s, 0, sizeof(WkSlot));
			s->dboid = dboid;
			namestrcpy(&s->datname, datname);
			return i;
		}
	}
	return -1;
}

void
wk_free_slot(WkSlot *s)
{
	memset(s, 0, sizeof(WkSlot));
}

/* When the launcher should next start a worker for an idle slot */
TimestampTz
wk_due_at(const WkSlot *s, TimestampTz now)
{
	int64		delay;
	int			shift;

	if (s->start_requested || s->stopped_at == 0)
		return now;
	shift = Min(Max(s->failures - 1, 0), 10);
	delay = Min((int64) WK_RESTART_DELAY_MS << shift, (int64) WK_MAX_RESTART_DELAY_MS);
	return TimestampTzPlusMilliseconds(s->stopped_at, delay);
}

/* An idle slot whose worker found nothing to do, and nobody asks again */
bool
wk_slot_done(const WkSlot *s)
{
	return s->known && !s->scheduled && !s->start_requested;
}

int64
wk_interval_usecs(const Interval *iv)
{
	return iv->time + (int64) iv->day * USECS_PER_DAY +
		(int64) iv->month * DAYS_PER_MONTH * USECS_PER_DAY;
}

/* ======================================================================
 * Catalog look-ups (inside a transaction)
 * ======================================================================
 */

/* The owner of extension "idempotency" in this database, or InvalidOid. */
Oid
wk_extension_owner(void)
{
	Relation	rel;
	ScanKeyData key;
	SysScanDesc scan;
	HeapTuple	tup;
	Oid			owner = InvalidOid;

	rel = table_open(ExtensionRelationId, AccessShareLock);
	ScanKeyInit(&key, Anum_pg_extension_extname, BTEqualStrategyNumber,
				F_NAMEEQ, CStringGetDatum("idempotency"));
	scan = systable_beginscan(rel, ExtensionNameIndexId, true, NULL, 1, &key);
	tup = systable_getnext(scan);
	if (HeapTupleIsValid(tup))
		owner = ((Form_pg_extension) GETSTRUCT(tup))->extowner;
	systable_endscan(scan);
	table_close(rel, AccessShareLock);
	return owner;
}

/* Whether this version of the extension has a schedule table. */
bool
wk_schedule_table_exists(void)
{
	Oid			nsp = get_namespace_oid("idempotency", true);

	return OidIsValid(nsp) &&
		OidIsValid(get_relname_relid("expiry_schedule", nsp));
}

/* Whether the current database is a template (expiry never runs there). */
bool
wk_database_is_template(void)
{
	HeapTuple	tup;
	bool		result = false;

	tup = SearchSysCache1(DATABASEOID, ObjectIdGetDatum(MyDatabaseId));
	if (HeapTupleIsValid(tup))
	{
		result = ((Form_pg_database) GETSTRUCT(tup))->datistemplate;
		ReleaseSysCache(tup);
	}
	return result;
}
