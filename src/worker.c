/*-------------------------------------------------------------------------
 * worker.c
 *	  Expiry background workers: one launcher for the cluster and one
 *	  worker per database whose idempotency.expiry_schedule has a row.
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

#include "compat.h"
#include "common.h"
#include "srf.h"
#include "worker.h"

PG_FUNCTION_INFO_V1(idempotency_expiry_worker_state);
PG_FUNCTION_INFO_V1(idempotency_expiry_require_worker);
PG_FUNCTION_INFO_V1(idempotency_expiry_schedule_changed);

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

/* GUCs */
static int	wk_max_databases = 32;
static int	wk_launcher_naptime = 60;	/* seconds */
static int	wk_batch_delay = 0;		/* milliseconds */
static int	wk_default_every = IDEM_EXPIRY_DEFAULT_EVERY_SECS;	/* seconds */
static int	wk_default_batch_size = IDEM_EXPIRY_DEFAULT_BATCH_SIZE;

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
static WkShared *wk_shared = NULL;

static shmem_startup_hook_type wk_prev_shmem_startup = NULL;
#ifdef IDEM_HAVE_SHMEM_REQUEST_HOOK
static shmem_request_hook_type wk_prev_shmem_request = NULL;
#endif

/*
 * Backend side: the schedule changed in this transaction.  wk_changed_level
 * is the outermost (sub)transaction nesting level that holds a change, 0
 * for none; wk_notify_wanted says whether to announce it at COMMIT.
 */
static bool wk_xact_callbacks_registered = false;
static int	wk_changed_level = 0;
static bool wk_notify_wanted = false;
static NameData wk_notify_datname;

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
static void
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

static int
wk_find_slot(Oid dboid)
{
	for (int i = 0; i < wk_shared->nslots; i++)
		if (wk_shared->slots[i].dboid == dboid)
			return i;
	return -1;
}

/* Finds dboid's slot or takes a free one for it; -1 when all are taken. */
static int
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

static void
wk_free_slot(WkSlot *s)
{
	memset(s, 0, sizeof(WkSlot));
}

/* When the launcher should next start a worker for an idle slot */
static TimestampTz
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
static bool
wk_slot_done(const WkSlot *s)
{
	return s->known && !s->scheduled && !s->start_requested;
}

static int64
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
static Oid
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
static bool
wk_schedule_table_exists(void)
{
	Oid			nsp = get_namespace_oid("idempotency", true);

	return OidIsValid(nsp) &&
		OidIsValid(get_relname_relid("expiry_schedule", nsp));
}

/* Whether the current database is a template (expiry never runs there). */
static bool
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

/* ======================================================================
 * The launcher
 * ======================================================================
 */

typedef struct LnDatabase
{
	Oid			oid;
	NameData	name;
} LnDatabase;

/* Handles of the workers this launcher registered, by slot */
static BackgroundWorkerHandle **ln_handles = NULL;

/* When this launcher last started a worker in a database */
typedef struct LnProbe
{
	Oid			oid;
	TimestampTz at;
} LnProbe;

/* LnProbes, in TopMemoryContext */
static List *ln_probed = NIL;

static bool ln_warned_full = false;

static void
ln_detach(int code, Datum arg)
{
	LWLockAcquire(wk_shared->lock, LW_EXCLUSIVE);
	if (wk_shared->launcher_pid == MyProcPid)
	{
		wk_shared->launcher_pid = 0;
		wk_shared->launcher_proc = NULL;
	}
	LWLockRelease(wk_shared->lock);
}

/*
 * The databases a worker may run in: those that accept connections, are
 * not templates and are not half-dropped.  Allocated in CurrentMemoryContext.
 */
static List *
ln_list_databases(void)
{
	MemoryContext cxt = CurrentMemoryContext;
	List	   *result = NIL;
	Relation	rel;
	TableScanDesc scan;
	HeapTuple	tup;

	SetCurrentStatementStartTimestamp();
	StartTransactionCommand();
	(void) GetTransactionSnapshot();

	rel = table_open(DatabaseRelationId, AccessShareLock);
	scan = table_beginscan_catalog(rel, 0, NULL);
	while (HeapTupleIsValid(tup = heap_getnext(scan, ForwardScanDirection)))
	{
		Form_pg_database db = (Form_pg_database) GETSTRUCT(tup);
		MemoryContext old;
		LnDatabase *d;

		if (!db->datallowconn || db->datistemplate)
			continue;
#ifdef DATCONNLIMIT_INVALID_DB
		if (db->datconnlimit == DATCONNLIMIT_INVALID_DB)
			continue;
#endif
		old = MemoryContextSwitchTo(cxt);
		d = palloc(sizeof(LnDatabase));
		d->oid = db->oid;
		d->name = db->datname;
		result = lappend(result, d);
		MemoryContextSwitchTo(old);
	}
	table_endscan(scan);
	table_close(rel, AccessShareLock);

	CommitTransactionCommand();
	MemoryContextSwitchTo(cxt);
	return result;
}

static const LnDatabase *
ln_lookup(List *dbs, Oid oid)
{
	ListCell   *lc;

	foreach(lc, dbs)
	{
		const LnDatabase *d = lfirst(lc);

		if (d->oid == oid)
			return d;
	}
	return NULL;
}

static void
ln_forget_handle(int i)
{
	if (ln_handles[i] != NULL)
	{
		pfree(ln_handles[i]);
		ln_handles[i] = NULL;
	}
}

