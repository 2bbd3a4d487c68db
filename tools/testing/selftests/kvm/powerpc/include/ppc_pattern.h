/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Known, distinct device contents for tests that must see a wrong mapping.
 *
 * QEMU's e1000e keeps 40K of plain storage in its register BAR0: the
 * packet buffer memory (PBM) at 0x10000..0x19fff, read and written as
 * 32-bit registers with no side effect. The host writes a pattern there
 * through its own mapping first; every 32-bit word then holds its own BAR
 * offset under a tag,
 *
 *	word(off) = tag << 20 | off		(off < 1M, tag < 4096)
 *
 * so no two words are equal, none is 0 or all ones, and a wrong value
 * names the offset it came from. A guest access that lands 0x1000 (or
 * any other distance) off reads another word and fails the test, where
 * e1000e's flash BAR (all zeros) could not tell.
 */
#ifndef PPC_PATTERN_H
#define PPC_PATTERN_H

#include "ppc_ptw_util.h"

#define PPC_E1000E_PBM		0x10000ULL	/* BAR0 offset, 64K aligned */
#define PPC_E1000E_PBM_SIZE	0xa000ULL	/* 40K */
#define PPC_PATTERN_TAG		0xa5cU		/* never 0x5a5 (MMIO fills) */

static inline u32 ppc_pattern_word(u32 tag, u64 off)
{
	return tag << 20 | (u32)(off & 0xfffff);
}

/* The little-endian qword at off (8-byte aligned), as an 8-byte load */
static inline u64 ppc_pattern_qword(u32 tag, u64 off)
{
	return (u64)ppc_pattern_word(tag, off + 4) << 32 |
	       ppc_pattern_word(tag, off);
}

/*
 * Write the pattern into [off, off + len) of e1000e BAR0 (inside the PBM)
 * through the host's mapping and read it back. Returns 0, or -EIO with
 * the first word that did not stick in ppc_errmsg().
 */
int ppc_pbm_fill(struct ppc_pci_bar *regs, u32 tag, u64 off, u64 len);
/*
 * Compare [off, off + len) of BAR0 with want[] (qwords); returns the
 * number of qwords that differ, the first few printed under what.
 */
unsigned int ppc_pbm_compare(struct ppc_pci_bar *regs, u64 off, u64 len,
			     const u64 *want, const char *what);

#endif /* PPC_PATTERN_H */
