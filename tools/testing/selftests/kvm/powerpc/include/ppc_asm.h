/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A tiny Power ISA instruction emitter for selftest guest code.
 *
 * Registers are plain numbers (0..31). The ucall helpers use r0 and r3..r12
 * as scratch; keep test values in r14..r31. Branch targets are guest
 * addresses (ppc_here()); forward branches are emitted with a zero offset
 * and patched with ppc_patch_here().
 *
 * Errors (an immediate that does not fit, a branch out of range, a full
 * buffer) are latched in a->err and reported by ppc_guest_load().
 */
#ifndef PPC_ASM_H
#define PPC_ASM_H

#include "ppc_kvm_util.h"

#define PPC_ASM_MAX_INSNS	(PPC_GUEST_CODE_SIZE / 4)

struct ppc_asm {
	u64 base;		/* guest address of insns[0] */
	unsigned int n;
	const char *err;
	u32 insns[PPC_ASM_MAX_INSNS];
};

/* Condition register bits of cr0 */
#define PPC_CR0_LT	0
#define PPC_CR0_GT	1
#define PPC_CR0_EQ	2

/* BO field values */
#define PPC_BO_FALSE	4	/* branch if CR bit clear */
#define PPC_BO_TRUE	12	/* branch if CR bit set */
#define PPC_BO_DNZ	16	/* decrement CTR, branch if CTR != 0 */
#define PPC_BO_ALWAYS	20

#define PPC_SPR_XER	1
#define PPC_SPR_LR	8
#define PPC_SPR_CTR	9
#define PPC_SPR_SRR0	26
#define PPC_SPR_SRR1	27

void ppc_asm_init(struct ppc_asm *a, u64 base);
u64 ppc_here(const struct ppc_asm *a);
void ppc_emit(struct ppc_asm *a, u32 insn);

/* Arithmetic and constants */
void ppc_addi(struct ppc_asm *a, int rt, int ra, s64 si);
void ppc_addis(struct ppc_asm *a, int rt, int ra, s64 si);
void ppc_li(struct ppc_asm *a, int rt, s64 si);
void ppc_lis(struct ppc_asm *a, int rt, s64 si);
void ppc_ori(struct ppc_asm *a, int ra, int rs, u64 ui);
void ppc_oris(struct ppc_asm *a, int ra, int rs, u64 ui);
void ppc_rldicr(struct ppc_asm *a, int ra, int rs, int sh, int me);
void ppc_sldi(struct ppc_asm *a, int ra, int rs, int n);
void ppc_li64(struct ppc_asm *a, int rt, u64 val);
void ppc_add(struct ppc_asm *a, int rt, int ra, int rb);
void ppc_subf(struct ppc_asm *a, int rt, int ra, int rb);
void ppc_mulld(struct ppc_asm *a, int rt, int ra, int rb);
void ppc_mr(struct ppc_asm *a, int ra, int rs);
void ppc_xor(struct ppc_asm *a, int ra, int rs, int rb);
void ppc_andi_dot(struct ppc_asm *a, int ra, int rs, u64 ui);	/* andi. */
void ppc_cmpd(struct ppc_asm *a, int ra, int rb);
void ppc_cmpdi(struct ppc_asm *a, int ra, s64 si);

/* Loads and stores: D-form "op rt, d(ra)"; ld/std need d % 4 == 0 */
void ppc_lbz(struct ppc_asm *a, int rt, s64 d, int ra);
void ppc_lhz(struct ppc_asm *a, int rt, s64 d, int ra);
void ppc_lwz(struct ppc_asm *a, int rt, s64 d, int ra);
void ppc_ld(struct ppc_asm *a, int rt, s64 d, int ra);
void ppc_stb(struct ppc_asm *a, int rs, s64 d, int ra);
void ppc_sth(struct ppc_asm *a, int rs, s64 d, int ra);
void ppc_stw(struct ppc_asm *a, int rs, s64 d, int ra);
void ppc_std(struct ppc_asm *a, int rs, s64 d, int ra);
/* Load/store of 1, 2, 4 or 8 bytes, zero-extending loads */
void ppc_load(struct ppc_asm *a, int size, int rt, s64 d, int ra);
void ppc_store(struct ppc_asm *a, int size, int rs, s64 d, int ra);

/* Special purpose registers */
void ppc_mtspr(struct ppc_asm *a, int spr, int rs);
void ppc_mfspr(struct ppc_asm *a, int rt, int spr);
void ppc_mtctr(struct ppc_asm *a, int rs);

/* Branches; targets are guest addresses */
void ppc_b(struct ppc_asm *a, u64 target);
void ppc_bc(struct ppc_asm *a, int bo, int bi, u64 target);
void ppc_bdnz(struct ppc_asm *a, u64 target);
void ppc_beq(struct ppc_asm *a, u64 target);
void ppc_bne(struct ppc_asm *a, u64 target);
/* Emit a conditional branch to be patched; returns its index */
unsigned int ppc_bc_fwd(struct ppc_asm *a, int bo, int bi);
void ppc_patch_here(struct ppc_asm *a, unsigned int idx);

/* Misc */
void ppc_nop(struct ppc_asm *a);
void ppc_sync(struct ppc_asm *a);
void ppc_isync(struct ppc_asm *a);
void ppc_sc1(struct ppc_asm *a);
void ppc_trap(struct ppc_asm *a);

/* MSR and SLB (supervisor) */
void ppc_mfmsr(struct ppc_asm *a, int rt);
void ppc_mtmsrd(struct ppc_asm *a, int rs);	/* L = 0: the whole MSR */
void ppc_slbmte(struct ppc_asm *a, int rs, int rb);

/*
 * HPT guests: H_ENTER the 4K mapping m (ppc_hpt_map_4k()) with "sc 1",
 * report PPC_UCALL_ASSERT_FAIL (assert_id, return code, H_SUCCESS) unless
 * it returns H_SUCCESS, then load its segment into SLB entry 0 (slbmte,
 * isync). Uses r0, r3..r12 and r14.
 */
struct ppc_hpt_map;
void ppc_hpt_enter(struct ppc_asm *a, const struct ppc_hpt_map *m,
		   u64 assert_id);
/* Turn data relocation on or off (mfmsr, ori/rldicl, mtmsrd, isync); r10 */
void ppc_data_relocate(struct ppc_asm *a, bool on);

/*
 * Ucalls. Argument registers must be outside r0 and r3..r12 (or already the
 * one the argument goes to: r5 for the first, r6 for the second, ...).
 */
void ppc_ucall(struct ppc_asm *a, u64 code, int nargs, const int *regs);
void ppc_ucall0(struct ppc_asm *a, u64 code);
void ppc_ucall1(struct ppc_asm *a, u64 code, int reg);
void ppc_done(struct ppc_asm *a);
/* Report PPC_UCALL_ASSERT_FAIL (id, reg, val) unless reg == val */
void ppc_assert_eq(struct ppc_asm *a, int reg, u64 val, u64 id);

#endif /* PPC_ASM_H */