/*
 * Notices workers that this launcher registered and that stopped without
 * ever attaching to their slot (a fork failure, say).
 */
static void
ln_check_handles(TimestampTz now)
{
	for (int i = 0; i < wk_shared->nslots; i++)
	{
		pid_t		pid;

		if (ln_handles[i] == NULL)
			continue;
		switch (GetBackgroundWorkerPid(ln_handles[i], &pid))
		{
			case BGWH_STOPPED:
				{
					WkSlot	   *s = &wk_shared->slots[i];

					LWLockAcquire(wk_shared->lock, LW_EXCLUSIVE);
					if (s->launching)
					{
						s->launching = false;
						if (s->pid == 0)
						{
							s->stopped_at = now;
							s->failures++;
						}
					}
					LWLockRelease(wk_shared->lock);
					ln_forget_handle(i);
				}
				break;
			case BGWH_POSTMASTER_DIED:
				proc_exit(1);
				break;
			default:
				break;
		}
	}
}

/* The earliest time an idle slot wants a worker (DT_NOEND if none). */
static TimestampTz
ln_earliest_due(TimestampTz now)
{
	TimestampTz due = DT_NOEND;

	LWLockAcquire(wk_shared->lock, LW_SHARED);
	for (int i = 0; i < wk_shared->nslots; i++)
	{
		WkSlot	   *s = &wk_shared->slots[i];

		if (OidIsValid(s->dboid) && s->pid == 0 && !s->launching &&
			!wk_slot_done(s))
			due = Min(due, wk_due_at(s, now));
	}
	LWLockRelease(wk_shared->lock);
	return due;
}

static LnProbe *
ln_find_probe(Oid oid)
{
	ListCell   *lc;

	foreach(lc, ln_probed)
	{
		LnProbe    *p = lfirst(lc);

		if (p->oid == oid)
			return p;
	}
	return NULL;
}

/*
 * Whether a database without a slot is due for a probe: never looked at
 * by this launcher, or not for WK_REPROBE_NAPTIMES naptimes.  Looking
 * again finds schedules whose writing could not wake the launcher (with
 * the trigger disabled, say).
 */
static bool
ln_probe_due(Oid oid, TimestampTz now)
{
	LnProbe    *p = ln_find_probe(oid);

	return p == NULL ||
		now >= TimestampTzPlusMilliseconds(p->at, (int64) WK_REPROBE_NAPTIMES *
										   wk_launcher_naptime * 1000);
}

/* Records that a worker was started in a database at now. */
static void
ln_note_probe(Oid oid, TimestampTz now)
{
	LnProbe    *p = ln_find_probe(oid);

	if (p == NULL)
	{
		MemoryContext old = MemoryContextSwitchTo(TopMemoryContext);

		p = palloc(sizeof(LnProbe));
		p->oid = oid;
		ln_probed = lappend(ln_probed, p);
		MemoryContextSwitchTo(old);
	}
	p->at = now;
}

/*
 * Brings the slots in line with pg_database: frees the idle slots of
 * databases that are gone (or became templates), and adds a slot for
 * databases due for a probe (ln_probe_due), no more than WK_MAX_PROBES
 * probes at once.  Returns whether databases are left to probe.
 */
static bool
ln_reconcile(List *dbs, TimestampTz now)
{
	List	   *still_probed = NIL;
	ListCell   *lc;
	MemoryContext old;
	int			probes = 0;
	bool		more = false;
	const char *full_at = NULL;

	LWLockAcquire(wk_shared->lock, LW_EXCLUSIVE);
	for (int i = 0; i < wk_shared->nslots; i++)
	{
		WkSlot	   *s = &wk_shared->slots[i];
		const LnDatabase *d;

		if (!OidIsValid(s->dboid))
			continue;
		if (s->pid == 0 && !s->launching)
		{
			d = ln_lookup(dbs, s->dboid);
			if (d == NULL)
			{
				wk_free_slot(s);
				ln_forget_handle(i);
				continue;
			}
			s->datname = d->name;
		}
		if (!s->known)
			probes++;
	}

	foreach(lc, dbs)
	{
		const LnDatabase *d = lfirst(lc);

		if (wk_find_slot(d->oid) >= 0 || !ln_probe_due(d->oid, now))
			continue;
		if (probes >= WK_MAX_PROBES)
		{
			more = true;
			break;
		}
		if (wk_find_or_add_slot(d->oid, NameStr(d->name)) < 0)
		{
			full_at = NameStr(d->name);
			break;
		}
		probes++;
	}
	LWLockRelease(wk_shared->lock);

	if (full_at != NULL && !ln_warned_full)
	{
		ereport(WARNING,
				(errcode(ERRCODE_CONFIGURATION_LIMIT_EXCEEDED),
				 errmsg("idempotency expiry cannot look at database \"%s\": all %d slots are in use",
						full_at, wk_shared->nslots),
				 errhint("Raise idempotency.max_databases and restart the server.")));
		ln_warned_full = true;
	}

	/* forget databases that are gone */
	old = MemoryContextSwitchTo(TopMemoryContext);
	foreach(lc, ln_probed)
	{
		LnProbe    *p = lfirst(lc);

		if (ln_lookup(dbs, p->oid) != NULL)
			still_probed = lappend(still_probed, p);
		else
			pfree(p);
	}
	list_free(ln_probed);
	ln_probed = still_probed;
	MemoryContextSwitchTo(old);
	return more;
}

