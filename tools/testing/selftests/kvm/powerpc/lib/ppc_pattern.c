// SPDX-License-Identifier: GPL-2.0-only
/*
 * Known device contents for selftests. See ppc_pattern.h.
 */
#include <errno.h>
#include <stdio.h>

#include <stdio.h>
#include "ppc_pattern.h"

int ppc_pbm_fill(struct ppc_pci_bar *regs, u32 tag, u64 off, u64 len)
{
	u64 o;

	if (off < PPC_E1000E_PBM || off + len > PPC_E1000E_PBM + PPC_E1000E_PBM_SIZE ||
	    (off | len) & 3 || regs->size < off + len)
		return ppc_set_err(EINVAL, "pattern range 0x%llx+0x%llx is not in the PBM",
				   ULL(off), ULL(len));
	for (o = off; o < off + len; o += 4)
		ppc_bar_wr(regs, o, 4, ppc_pattern_word(tag, o));
	for (o = off; o < off + len; o += 4) {
		u32 got = ppc_bar_rd(regs, o, 4);

		if (got != ppc_pattern_word(tag, o))
			return ppc_set_err(EIO, "e1000e BAR0+0x%llx reads 0x%08x after the host wrote 0x%08x: no storage there",
					   ULL(o), got, ppc_pattern_word(tag, o));
	}
	return 0;
}

unsigned int ppc_pbm_compare(struct ppc_pci_bar *regs, u64 off, u64 len,
			     const u64 *want, const char *what)
{
	unsigned int bad = 0;
	u64 i;

	for (i = 0; i < len / 8; i++) {
		u64 got = ppc_bar_rd(regs, off + 8 * i, 8);

		if (got != want[i] && bad++ < 4)
			printf("# %s: BAR0+0x%llx holds 0x%llx, expected 0x%llx\n",
			       what, ULL(off + 8 * i), ULL(got), ULL(want[i]));
	}
	return bad;
}
