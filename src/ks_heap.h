/*-------------------------------------------------------------------------
 * ks_heap.h
 *	  The plain key store: idempotency.idempotency_keys read and written
 *	  through the heap and its primary key (ks_heap.c), behind keystore.h's
 *	  interface.
 *-------------------------------------------------------------------------
 */
#ifndef IDEMPOTENCY_KS_HEAP_H
#define IDEMPOTENCY_KS_HEAP_H

#include "keystore.h"

extern const KeyStoreRoutine ks_heap_routine;

extern void ks_heap_open(KeyStore *ks, LOCKMODE lockmode);

/* The plain key table's OID; ks_relid raises an error where it is absent */
extern Oid	ks_relid(void);
extern Oid	ks_relid_if_exists(void);

#endif							/* IDEMPOTENCY_KS_HEAP_H */
