/*-------------------------------------------------------------------------
 * srf.h
 *	  A set-returning function's materialized result (srf.c).
 *-------------------------------------------------------------------------
 */
#ifndef IDEMPOTENCY_SRF_H
#define IDEMPOTENCY_SRF_H

#include "postgres.h"

#include "fmgr.h"
#include "access/tupdesc.h"
#include "utils/tuplestore.h"

extern Tuplestorestate *idem_srf_begin(FunctionCallInfo fcinfo, int ncols,
									   TupleDesc *tupdesc);

#endif							/* IDEMPOTENCY_SRF_H */
