/*-------------------------------------------------------------------------
 * srf.c
 *	  The set-up of a set-returning function's materialized result, shared
 *	  by the SQL-callable functions that return rows.  No state, no locks.
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "fmgr.h"
#include "funcapi.h"
#include "miscadmin.h"

#include "srf.h"

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
