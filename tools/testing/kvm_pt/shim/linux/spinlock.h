/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Real locks, so the harness's multi-threaded tests exercise them. A
 * spinlock knows its owner, so lockdep_assert_held() on one is a real
 * check once <linux/mutex.h> is included.
 */
#ifndef SHIM_LINUX_SPINLOCK_H
#define SHIM_LINUX_SPINLOCK_H
#include <pthread.h>
#include <stdbool.h>

typedef struct {
	pthread_mutex_t m;
	pthread_t owner;
	bool locked;
} spinlock_t;

static inline void spin_lock_init(spinlock_t *l)
{
	pthread_mutex_init(&l->m, NULL);
	l->locked = false;
}

static inline void spin_lock(spinlock_t *l)
{
	pthread_mutex_lock(&l->m);
	l->owner = pthread_self();
	l->locked = true;
}

static inline void spin_unlock(spinlock_t *l)
{
	l->locked = false;
	pthread_mutex_unlock(&l->m);
}

#define spin_lock_irqsave(l, f)	do { (void)(f); spin_lock(l); } while (0)
#define spin_unlock_irqrestore(l, f) do { (void)(f); spin_unlock(l); } while (0)
#define lockdep_assert_held(l)	do { } while (0)
#endif
