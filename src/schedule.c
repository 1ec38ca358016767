/*-------------------------------------------------------------------------
 * schedule.c
 *	  The SQL-callable functions of the expiry, run by any backend: the
 *	  schedule table's trigger, which wakes the launcher and the database's
 *	  worker when a change commits, require_worker() and worker_state(),
 *	  which read the slot table (worker_shared.h); see worker.c.
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

PG_FUNCTION_INFO_V1(idempotency_expiry_worker_state);
PG_FUNCTION_INFO_V1(idempotency_expiry_require_worker);
PG_FUNCTION_INFO_V1(idempotency_expiry_schedule_changed);

/* ======================================================================
 * SQL-callable functions
 * ======================================================================
 */

/*
 * Backend side: the schedule changed in this transaction.  wk_changed_level
 * is the outermost (sub)transaction nesting level that holds a change, 0
 * for none; wk_notify_wanted says whether to announce it at COMMIT.
 */
static bool wk_xact_callbacks_registered = false;
static int	wk_changed_level = 0;
static bool wk_notify_wanted = false;
static NameData wk_notify_datname;

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
