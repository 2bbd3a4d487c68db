/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Userspace stand-in for <asm/page.h> of a 64K-page powerpc64 kernel.
 *
 * The harness has no linear map: a table's "physical" address is its
 * userspace address, so __pa() and __va() are the identity (the kernel's
 * __pa() strips the 0xc... linear-map bits, which userspace pointers never
 * have; we keep the mask so the value that reaches a table entry is the
 * same). The software MMU of the tests reads tables back through __va().
 */
#ifndef SHIM_ASM_PAGE_H
#define SHIM_ASM_PAGE_H

#include <linux/types.h>

#define PAGE_SHIFT	16	/* CONFIG_PPC_64K_PAGES, as Debian's ppc64el */
#define PAGE_SIZE	(1UL << PAGE_SHIFT)
#define PAGE_MASK	(~(PAGE_SIZE - 1))

#define __pa(x)	((phys_addr_t)(unsigned long)(x) & 0x0fffffffffffffffUL)
#define __va(x)	((void *)(unsigned long)(phys_addr_t)(x))

#endif
