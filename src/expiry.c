/*-------------------------------------------------------------------------
 * expiry.c
 *	  A per-database expiry worker's process (idempotency_expiry_main): it
 *	  reads its database's schedule and purges in batches, each in a
 *	  transaction of its own, recording each cycle in its slot
 *	  (worker_shared.h); see worker.c.
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
