/*-------------------------------------------------------------------------
 * idempotency.h
 *	  Declarations shared by every part of the extension: the GUC variables
 *	  defined in idempotency.c, the extension's own SQLSTATEs and the limits
 *	  that the SQL API enforces.
 *-------------------------------------------------------------------------
 */
#ifndef IDEMPOTENCY_H
#define IDEMPOTENCY_H

#include "postgres.h"

#include "fmgr.h"
#include "access/tupdesc.h"
#include "utils/tuplestore.h"

/* GUCs (idempotency.c) */
extern int	idem_default_ttl;		/* seconds */
extern int	idem_max_response_size; /* bytes */

/*
 * The extension's SQLSTATEs: class IK (implementation-defined).  Every code
 * raised here is listed in docs/reference.md with its HTTP mapping.
 */
#define ERRCODE_IDEM_FINGERPRINT_MISMATCH	MAKE_SQLSTATE('I','K','0','0','1')
#define ERRCODE_IDEM_LEASE_LOST				MAKE_SQLSTATE('I','K','0','0','2')
#define ERRCODE_IDEM_NOT_CLAIMED			MAKE_SQLSTATE('I','K','0','0','3')
#define ERRCODE_IDEM_ALREADY_COMPLETED		MAKE_SQLSTATE('I','K','0','0','4')
#define ERRCODE_IDEM_CLAIM_NOT_FINISHED		MAKE_SQLSTATE('I','K','0','0','5')

/* Limits on arguments (bytes) */
#define IDEM_MAX_KEY_LEN			255
#define IDEM_MAX_SCOPE_LEN			255
#define IDEM_MAX_FINGERPRINT_LEN	1024
#define IDEM_MAX_RECOVERY_POINT_LEN 1024

/* Limits on intervals (seconds) */
#define IDEM_MAX_WAIT_SECS		(24 * 60 * 60)			/* one day */
#define IDEM_MAX_LEASE_SECS		(30 * 24 * 60 * 60)		/* thirty days */
#define IDEM_MAX_TTL_SECS		(3650 * 24 * 60 * 60)	/* ten years */

/* The lock class of the extension's advisory locks (pg_locks.objsubid) */
#define IDEM_LOCK_CLASS		0x4944	/* "ID" */

extern Tuplestorestate *idem_srf_begin(FunctionCallInfo fcinfo, int ncols,
									   TupleDesc *tupdesc);

#endif							/* IDEMPOTENCY_H */
