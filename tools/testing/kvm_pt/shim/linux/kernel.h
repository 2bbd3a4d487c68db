/* SPDX-License-Identifier: GPL-2.0 */
#ifndef SHIM_LINUX_KERNEL_H
#define SHIM_LINUX_KERNEL_H
#include <linux/types.h>
#include <linux/bits.h>
#include <linux/compiler.h>
#include <linux/bug.h>
#include <linux/minmax.h>
#include <linux/align.h>
#include <string.h>
#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#define DIV_ROUND_UP(n, d) (((n) + (d) - 1) / (d))
#define container_of(p, t, m) ((t *)((char *)(p) - offsetof(t, m)))
#define lower_32_bits(n) ((u32)((n) & 0xffffffff))
#define upper_32_bits(n) ((u32)(((n) >> 16) >> 16))
#define pr_debug(...)	do { } while (0)
#define pr_info(...)	do { } while (0)
#define pr_warn(...)	do { } while (0)
#define pr_err(...)	do { } while (0)
#define pr_warn_ratelimited(...) do { } while (0)
#endif
