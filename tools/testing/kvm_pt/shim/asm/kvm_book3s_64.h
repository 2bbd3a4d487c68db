/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Userspace stand-in for <asm/kvm_book3s_64.h>: what KVM's HPT code uses
 * of it -- the HPTE lock and KVM's software bits, the page sizes an HPTE
 * encodes, the tlbie operand for an HPTE, the HPT geometry and the guest
 * view's modified bit.
 *
 * Written for the harness from the POWER ISA (HPTE and tlbie formats) and
 * the POWER8/POWER9 page size encodings, with the semantics KVM gives
 * these helpers; the kernel header itself needs most of the powerpc tree.
 */
#ifndef SHIM_ASM_KVM_BOOK3S_64_H
#define SHIM_ASM_KVM_BOOK3S_64_H

#include <linux/kvm_host.h>
#include <asm/book3s/64/mmu-hash.h>
#include <asm/byteorder.h>
#include <asm/cpu_has_feature.h>
#include <asm/synch.h>

#define PPC_MIN_HPT_ORDER	18
#define PPC_MAX_HPT_ORDER	46

/*
 * KVM's software bits in doubleword 0 (the hardware ignores 57:60): the
 * HPTE lock, and "not present" (emulated MMIO, or a page KVM unmapped),
 * which the guest still sees as valid.
 */
#define HPTE_V_HVLOCK		SHIM_IBM_BIT(57)
#define HPTE_V_ABSENT		SHIM_IBM_BIT(58)

/* In rev->guest_rpte (the guest's view of doubleword 1): changed since
 * the HTAB fd last read it. The guest may not set it. */
#define HPTE_GR_MODIFIED	SHIM_IBM_BIT(1)
#define HPTE_GR_RESERVED	HPTE_GR_MODIFIED

/*
 * Take the HPTE lock if none of @bits (which include HPTE_V_HVLOCK) is
 * set in doubleword 0; the ldarx/stdcx. sequence as a compare-and-swap,
 * acquiring. Like the kernel's, it may fail spuriously: callers loop.
 */
static inline long try_lock_hpte(__be64 *hpte, unsigned long bits)
{
	__be64 old = __atomic_load_n(hpte, __ATOMIC_RELAXED);

	if (old & cpu_to_be64(bits))
		return 0;
	return __atomic_compare_exchange_n(hpte, &old,
					   old | cpu_to_be64(HPTE_V_HVLOCK),
					   true, __ATOMIC_ACQUIRE,
					   __ATOMIC_RELAXED);
}

/* Store doubleword 0 without the lock bit, releasing. */
static inline void unlock_hpte(__be64 *hpte, unsigned long hpte_v)
{
	__atomic_store_n(hpte, cpu_to_be64(hpte_v & ~HPTE_V_HVLOCK),
			 __ATOMIC_RELEASE);
}

/* ... with no barrier: the caller orders what came before. */
static inline void __unlock_hpte(__be64 *hpte, unsigned long hpte_v)
{
	__atomic_store_n(hpte, cpu_to_be64(hpte_v & ~HPTE_V_HVLOCK),
			 __ATOMIC_RELAXED);
}

/*
 * Base and actual page shift of an old-format HPTE, as
 * (actual << 8) | base when they differ, the shift when they are equal,
 * 0 for an encoding POWER8/9 do not implement. L = 0 is 4K; with L = 1,
 * the LP field (the low ARPN bits, 44:51, below the actual page size)
 * selects one of:
 *   LP 0b0001    64K          LP 0b0111      64K in 4K segments
 *   LP 0x00      16M          LP 0x38        16M in 4K segments
 *   LP 0x03      16G          LP 0x08        16M in 64K segments
 */
static inline int kvmppc_hpte_page_shifts(unsigned long h, unsigned long l)
{
	unsigned int lp4 = (l >> 12) & 0xf, lp8 = (l >> 12) & 0xff;

	if (!(h & HPTE_V_LARGE))
		return 12;
	if (lp4 == 0x1)
		return 16;
	if (lp4 == 0x7)
		return (16 << 8) | 12;
	switch (lp8) {
	case 0x00:
		return 24;
	case 0x03:
		return 34;
	case 0x08:
		return (24 << 8) | 16;
	case 0x38:
		return (24 << 8) | 12;
	}
	return 0;
}

