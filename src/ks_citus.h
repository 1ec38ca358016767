/*-------------------------------------------------------------------------
 * ks_citus.h
 *	  The key store of the routed entry points (citus.c): a key table that
 *	  idempotency.distribute() created, distributed by Citus and colocated
 *	  with a business table, read and written through SPI so that Citus
 *	  routes every statement to the shard of the call's routing value.
 *
 *	  It implements keystore.h's interface.  A routed entry point fills a
 *	  KsCitus (ks_citus_target) and enters it (ks_enter); every ks_open
 *	  until it leaves opens this store instead of the plain one
 *	  (ks_heap.c).  Outside a routed call nothing here runs but the check
 *	  that the plain table is usable (ks_citus_refuse_plain).
 *-------------------------------------------------------------------------
 */
#ifndef IDEMPOTENCY_KS_CITUS_H
#define IDEMPOTENCY_KS_CITUS_H

#include "keystore.h"

/* A routed call on a node that does not hold its shard (docs/reference.md) */
#define ERRCODE_IDEM_NOT_SHARD_NODE		MAKE_SQLSTATE('I','K','0','0','6')

/* What a routed call works on: its key table and its routing value */
typedef struct KsCitus
{
	KsTarget	target;			/* first: keystore.h's view of it */
	Oid			relid;			/* idempotency.keys_<colocation id> */
	Oid			routing_type;
	Datum		routing;
	char	   *routing_text;	/* the value's text form, to tell keys apart */
	struct KsCitusPlans *plans; /* the table's prepared statements */
} KsCitus;

extern void ks_citus_target(KsCitus *target, Oid relid, Oid routing_type,
							Datum routing);
extern void ks_citus_init(void);
extern void ks_citus_refuse_plain(Oid relid);

/* Shards and their locks, for citus.c's planner hook too */
extern int64 ks_citus_shard_id(Oid relid, Oid routing_type, Datum routing);
extern void ks_citus_lock_shard(Oid relid, int64 shardid);
extern int64 ks_citus_prepare_call(Oid relid, Oid routing_type, Datum routing);

/* citus.c: the planner hook that locks a routed call's shard group */
extern void idem_citus_init(void);

#endif							/* IDEMPOTENCY_KS_CITUS_H */
