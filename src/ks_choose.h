/*-------------------------------------------------------------------------
 * ks_choose.h
 *	  Which key store the running call uses (ks_choose.c): the plain key
 *	  table, or the routed one a Citus entry point entered.
 *-------------------------------------------------------------------------
 */
#ifndef IDEMPOTENCY_KS_CHOOSE_H
#define IDEMPOTENCY_KS_CHOOSE_H

#include "keystore.h"

extern KsTarget *ks_enter(KsTarget *target);
extern void ks_leave(KsTarget *previous);
extern const KeyStoreRoutine *ks_chosen(void);

#define ks_open(ks) ks_open_mode((ks), RowExclusiveLock)
extern void ks_open_mode(KeyStore *ks, LOCKMODE lockmode);

extern void idem_key_id(KeyId *id, Oid owner, text *scope, text *key);

#endif							/* IDEMPOTENCY_KS_CHOOSE_H */