static inline int kvmppc_hpte_base_page_shift(unsigned long h, unsigned long l)
{
	return kvmppc_hpte_page_shifts(h, l) & 0xff;
}

static inline int kvmppc_hpte_actual_page_shift(unsigned long h,
						unsigned long l)
{
	int s = kvmppc_hpte_page_shifts(h, l);

	return s > 0xff ? s >> 8 : s;
}

/* Actual page size in bytes, 0 if the encoding is not implemented. */
static inline unsigned long kvmppc_actual_pgsz(unsigned long v,
					       unsigned long r)
{
	int shift = kvmppc_hpte_actual_page_shift(v, r);

	return shift ? 1UL << shift : 0;
}

/*
 * The RB operand of a tlbie of the translation an old-format HPTE at
 * @pte_index gives (ISA v3.0B Book III, tlbie).
 *
 * The HPTE keeps the virtual address down to bit 54 (AVPN, VA[0:54] of
 * the 78-bit VA, that is VA >> 23); the page index bits below come back
 * from the hash: the group index is the hash (or its complement for a
 * secondary HPTE), whose low 11 bits -- an HPT has at least 2^11 groups
 * -- are those of the VSID XOR the page index (for 1T segments the VSID
 * << 25 term has no bit there).
 *
 * L = 0 (4K base page): RB 0:51 = AVA = VA[14:65], RB 54:55 = B,
 * RB 56:58 = AP, the actual page size (0 for 4K, as SLB L||LP: 0b101 64K,
 * 0b100 16M), RB 63 = L.
 * L = 1: RB 0:(63 - b) = VA[14:(77 - b)] for base page size 2^b, with the
 * bits below the actual page size replaced by LP, B, AVAL (RB 56:62) =
 * VA[58:64] as far as they are above the base page (as the kernel's
 * compute_tlbie_rb() fills it from the hash), and L = 1.
 */
static inline unsigned long compute_tlbie_rb(unsigned long v, unsigned long r,
					     unsigned long pte_index)
{
	int shifts = kvmppc_hpte_page_shifts(v, r);
	unsigned int bshift = shifts & 0xff;
	unsigned int ashift = shifts > 0xff ? shifts >> 8 : shifts;
	unsigned long avpn = HPTE_V_AVPN_VAL(v);
	unsigned long b = v >> HPTE_V_SSIZE_SHIFT;
	unsigned long vsid, hash, low, rb;
	unsigned __int128 va;

	vsid = avpn >> ((b == MMU_SEGSIZE_1T ? SID_SHIFT_1T : SID_SHIFT) - 23);
	hash = pte_index / HPTES_PER_GROUP;
	if (v & HPTE_V_SECONDARY)
		hash = ~hash;
	low = (hash ^ vsid) & 0x7ff;
	va = ((unsigned __int128)avpn << 23) |
	     ((low << bshift) & ((1UL << 23) - 1));
	if (bshift <= 12) {
		rb = (unsigned long)(va >> 12) << 12;
		if (ashift == 16)
			rb |= 0x5UL << 5;
		else if (ashift == 24)
			rb |= 0x4UL << 5;
	} else {
		rb = (unsigned long)(va >> bshift) << bshift;
		rb &= ~((1UL << ashift) - 1);
		rb |= r & SHIM_IBM_BITS(44, 51) & ((1UL << ashift) - 1);
		rb |= (low << (bshift - 12)) & SHIM_IBM_BITS(56, 62);
		rb |= 1;
	}
	return rb | (b << 8);
}

/* Note a change of the guest view, if the HTAB fd is watching. */
static inline void note_hpte_modification(struct kvm *kvm,
					  struct revmap_entry *rev)
{
	if (atomic_read(&kvm->arch.hpte_mod_interest))
		rev->guest_rpte |= HPTE_GR_MODIFIED;
}

/* HPTEs in the table: 16 bytes each. */
static inline unsigned long kvmppc_hpt_npte(struct kvm_hpt_info *hpt)
{
	return 1UL << (hpt->order - 4);
}

/* Mask of a hash to a group index: 128 bytes a group. */
static inline unsigned long kvmppc_hpt_mask(struct kvm_hpt_info *hpt)
{
	return (1UL << (hpt->order - 7)) - 1;
}

#endif
