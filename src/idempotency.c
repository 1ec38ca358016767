/*-------------------------------------------------------------------------
 * idempotency.c
 *	  Entry point: module magic, GUC definitions and hook registration.
 *
 *	  The library works both preloaded and loaded on first use.  The key
 *	  API needs neither shared memory nor a worker; only the expiry workers
 *	  (worker.c) and the counters (stats.c) require shared_preload_libraries.
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "fmgr.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "utils/guc.h"

#include "batch.h"
#include "compat.h"
#include "idempotency.h"
#include "ks_citus.h"
#include "stats.h"
#include "worker.h"
#include "xact.h"

PG_MODULE_MAGIC;

int			idem_default_ttl = 24 * 60 * 60;
int			idem_max_response_size = 1024 * 1024;

void		_PG_init(void);

/*
 * _PG_init defines the GUCs, registers the transaction callbacks that
 * enforce "claimed keys are completed or released before commit", and, when
 * preloaded, the expiry workers.
 */
void
_PG_init(void)
{
	DefineCustomIntVariable("idempotency.default_ttl",
							"Time to live of a key when claim() is given no ttl.",
							"A key past its expiry counts as absent and is deleted by the expiry worker or purge().",
							&idem_default_ttl,
							24 * 60 * 60, 1, IDEM_MAX_TTL_SECS,
							PGC_USERSET, GUC_UNIT_S,
							NULL, NULL, NULL);

	DefineCustomIntVariable("idempotency.max_response_size",
							"Largest response complete() or once() may store.",
							"Measured on the uncompressed jsonb value.",
							&idem_max_response_size,
							1024 * 1024, 1024, 256 * 1024 * 1024,
							PGC_SUSET, GUC_UNIT_BYTE,
							NULL, NULL, NULL);

	idem_batch_define_gucs();
	idem_worker_define_gucs();
	idem_stats_define_gucs();

	idem_reserve_guc_prefix("idempotency");

	idem_xact_init();
	idem_citus_init();			/* the routed calls' shard locks (citus.c) */

	if (process_shared_preload_libraries_in_progress && !IsBinaryUpgrade)
	{
		idem_worker_register();
		idem_stats_register();
	}
}

/*
 * idem_srf_begin sets up a set-returning function's materialized result:
 * the tuplestore to fill, and in *tupdesc the row type, which must have
 * ncols columns.
 */
Tuplestorestate *
idem_srf_begin(FunctionCallInfo fcinfo, int ncols, TupleDesc *tupdesc)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	Tuplestorestate *tupstore;
	MemoryContext old;

	if (rsinfo == NULL || !IsA(rsinfo, ReturnSetInfo))
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("set-valued function called in context that cannot accept a set")));
	if (!(rsinfo->allowedModes & SFRM_Materialize))
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("materialize mode required, but it is not allowed in this context")));

	old = MemoryContextSwitchTo(rsinfo->econtext->ecxt_per_query_memory);
	if (get_call_result_type(fcinfo, NULL, tupdesc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "return type must be a row type");
	if ((*tupdesc)->natts != ncols)
		elog(ERROR, "function returns %d columns, expected %d",
			 (*tupdesc)->natts, ncols);
	tupstore = tuplestore_begin_heap(true, false, work_mem);
	rsinfo->returnMode = SFRM_Materialize;
	rsinfo->setResult = tupstore;
	rsinfo->setDesc = *tupdesc;
	MemoryContextSwitchTo(old);
	return tupstore;
}
