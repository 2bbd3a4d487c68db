/* SPDX-License-Identifier: GPL-2.0 */
/* Userspace stand-in for <linux/rcupdate.h>: the types only. */
#ifndef SHIM_LINUX_RCUPDATE_H
#define SHIM_LINUX_RCUPDATE_H

struct rcu_head {
	struct rcu_head *next;
	void (*func)(struct rcu_head *head);
};

#endif
