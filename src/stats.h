/*-------------------------------------------------------------------------
 * stats.h
 *	  Cumulative counters of the key API per (database, role, scope), and
 *	  the event log lines (docs/observability.md).
 *-------------------------------------------------------------------------
 */
#ifndef IDEMPOTENCY_STATS_H
#define IDEMPOTENCY_STATS_H

#include "keystore.h"

/*
 * What is counted.  The order is that of the columns of idempotency.stats()
 * (idempotency--1.0--1.1.sql); a new counter goes at the end, with a new
 * column in an upgrade script.
 */
typedef enum IdemStat
{
	IDEM_STAT_CLAIMED,			/* claim(): outcome claimed */
	IDEM_STAT_REPLAYED,			/* claim(): outcome completed */
	IDEM_STAT_IN_PROGRESS,		/* claim(): outcome in_progress */
	IDEM_STAT_RECOVERED,		/* claim(): outcome recovered */
	IDEM_STAT_ONCE_RUNS,		/* once(): statement run */
	IDEM_STAT_ONCE_REPLAYS,		/* once(): stored rows replayed */
	IDEM_STAT_COMPLETES,		/* complete() */
	IDEM_STAT_RELEASES,			/* release() */
	IDEM_STAT_CHECKPOINTS,		/* checkpoint() */
	IDEM_STAT_MISMATCHES,		/* IK001 raised */
	IDEM_STAT_LEASES_LOST,		/* IK002 raised */
	IDEM_STAT_COMMITS_REFUSED,	/* IK005 raised */
	IDEM_STAT_WAITS,			/* waits for another transaction's key */
	IDEM_STAT_WAIT_TIME_US,		/* their total length, microseconds */
	IDEM_STAT_LOCK_TIMEOUTS,	/* waits that ran out (wait =>, lock_timeout) */
	IDEM_STAT_RESPONSE_BYTES,	/* bytes of responses stored */
	IDEM_STAT_EXPIRED_REPLACED, /* claims that found only an expired key */
	IDEM_STAT_SERIALIZATION_FAILURES,	/* 40001 raised for a key */
	IDEM_NUM_STATS
} IdemStat;

/* Logging settings (idempotency.log_*) */
extern bool idem_log_replays;
extern bool idem_log_mismatches;
extern bool idem_log_refused_commits;
extern bool idem_log_recoveries;
extern int	idem_log_min_wait;	/* ms, -1: off */

extern void idem_stats_define_gucs(void);
extern void idem_stats_register(void);
extern void idem_stats_add(IdemStat which, const KeyId *id, uint64 n);
extern void idem_stats_note_wait(const KeyId *id, int64 wait_us, bool timed_out);
extern void idem_log_event(const KeyId *id, const char *event, const char *detail);

#define idem_stats_count(which, id) idem_stats_add((which), (id), 1)

#endif							/* IDEMPOTENCY_STATS_H */