/* Registers the worker of slot i; the handle goes to ln_handles[i]. */
static bool
ln_start_worker(int i, Oid dboid, const char *datname, TimestampTz now)
{
	BackgroundWorker bgw;
	BackgroundWorkerHandle *handle;
	MemoryContext old;
	bool		ok;

	wk_init_bgw(&bgw, "idempotency_expiry_main", BGW_NEVER_RESTART);
	snprintf(bgw.bgw_name, sizeof(bgw.bgw_name),
			 "idempotency expiry worker for database %u (%s)", dboid, datname);
	strlcpy(bgw.bgw_type, WK_WORKER_TYPE, sizeof(bgw.bgw_type));
	bgw.bgw_main_arg = Int32GetDatum(i);
	memcpy(bgw.bgw_extra, &dboid, sizeof(Oid));
	bgw.bgw_notify_pid = MyProcPid;

	old = MemoryContextSwitchTo(TopMemoryContext);
	ok = RegisterDynamicBackgroundWorker(&bgw, &handle);
	MemoryContextSwitchTo(old);

	if (ok)
	{
		ln_forget_handle(i);
		ln_handles[i] = handle;
		ln_note_probe(dboid, now);
	}
	return ok;
}

/*
 * Frees the slots of workers that found nothing to do and starts a worker
 * for every idle slot that is due, at most WK_MAX_PROBES of them probes.
 * Returns the earliest time a slot becomes due later (DT_NOEND if none).
 */
static TimestampTz
ln_start_due(TimestampTz now)
{
	TimestampTz next = DT_NOEND;
	int			probes = 0;

	LWLockAcquire(wk_shared->lock, LW_EXCLUSIVE);
	for (int i = 0; i < wk_shared->nslots; i++)
	{
		WkSlot	   *s = &wk_shared->slots[i];

		if (OidIsValid(s->dboid) && !s->known && (s->launching || s->pid != 0))
			probes++;
	}

	for (int i = 0; i < wk_shared->nslots; i++)
	{
		WkSlot	   *s = &wk_shared->slots[i];
		TimestampTz due;
		Oid			dboid;
		NameData	datname;
		bool		probe;
		int			failures;

		if (!OidIsValid(s->dboid) || s->pid != 0 || s->launching)
			continue;
		if (wk_slot_done(s))
		{
			wk_free_slot(s);
			ln_forget_handle(i);
			continue;
		}
		due = wk_due_at(s, now);
		if (due > now)
		{
			next = Min(next, due);
			continue;
		}
		probe = !s->known && !s->start_requested;
		if (probe && probes >= WK_MAX_PROBES)
			continue;			/* a probe's exit sets our latch */

		s->launching = true;
		dboid = s->dboid;
		datname = s->datname;
		failures = s->failures;
		LWLockRelease(wk_shared->lock);

		if (ln_start_worker(i, dboid, NameStr(datname), now))
		{
			if (probe)
				probes++;
			LWLockAcquire(wk_shared->lock, LW_EXCLUSIVE);
			continue;
		}

		ereport(failures == 0 ? WARNING : DEBUG1,
				(errcode(ERRCODE_CONFIGURATION_LIMIT_EXCEEDED),
				 errmsg("could not start the idempotency expiry worker for database \"%s\"",
						NameStr(datname)),
				 errhint("Raise max_worker_processes; each database with expiry scheduled needs one background worker.")));
		LWLockAcquire(wk_shared->lock, LW_EXCLUSIVE);
		if (s->dboid == dboid)
		{
			s->launching = false;
			s->stopped_at = now;
			s->failures++;
			next = Min(next, wk_due_at(s, now));
		}
	}
	LWLockRelease(wk_shared->lock);
	return next;
}

/*
 * The launcher's main loop: looks at pg_database every launcher_naptime
 * and whenever a slot wants a worker, and sleeps on its latch otherwise.
 */
void
idempotency_launcher_main(Datum main_arg)
{
	MemoryContext loop_cxt;
	TimestampTz next_scan = 0;
	TimestampTz last_scan = 0;
	bool		more_to_probe = false;

	pqsignal(SIGHUP, SignalHandlerForConfigReload);
	pqsignal(SIGTERM, die);
	pqsignal(SIGINT, SIG_IGN);	/* nothing to cancel */
	BackgroundWorkerUnblockSignals();

	if (wk_shared == NULL)
		elog(ERROR, "idempotency launcher started without its shared memory");

	BackgroundWorkerInitializeConnection(NULL, NULL, 0);

	LWLockAcquire(wk_shared->lock, LW_EXCLUSIVE);
	wk_shared->launcher_pid = MyProcPid;
	wk_shared->launcher_proc = MyProc;
	for (int i = 0; i < wk_shared->nslots; i++)
	{
		WkSlot	   *s = &wk_shared->slots[i];

		/* a previous launcher's registrations: their handles are lost */
		if (s->launching)
		{
			s->launching = false;
			if (s->pid == 0)
				s->stopped_at = GetCurrentTimestamp();
		}
	}
	LWLockRelease(wk_shared->lock);
	before_shmem_exit(ln_detach, (Datum) 0);

	ln_handles = MemoryContextAllocZero(TopMemoryContext,
										sizeof(BackgroundWorkerHandle *) * wk_shared->nslots);
	loop_cxt = AllocSetContextCreate(TopMemoryContext, "idempotency launcher",
									 ALLOCSET_DEFAULT_SIZES);

	for (;;)
	{
		TimestampTz now;
		TimestampTz wake;
		long		timeout;

		CHECK_FOR_INTERRUPTS();
		if (ConfigReloadPending)
		{
			ConfigReloadPending = false;
			ProcessConfigFile(PGC_SIGHUP);
			next_scan = TimestampTzPlusMilliseconds(last_scan,
													(int64) wk_launcher_naptime * 1000);
		}

		MemoryContextReset(loop_cxt);
		MemoryContextSwitchTo(loop_cxt);

		now = GetCurrentTimestamp();
		ln_check_handles(now);
		if (now >= next_scan || more_to_probe || ln_earliest_due(now) <= now)
		{
			pgstat_report_activity(STATE_RUNNING, "looking for databases");
			more_to_probe = ln_reconcile(ln_list_databases(), now);
			MemoryContextSwitchTo(loop_cxt);
			pgstat_report_activity(STATE_IDLE, NULL);
			last_scan = now;
			next_scan = TimestampTzPlusMilliseconds(now,
													(int64) wk_launcher_naptime * 1000);
		}
		wake = Min(ln_start_due(now), next_scan);

		timeout = TimestampDifferenceMilliseconds(GetCurrentTimestamp(), wake);
		(void) WaitLatch(MyLatch, WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH,
						 Max(timeout, 1), PG_WAIT_EXTENSION);
		ResetLatch(MyLatch);
	}
}

