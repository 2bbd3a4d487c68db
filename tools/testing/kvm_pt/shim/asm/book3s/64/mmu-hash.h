/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Userspace stand-in for <asm/book3s/64/mmu-hash.h>: the hashed page
 * table entry (HPTE) as the POWER ISA defines it, under the names Linux
 * gives its fields, and the conversions between the two HPTE formats.
 *
 * Written for the harness from the ISA (v2.07B and v3.0B Book III,
 * "Page Table Entry"), not taken from the kernel header, which needs half
 * of the powerpc tree. Bits are numbered as the ISA does, 0 being the
 * most significant bit of the doubleword.
 *
 * Old format (POWER7/8), doubleword 0:
 *   0:1 B (segment size)  2:56 AVPN  57:60 software  61 L  62 H  63 V
 * doubleword 1:
 *   0 PP0  1 TS  2:3 key[0:1]  4:51 ARPN  52:54 key[2:4]  55 R  56 C
 *   57:60 WIMG  61 N  62:63 PP
 * ISA v3.0 format (POWER9): the virtual address shrinks to 68 bits, so
 * doubleword 0 keeps AVPN in 12:56 only (0:11 reserved), and B moves to
 * bits 4:5 of doubleword 1, whose ARPN shrinks to 7:51.
 */
#ifndef SHIM_ASM_BOOK3S_64_MMU_HASH_H
#define SHIM_ASM_BOOK3S_64_MMU_HASH_H

#include <linux/types.h>

/* Bit b of a doubleword, in the ISA's numbering. */
#define SHIM_IBM_BIT(b)		(1UL << (63 - (b)))
/* Bits hi..lo (hi <= lo) in the ISA's numbering. */
#define SHIM_IBM_BITS(hi, lo)	((~0UL >> (hi)) & (~0UL << (63 - (lo))))

#define HPTES_PER_GROUP		8

/* Segment sizes: the B field of SLB entries and HPTEs. */
#define MMU_SEGSIZE_256M	0
#define MMU_SEGSIZE_1T		1
#define SID_SHIFT		28
#define SID_SHIFT_1T		40

/* Doubleword 0, old format. */
#define HPTE_V_SSIZE_SHIFT	62
#define HPTE_V_1TB_SEG		((unsigned long)MMU_SEGSIZE_1T << HPTE_V_SSIZE_SHIFT)
#define HPTE_V_AVPN_SHIFT	7
#define HPTE_V_AVPN		SHIM_IBM_BITS(2, 56)
#define HPTE_V_AVPN_3_0		SHIM_IBM_BITS(12, 56)
#define HPTE_V_AVPN_VAL(x)	(((x) & HPTE_V_AVPN) >> HPTE_V_AVPN_SHIFT)
/* What both formats share in doubleword 0: all but B and AVPN's top. */
#define HPTE_V_COMMON_BITS	SHIM_IBM_BITS(12, 63)
/* Software bits 57:60: 57, 58 are KVM's (<asm/kvm_book3s_64.h>). */
#define HPTE_V_BOLTED		SHIM_IBM_BIT(59)
#define HPTE_V_LOCK		SHIM_IBM_BIT(60)
#define HPTE_V_LARGE		SHIM_IBM_BIT(61)	/* L */
#define HPTE_V_SECONDARY	SHIM_IBM_BIT(62)	/* H */
#define HPTE_V_VALID		SHIM_IBM_BIT(63)	/* V */

/* Doubleword 1. */
#define HPTE_R_PP0		SHIM_IBM_BIT(0)
#define HPTE_R_TS		SHIM_IBM_BIT(1)
#define HPTE_R_KEY_HI		SHIM_IBM_BITS(2, 3)
#define HPTE_R_3_0_SSIZE_SHIFT	58			/* B, v3.0: bits 4:5 */
#define HPTE_R_3_0_SSIZE_MASK	SHIM_IBM_BITS(4, 5)
#define HPTE_R_RPN_SHIFT	12
#define HPTE_R_RPN		SHIM_IBM_BITS(4, 51)
#define HPTE_R_RPN_3_0		SHIM_IBM_BITS(7, 51)
#define HPTE_R_KEY_LO		SHIM_IBM_BITS(52, 54)
#define HPTE_R_KEY		(HPTE_R_KEY_HI | HPTE_R_KEY_LO)
#define HPTE_R_R		SHIM_IBM_BIT(55)
#define HPTE_R_C		SHIM_IBM_BIT(56)
#define HPTE_R_W		SHIM_IBM_BIT(57)
#define HPTE_R_I		SHIM_IBM_BIT(58)
#define HPTE_R_M		SHIM_IBM_BIT(59)
#define HPTE_R_G		SHIM_IBM_BIT(60)
#define HPTE_R_WIMG		SHIM_IBM_BITS(57, 60)
#define HPTE_R_N		SHIM_IBM_BIT(61)
#define HPTE_R_PP		SHIM_IBM_BITS(62, 63)
#define HPTE_R_PPP		(HPTE_R_PP0 | HPTE_R_PP)

/* Old format to ISA v3.0: doubleword 0 loses B and the top of AVPN. */
static inline unsigned long hpte_old_to_new_v(unsigned long v)
{
	return v & HPTE_V_COMMON_BITS;
}

/* ... and doubleword 1 takes B where the old ARPN's top bits were. */
static inline unsigned long hpte_old_to_new_r(unsigned long v,
					      unsigned long r)
{
	unsigned long b = v >> HPTE_V_SSIZE_SHIFT;

	return (r & ~HPTE_R_3_0_SSIZE_MASK) | (b << HPTE_R_3_0_SSIZE_SHIFT);
}

/* ISA v3.0 to old format: B goes back to doubleword 0. */
static inline unsigned long hpte_new_to_old_v(unsigned long v,
					      unsigned long r)
{
	unsigned long b = (r & HPTE_R_3_0_SSIZE_MASK) >> HPTE_R_3_0_SSIZE_SHIFT;

	return (v & HPTE_V_COMMON_BITS) | (b << HPTE_V_SSIZE_SHIFT);
}

static inline unsigned long hpte_new_to_old_r(unsigned long r)
{
	return r & ~HPTE_R_3_0_SSIZE_MASK;
}

#endif
