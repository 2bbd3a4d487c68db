/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Userspace stand-in for <linux/srcu.h>: read-side critical sections are
 * counted (all threads together), so a test can check that a caller holds
 * one, and that every srcu_read_lock() is paired with an unlock of the same
 * index. There are no grace periods: tests free nothing under a reader.
 */
#ifndef SHIM_LINUX_SRCU_H
#define SHIM_LINUX_SRCU_H

#include <stdio.h>
#include <stdlib.h>

struct srcu_struct {
	int readers;
};

static inline int srcu_read_lock(struct srcu_struct *ssp)
{
	__atomic_add_fetch(&ssp->readers, 1, __ATOMIC_SEQ_CST);
	return 0;	/* the index of the only counter set */
}

static inline void srcu_read_unlock(struct srcu_struct *ssp, int idx)
{
	if (idx != 0 || __atomic_sub_fetch(&ssp->readers, 1,
					   __ATOMIC_SEQ_CST) < 0) {
		fprintf(stderr, "srcu_read_unlock(%p, %d) unbalanced\n",
			(void *)ssp, idx);
		abort();
	}
}

#endif