/* ======================================================================
 * The per-database worker
 * ======================================================================
 */

typedef enum WkState
{
	WK_UNKNOWN,					/* the schedule could not be read yet */
	WK_ABSENT,					/* no extension, or no schedule: exit */
	WK_SCHEDULED
} WkState;

/* Per-worker state; static so that it survives a longjmp intact */
static int	wk_slotno = -1;
static WkState wk_state = WK_UNKNOWN;
static int64 wk_every_us = 0;	/* the effective schedule */
static int32 wk_batch_size = 0;
static bool wk_every_set = false;	/* the schedule row, as last read; */
static Interval wk_every_row;	/* unset columns follow the GUCs */
static bool wk_batch_size_set = false;
static int32 wk_batch_size_row = 0;
static MemoryContext wk_cxt = NULL;
static bool wk_announced = false;

static WkSlot *
wk_my_slot(void)
{
	return &wk_shared->slots[wk_slotno];
}

/* Takes the slot for this process; false if another worker has it. */
static bool
wk_attach(int slotno, Oid dboid)
{
	WkSlot	   *s;
	bool		ok;

	if (slotno < 0 || slotno >= wk_shared->nslots)
		return false;
	s = &wk_shared->slots[slotno];
	LWLockAcquire(wk_shared->lock, LW_EXCLUSIVE);
	ok = (s->dboid == dboid && s->pid == 0);
	if (ok)
	{
		s->pid = MyProcPid;
		s->proc = MyProc;
		s->launching = false;
	}
	LWLockRelease(wk_shared->lock);
	return ok;
}

/* Leaves the slot at exit, and wakes the launcher to decide what next. */
static void
wk_detach(int code, Datum arg)
{
	WkSlot	   *s = wk_my_slot();

	LWLockAcquire(wk_shared->lock, LW_EXCLUSIVE);
	if (s->pid == MyProcPid)
	{
		s->pid = 0;
		s->proc = NULL;
		s->stopped_at = GetCurrentTimestamp();
		if (s->last_end == 0 && s->last_start != 0)
			s->last_end = s->stopped_at;
		if (!(s->known && !s->scheduled))
			s->failures++;
	}
	if (wk_shared->launcher_proc != NULL)
		SetLatch(&wk_shared->launcher_proc->procLatch);
	LWLockRelease(wk_shared->lock);
}

/* Switches to the extension's owner for the SPI work that follows. */
static void
wk_become_owner(Oid owner, Oid *save_uid, int *save_sec)
{
	GetUserIdAndSecContext(save_uid, save_sec);
	SetUserIdAndSecContext(owner, *save_sec | SECURITY_LOCAL_USERID_CHANGE |
						   SECURITY_RESTRICTED_OPERATION);
}

/*
 * Computes the effective schedule from the row last read and the GUCs, and
 * publishes it in the slot.  Called after each read and each reload.
 */
static void
wk_apply_schedule(void)
{
	WkSlot	   *s = wk_my_slot();
	Interval	every;

	if (wk_every_set)
		every = wk_every_row;
	else
	{
		memset(&every, 0, sizeof(every));
		every.time = (int64) wk_default_every * USECS_PER_SEC;
	}
	wk_every_us = Max(wk_interval_usecs(&every),
					  (int64) IDEM_EXPIRY_MIN_EVERY_SECS * USECS_PER_SEC);
	wk_batch_size = wk_batch_size_set ? wk_batch_size_row : wk_default_batch_size;
	wk_batch_size = Min(Max(wk_batch_size, 1), IDEM_EXPIRY_MAX_BATCH_SIZE);

	LWLockAcquire(wk_shared->lock, LW_EXCLUSIVE);
	s->every = every;
	s->batch_size = wk_batch_size;
	LWLockRelease(wk_shared->lock);
}

/* Handles a pending SIGHUP: reloads the settings and applies them. */
static void
wk_reload_if_pending(void)
{
	if (!ConfigReloadPending)
		return;
	ConfigReloadPending = false;
	ProcessConfigFile(PGC_SIGHUP);
	if (wk_state == WK_SCHEDULED)
		wk_apply_schedule();
}

/*
 * Reads the database's schedule in a short transaction and publishes it in
 * the slot.  Sets wk_state: WK_ABSENT when the extension or its schedule
 * row is missing.
 */
