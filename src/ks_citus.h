/*-------------------------------------------------------------------------
 * ks_citus.h
 *	  The key store of the routed entry points (citus.c): a key table that
 *	  idempotency.distribute() created, distributed by Citus and colocated
 *	  with a business table, read and written through SPI so that Citus
 *	  routes every statement to the shard of the call's routing value.
 *
 *	  The seam with keystore.c: while a routed entry point runs, it sets
 *	  the current target (ks_citus_enter/ks_citus_leave), and ks_open of
 *	  keystore.c then gives the KeyStore a KsCitus instead of opening the
 *	  plain table; every ks_* function of keystore.c hands a KeyStore with
 *	  a KsCitus to the ks_citus_* function of the same name.  Outside a
 *	  routed call nothing here runs, so plain PostgreSQL keeps the direct
 *	  heap path untouched.
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
	Oid			relid;			/* idempotency.keys_<colocation id> */
	Oid			routing_type;
	Datum		routing;
	char	   *routing_text;	/* the value's text form, to tell keys apart */
	struct KsCitusPlans *plans; /* the table's prepared statements */
} KsCitus;

extern KsCitus *ks_citus_current;

extern void ks_citus_enter(KsCitus *target, Oid relid, Oid routing_type,
						   Datum routing);
extern void ks_citus_leave(KsCitus *previous);

extern void ks_citus_open(KeyStore *ks, LOCKMODE lockmode);
extern bool ks_citus_fetch(KeyStore *ks, const KeyId *id, KsSnapshot which,
						   KeyRow *row);
extern void ks_citus_insert(KeyStore *ks, KeyRow *row);
extern TM_Result ks_citus_update(KeyStore *ks, KeyRow *row);
extern TM_Result ks_citus_delete(KeyStore *ks, KeyRow *row);
extern void ks_citus_init(void);
extern void ks_citus_refuse_plain(Relation heap);

/* Shards and their locks, for citus.c's planner hook too */
extern int64 ks_citus_shard_id(Oid relid, Oid routing_type, Datum routing);
extern void ks_citus_lock_shard(Oid relid, int64 shardid);
extern int64 ks_citus_prepare_call(Oid relid, Oid routing_type, Datum routing);

/* citus.c: the planner hook that locks a routed call's shard group */
extern void idem_citus_init(void);

#endif							/* IDEMPOTENCY_KS_CITUS_H */
