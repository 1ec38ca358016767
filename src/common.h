/*-------------------------------------------------------------------------
 * common.h
 *	  Definitions shared by every part of the extension and owned by none:
 *	  the extension's own SQLSTATEs, the limits that the SQL API enforces
 *	  and the lock class of its advisory locks.  No functions, no state.
 *-------------------------------------------------------------------------
 */
#ifndef IDEMPOTENCY_COMMON_H
#define IDEMPOTENCY_COMMON_H

#include "postgres.h"

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

#endif							/* IDEMPOTENCY_COMMON_H */