static void
wk_read_schedule(void)
{
	WkSlot	   *s = wk_my_slot();
	bool		found = false;
	bool		every_set = false;
	bool		batch_size_set = false;
	Interval	every;
	int32		batch_size = 0;
	Oid			owner;

	/*
	 * A change committed after this point is either seen by the snapshot
	 * below or leaves start_requested set for the launcher.
	 */
	LWLockAcquire(wk_shared->lock, LW_EXCLUSIVE);
	s->start_requested = false;
	LWLockRelease(wk_shared->lock);

	memset(&every, 0, sizeof(every));
	pgstat_report_activity(STATE_RUNNING, "reading the expiry schedule");
	SetCurrentStatementStartTimestamp();
	StartTransactionCommand();
	PushActiveSnapshot(GetTransactionSnapshot());

	owner = wk_extension_owner();
	if (OidIsValid(owner) && wk_schedule_table_exists())
	{
		Oid			save_uid;
		int			save_sec;
		int			ret;

		SPI_connect();
		wk_become_owner(owner, &save_uid, &save_sec);
		ret = SPI_execute("SELECT s.every, s.batch_size FROM idempotency.expiry_schedule s",
						  true, 2);
		SetUserIdAndSecContext(save_uid, save_sec);
		if (ret != SPI_OK_SELECT)
			elog(ERROR, "reading idempotency.expiry_schedule failed: %s",
				 SPI_result_code_string(ret));
		if (SPI_processed >= 1)
		{
			bool		isnull1,
						isnull2;
			Datum		d1 = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull1);
			Datum		d2 = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 2, &isnull2);

			found = true;
			if (!isnull1)
			{
				every = *DatumGetIntervalP(d1);
				every_set = true;
			}
			if (!isnull2)
			{
				batch_size = DatumGetInt32(d2);
				batch_size_set = true;
			}
		}
		SPI_finish();
	}

	PopActiveSnapshot();
	CommitTransactionCommand();
	MemoryContextSwitchTo(wk_cxt);
	pgstat_report_activity(STATE_IDLE, NULL);

	wk_every_set = every_set;
	wk_every_row = every;
	wk_batch_size_set = batch_size_set;
	wk_batch_size_row = batch_size;
	wk_state = found ? WK_SCHEDULED : WK_ABSENT;
	if (found)
		wk_apply_schedule();

	LWLockAcquire(wk_shared->lock, LW_EXCLUSIVE);
	/* a probe is over: the launcher may start the next one */
	if (!s->known && wk_shared->launcher_proc != NULL)
		SetLatch(&wk_shared->launcher_proc->procLatch);
	s->known = true;
	s->scheduled = found;
	if (found)
		s->failures = 0;
	LWLockRelease(wk_shared->lock);

	if (found && !wk_announced)
	{
		ereport(LOG,
				(errmsg("idempotency expiry worker started for database \"%s\"",
						NameStr(s->datname))));
		wk_announced = true;
	}
}

/*
 * Whether this database has routed key tables to purge: Citus is installed
 * and the extension is at 1.1 or later (idempotency.purge_routed exists).
 * Inside SPI.
 */
static bool
wk_routed_purge_exists(void)
{
	bool		isnull;
	int			ret;

	ret = SPI_execute("SELECT pg_catalog.to_regclass('pg_catalog.pg_dist_partition') IS NOT NULL"
					  " AND pg_catalog.to_regprocedure('idempotency.purge_routed(pg_catalog.int4)') IS NOT NULL",
					  true, 1);
	if (ret != SPI_OK_SELECT || SPI_processed != 1)
		elog(ERROR, "could not look for idempotency.purge_routed(): %s", SPI_result_code_string(ret));
	return DatumGetBool(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
}

/*
 * Deletes one batch in a transaction of its own, as the extension's owner:
 * of the plain key table, or with routed, of every shard of the routed key
 * tables on Citus (none without Citus, or in a 1.0 database).  Returns the
 * number of keys deleted, or -1 if the extension is gone.
 */
static int64
wk_purge_batch(bool routed)
{
	Oid			owner;
	int64		deleted = -1;

	SetCurrentStatementStartTimestamp();
	StartTransactionCommand();
	PushActiveSnapshot(GetTransactionSnapshot());

	owner = wk_extension_owner();
	if (OidIsValid(owner))
	{
		Oid			argtypes[1] = {INT4OID};
		Datum		values[1];
		Oid			save_uid;
		int			save_sec;
		int			ret;
		bool		isnull = true;

		values[0] = Int32GetDatum(wk_batch_size);
		deleted = 0;
		SPI_connect();
		wk_become_owner(owner, &save_uid, &save_sec);
		if (!routed || wk_routed_purge_exists())
		{
			ret = SPI_execute_with_args(routed ? "SELECT idempotency.purge_routed($1)" :
										"SELECT idempotency.purge($1)",
										1, argtypes, values, NULL, false, 1);
			if (ret != SPI_OK_SELECT || SPI_processed != 1)
				elog(ERROR, "%s failed: %s",
					 routed ? "idempotency.purge_routed()" : "idempotency.purge()",
					 SPI_result_code_string(ret));
			deleted = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0],
												  SPI_tuptable->tupdesc, 1, &isnull));
			if (isnull)
				deleted = 0;
		}
		SetUserIdAndSecContext(save_uid, save_sec);
		SPI_finish();
	}

	PopActiveSnapshot();
	CommitTransactionCommand();
	MemoryContextSwitchTo(wk_cxt);
	return deleted;
}

