/* SPDX-License-Identifier: GPL-2.0 */
/* Userspace stand-in for <linux/list.h>: the types only. */
#ifndef SHIM_LINUX_LIST_H
#define SHIM_LINUX_LIST_H

struct list_head {
	struct list_head *next, *prev;
};

struct hlist_node {
	struct hlist_node *next, **pprev;
};

#endif
