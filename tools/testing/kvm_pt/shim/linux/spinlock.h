/* SPDX-License-Identifier: GPL-2.0 */
/* Real locks, so the harness's multi-threaded tests exercise them. */
#ifndef SHIM_LINUX_SPINLOCK_H
#define SHIM_LINUX_SPINLOCK_H
#include <pthread.h>
typedef struct { pthread_mutex_t m; } spinlock_t;
#define spin_lock_init(l)	pthread_mutex_init(&(l)->m, NULL)
#define spin_lock(l)		pthread_mutex_lock(&(l)->m)
#define spin_unlock(l)		pthread_mutex_unlock(&(l)->m)
#define spin_lock_irqsave(l, f)	do { (void)(f); pthread_mutex_lock(&(l)->m); } while (0)
#define spin_unlock_irqrestore(l, f) do { (void)(f); pthread_mutex_unlock(&(l)->m); } while (0)
#define lockdep_assert_held(l)	do { } while (0)
#endif