/*
 * One run: batches of the plain key table until one deletes fewer keys than
 * the batch size, then the same of the routed key tables (a batch there
 * deletes at most the batch size from each shard, so one that deletes fewer
 * in all left no shard with more), with CHECK_FOR_INTERRUPTS (and the
 * configured pause) between them.
 */
static void
wk_run_cycle(void)
{
	WkSlot	   *s = wk_my_slot();
	bool		routed = false;

	LWLockAcquire(wk_shared->lock, LW_EXCLUSIVE);
	s->last_start = GetCurrentTimestamp();
	s->last_end = 0;
	s->last_deleted = 0;
	LWLockRelease(wk_shared->lock);

	pgstat_report_activity(STATE_RUNNING, "purging expired idempotency keys");
	for (;;)
	{
		int64		n;

		CHECK_FOR_INTERRUPTS();
		n = wk_purge_batch(routed);
		if (n < 0)
		{
			wk_state = WK_ABSENT;
			break;
		}

		LWLockAcquire(wk_shared->lock, LW_EXCLUSIVE);
		s->last_deleted += n;
		s->total_deleted += n;
		LWLockRelease(wk_shared->lock);

		if (n < wk_batch_size)
		{
			if (routed)
				break;
			routed = true;
			continue;
		}

		if (wk_batch_delay > 0)
			(void) WaitLatch(MyLatch, WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH,
							 wk_batch_delay, PG_WAIT_EXTENSION);
		wk_reload_if_pending();

		/* woken up (a schedule change, say): read the schedule again */
		if (MyLatch->is_set)
		{
			ResetLatch(MyLatch);
			CHECK_FOR_INTERRUPTS();
			wk_read_schedule();
			if (wk_state != WK_SCHEDULED)
				break;
			pgstat_report_activity(STATE_RUNNING, "purging expired idempotency keys");
		}
	}

	LWLockAcquire(wk_shared->lock, LW_EXCLUSIVE);
	s->last_end = GetCurrentTimestamp();
	s->last_error[0] = '\0';
	s->last_error_at = 0;
	LWLockRelease(wk_shared->lock);

	pgstat_report_stat(false);
	pgstat_report_activity(STATE_IDLE, NULL);
}

/* Called in PG_CATCH: logs the error, aborts, and records it in the slot. */
static void
wk_recover_from_error(void)
{
	WkSlot	   *s = wk_my_slot();
	ErrorData  *edata;

	MemoryContextSwitchTo(wk_cxt);
	edata = CopyErrorData();
	EmitErrorReport();
	FlushErrorState();
	AbortCurrentTransaction();
	MemoryContextSwitchTo(wk_cxt);

	LWLockAcquire(wk_shared->lock, LW_EXCLUSIVE);
	strlcpy(s->last_error, edata->message ? edata->message : "unknown error",
			sizeof(s->last_error));
	s->last_error_at = GetCurrentTimestamp();
	if (s->last_start != 0 && s->last_end == 0)
		s->last_end = s->last_error_at;
	LWLockRelease(wk_shared->lock);

	FreeErrorData(edata);
	pgstat_report_activity(STATE_IDLE, NULL);
}

/*
 * A database's expiry worker.  main_arg is its slot; bgw_extra holds the
 * database's OID.
 */
void
idempotency_expiry_main(Datum main_arg)
{
	Oid			dboid;

	memcpy(&dboid, MyBgworkerEntry->bgw_extra, sizeof(Oid));

	pqsignal(SIGHUP, SignalHandlerForConfigReload);
	pqsignal(SIGTERM, die);
	BackgroundWorkerUnblockSignals();

	if (wk_shared == NULL)
		elog(ERROR, "idempotency expiry worker started without its shared memory");
	if (!wk_attach(DatumGetInt32(main_arg), dboid))
		proc_exit(0);			/* another worker serves this database */
	wk_slotno = DatumGetInt32(main_arg);
	before_shmem_exit(wk_detach, (Datum) 0);

	BackgroundWorkerInitializeConnectionByOid(dboid, InvalidOid, 0);

	/* purge() is written for READ COMMITTED and must be able to write */
	SetConfigOption("default_transaction_isolation", "read committed",
					PGC_SUSET, PGC_S_OVERRIDE);
	SetConfigOption("default_transaction_read_only", "off",
					PGC_SUSET, PGC_S_OVERRIDE);
	SetConfigOption("application_name", WK_WORKER_TYPE, PGC_USERSET, PGC_S_SESSION);

	wk_cxt = AllocSetContextCreate(TopMemoryContext, "idempotency expiry",
								   ALLOCSET_DEFAULT_SIZES);
	MemoryContextSwitchTo(wk_cxt);

	for (;;)
	{
		TimestampTz now;
		TimestampTz wake;
		TimestampTz last_start;
		bool		failed = false;

		wk_reload_if_pending();
		MemoryContextReset(wk_cxt);

		PG_TRY();
		{
			/* a cancel (pg_cancel_backend) is an error like any other */
			CHECK_FOR_INTERRUPTS();
			wk_read_schedule();
			if (wk_state == WK_SCHEDULED)
			{
				LWLockAcquire(wk_shared->lock, LW_SHARED);
				last_start = wk_my_slot()->last_start;
				LWLockRelease(wk_shared->lock);
				now = GetCurrentTimestamp();
				if (last_start == 0 || now >= last_start + wk_every_us)
					wk_run_cycle();
			}
		}
		PG_CATCH();
		{
			wk_recover_from_error();
			failed = true;
		}
		PG_END_TRY();

		if (wk_state == WK_ABSENT)
			break;

		/*
		 * The next run is due one interval after the last one started.  The
		 * schedule (and the extension) is looked at again at least every
		 * launcher_naptime, in case a change could not wake us.
		 */
		now = GetCurrentTimestamp();
		LWLockAcquire(wk_shared->lock, LW_SHARED);
		last_start = wk_my_slot()->last_start;
		LWLockRelease(wk_shared->lock);
		if (wk_state == WK_SCHEDULED && last_start != 0)
			wake = last_start + wk_every_us;
		else
			wake = TimestampTzPlusMilliseconds(now, WK_RETRY_MS);
		wake = Min(wake, TimestampTzPlusMilliseconds(now, (int64) wk_launcher_naptime * 1000));

		/*
		 * After an error (the schedule could not be read, say) the next run
		 * may already be due: pause anyway, for the interval or WK_RETRY_MS,
		 * whichever is shorter, so that a lasting error is not retried in a
		 * tight loop.
		 */
		if (failed)
		{
			int64		pause_ms = WK_RETRY_MS;

			if (wk_state == WK_SCHEDULED && wk_every_us > 0)
				pause_ms = Min(pause_ms, wk_every_us / 1000);
			wake = Max(wake, TimestampTzPlusMilliseconds(now, pause_ms));
		}

		if (wake > now)
		{
			long		timeout = TimestampDifferenceMilliseconds(now, wake);

			(void) WaitLatch(MyLatch, WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH,
							 Max(timeout, 1), PG_WAIT_EXTENSION);
			ResetLatch(MyLatch);
		}
	}

	/* nothing to do here: the slot says so, and the launcher frees it */
	LWLockAcquire(wk_shared->lock, LW_EXCLUSIVE);
	wk_my_slot()->known = true;
	wk_my_slot()->scheduled = false;
	LWLockRelease(wk_shared->lock);
	proc_exit(0);
}

