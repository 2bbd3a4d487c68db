/* SPDX-License-Identifier: GPL-2.0 */
#ifndef SHIM_LINUX_NOTIFIER_H
#define SHIM_LINUX_NOTIFIER_H

struct notifier_block {
	int (*notifier_call)(struct notifier_block *nb, unsigned long action,
			     void *data);
	struct notifier_block *next;
	int priority;
};

#endif
