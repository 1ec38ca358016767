/*-------------------------------------------------------------------------
 * launcher.c
 *	  The expiry launcher's process (idempotency_launcher_main): connected to
 *	  no database, it starts, probes and restarts the per-database workers
 *	  (expiry.c) by the slot table (worker_shared.h); see worker.c.
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