/* ======================================================================
 * SQL-callable functions
 * ======================================================================
 */

/*
 * Marks this database's slot at COMMIT of a transaction that changed the
 * schedule, and wakes its worker (to read it again) and the launcher (to
 * start a worker if none runs).
 */
static void
wk_notify(void)
{
	int			i;

	LWLockAcquire(wk_shared->lock, LW_EXCLUSIVE);
	i = wk_find_or_add_slot(MyDatabaseId, NameStr(wk_notify_datname));
	if (i >= 0)
	{
		WkSlot	   *s = &wk_shared->slots[i];

		s->start_requested = true;
		if (s->proc != NULL)
			SetLatch(&s->proc->procLatch);
		if (wk_shared->launcher_proc != NULL)
			SetLatch(&wk_shared->launcher_proc->procLatch);
	}
	LWLockRelease(wk_shared->lock);

	if (i < 0)
		ereport(WARNING,
				(errcode(ERRCODE_CONFIGURATION_LIMIT_EXCEEDED),
				 errmsg("the expiry schedule of database \"%s\" changed, but no expiry worker can run there",
						NameStr(wk_notify_datname)),
				 errdetail("All %d slots of idempotency.max_databases are in use.",
						   wk_shared->nslots),
				 errhint("Raise idempotency.max_databases and restart the server.")));
}

/*
 * At COMMIT of a transaction that changed the schedule: announces it.  At
 * PREPARE TRANSACTION: refuses, since COMMIT PREPARED (perhaps in another
 * session) would not announce it.
 */
static void
wk_xact_callback(XactEvent event, void *arg)
{
	switch (event)
	{
		case XACT_EVENT_PRE_PREPARE:
			if (wk_changed_level > 0)
				ereport(ERROR,
						(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
						 errmsg("cannot prepare a transaction that changed the expiry schedule"),
						 errdetail("The expiry workers learn of a schedule change when its transaction commits, and COMMIT PREPARED would not tell them."),
						 errhint("Call schedule_expiry() or unschedule_expiry() in a transaction that is not prepared.")));
			break;
		case XACT_EVENT_COMMIT:
			if (wk_changed_level > 0 && wk_notify_wanted)
				wk_notify();
			wk_changed_level = 0;
			wk_notify_wanted = false;
			break;
		case XACT_EVENT_ABORT:
		case XACT_EVENT_PREPARE:
		case XACT_EVENT_PARALLEL_COMMIT:
		case XACT_EVENT_PARALLEL_ABORT:
			wk_changed_level = 0;
			wk_notify_wanted = false;
			break;
		default:
			break;
	}
}

/* Keeps wk_changed_level in step with subtransactions ending. */
static void
wk_subxact_callback(SubXactEvent event, SubTransactionId mySubid,
					SubTransactionId parentSubid, void *arg)
{
	int			level = GetCurrentTransactionNestLevel();

	switch (event)
	{
		case SUBXACT_EVENT_COMMIT_SUB:
			/* the change now belongs to the parent */
			if (wk_changed_level >= level)
				wk_changed_level = level - 1;
			break;
		case SUBXACT_EVENT_ABORT_SUB:
			/* the change is undone */
			if (wk_changed_level >= level)
				wk_changed_level = 0;
			break;
		default:
			break;
	}
}

