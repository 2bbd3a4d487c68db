/* SPDX-License-Identifier: GPL-2.0 */
/* Userspace stand-in for <linux/mmu_notifier.h>: the types only. */
#ifndef SHIM_LINUX_MMU_NOTIFIER_H
#define SHIM_LINUX_MMU_NOTIFIER_H

#include <linux/types.h>

struct mm_struct;
struct mmu_notifier;

struct mmu_notifier_range {
	struct mm_struct *mm;
	unsigned long start;
	unsigned long end;
	unsigned int flags;
};

struct mmu_notifier_ops {
	void (*release)(struct mmu_notifier *subscription,
			struct mm_struct *mm);
	int (*invalidate_range_start)(struct mmu_notifier *subscription,
				      const struct mmu_notifier_range *range);
};

struct mmu_notifier {
	const struct mmu_notifier_ops *ops;
	struct mm_struct *mm;
};

#endif