/*
 * idempotency.expiry_schedule_changed(): statement trigger on the schedule
 * table.  Whatever wrote the table (schedule_expiry, unschedule_expiry, a
 * restore), the database's worker is told at COMMIT, unless the library is
 * not preloaded, on a standby and in a template database; and the
 * transaction may not be prepared (see wk_xact_callback).
 */
Datum
idempotency_expiry_schedule_changed(PG_FUNCTION_ARGS)
{
	int			level;

	if (!CALLED_AS_TRIGGER(fcinfo))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("idempotency.expiry_schedule_changed() must be called as a trigger")));

	if (!wk_xact_callbacks_registered)
	{
		RegisterXactCallback(wk_xact_callback, NULL);
		RegisterSubXactCallback(wk_subxact_callback, NULL);
		wk_xact_callbacks_registered = true;
	}

	level = GetCurrentTransactionNestLevel();
	if (wk_changed_level == 0 || level < wk_changed_level)
		wk_changed_level = level;

	if (!wk_notify_wanted && wk_shared != NULL && !RecoveryInProgress() &&
		!wk_database_is_template())
	{
		char	   *datname = get_database_name(MyDatabaseId);

		namestrcpy(&wk_notify_datname, datname ? datname : "");
		wk_notify_wanted = true;
	}
	return PointerGetDatum(NULL);
}

/*
 * idempotency.expiry_require_worker(): called by schedule_expiry() before it
 * writes anything.  Raises 55000 when the library is not preloaded, 25006
 * on a standby, 53400 when no slot is free; reserves this database's slot.
 */
Datum
idempotency_expiry_require_worker(PG_FUNCTION_ARGS)
{
	char	   *datname;
	int			i;

	if (wk_shared == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("the expiry worker needs \"idempotency\" in shared_preload_libraries"),
				 errdetail("This server did not load the idempotency library at startup, so no expiry worker can run; nothing was scheduled."),
				 errhint("Add idempotency to shared_preload_libraries and restart the server, or call idempotency.purge() periodically instead, for example from cron or pg_cron.")));
	PreventCommandDuringRecovery("schedule_expiry()");

	if (wk_database_is_template())
	{
		ereport(NOTICE,
				(errmsg("expiry does not run in template database \"%s\"",
						get_database_name(MyDatabaseId)),
				 errdetail("Databases created from this template copy its schedule, and expiry runs in them.")));
		PG_RETURN_VOID();
	}

	datname = get_database_name(MyDatabaseId);
	LWLockAcquire(wk_shared->lock, LW_EXCLUSIVE);
	i = wk_find_or_add_slot(MyDatabaseId, datname ? datname : "");
	LWLockRelease(wk_shared->lock);
	if (i < 0)
		ereport(ERROR,
				(errcode(ERRCODE_CONFIGURATION_LIMIT_EXCEEDED),
				 errmsg("too many databases have expiry scheduled"),
				 errdetail("All %d slots of idempotency.max_databases are in use.",
						   wk_shared->nslots),
				 errhint("Raise idempotency.max_databases and restart the server, or unschedule expiry in another database.")));
	PG_RETURN_VOID();
}

#define WK_STATE_COLS 12

/*
 * idempotency.expiry_worker_state(): one row per slot in use, from shared
 * memory; no rows when the library is not preloaded.
 */
Datum
idempotency_expiry_worker_state(PG_FUNCTION_ARGS)
{
	TupleDesc	tupdesc;
	Tuplestorestate *tupstore = idem_srf_begin(fcinfo, WK_STATE_COLS, &tupdesc);
	WkSlot	   *copy;
	int			n;

	if (wk_shared == NULL)
		return (Datum) 0;

	n = wk_shared->nslots;
	copy = palloc(sizeof(WkSlot) * n);
	LWLockAcquire(wk_shared->lock, LW_SHARED);
	memcpy(copy, wk_shared->slots, sizeof(WkSlot) * n);
	LWLockRelease(wk_shared->lock);

	for (int i = 0; i < n; i++)
	{
		WkSlot	   *s = &copy[i];
		Datum		values[WK_STATE_COLS];
		bool		nulls[WK_STATE_COLS];
		bool		have_schedule = s->known && s->scheduled;
		Interval   *every;

		if (!OidIsValid(s->dboid))
			continue;
		memset(nulls, false, sizeof(nulls));

		values[0] = ObjectIdGetDatum(s->dboid);
		values[1] = NameGetDatum(&s->datname);
		values[2] = Int32GetDatum((int32) s->pid);
		nulls[2] = (s->pid == 0);
		every = palloc(sizeof(Interval));
		*every = s->every;
		values[3] = IntervalPGetDatum(every);
		nulls[3] = !have_schedule;
		values[4] = Int32GetDatum(s->batch_size);
		nulls[4] = !have_schedule;
		values[5] = TimestampTzGetDatum(s->last_start);
		nulls[5] = (s->last_start == 0);
		values[6] = TimestampTzGetDatum(s->last_end);
		nulls[6] = (s->last_end == 0);
		values[7] = Int64GetDatum(s->last_deleted);
		nulls[7] = (s->last_start == 0);
		values[8] = Int64GetDatum(s->total_deleted);
		values[9] = CStringGetTextDatum(s->last_error);
		nulls[9] = (s->last_error[0] == '\0');
		values[10] = TimestampTzGetDatum(s->last_error_at);
		nulls[10] = (s->last_error_at == 0);
		values[11] = BoolGetDatum(s->scheduled);
		nulls[11] = !s->known;

		tuplestore_putvalues(tupstore, tupdesc, values, nulls);
	}
	return (Datum) 0;
}
