// SPDX-License-Identifier: GPL-2.0-only
/*
 * A tiny Power ISA instruction emitter for selftest guest code.
 * Encodings follow Power ISA v3.0B, Book I (D, DS, X, XO, MD, I, B forms).
 */
#include <string.h>

#include "ppc_asm.h"

#define OP(op)		((u32)(op) << 26)
#define RT(r)		((u32)((r) & 31) << 21)
#define RS(r)		RT(r)
#define RA(r)		((u32)((r) & 31) << 16)
#define RB(r)		((u32)((r) & 31) << 11)
#define XO(xo)		((u32)(xo) << 1)

static void asm_fail(struct ppc_asm *a, const char *why)
{
	if (!a->err)
		a->err = why;
}

static bool reg_ok(struct ppc_asm *a, int r)
{
	if (r < 0 || r > 31) {
		asm_fail(a, "register number out of range");
		return false;
	}
	return true;
}

static u32 simm16(struct ppc_asm *a, s64 v)
{
	if (v < -0x8000 || v > 0x7fff)
		asm_fail(a, "signed 16-bit immediate out of range");
	return (u32)v & 0xffff;
}

static u32 uimm16(struct ppc_asm *a, u64 v)
{
	if (v > 0xffff)
		asm_fail(a, "unsigned 16-bit immediate out of range");
	return (u32)v & 0xffff;
}

void ppc_asm_init(struct ppc_asm *a, u64 base)
{
	memset(a, 0, sizeof(*a));
	a->base = base;
}

u64 ppc_here(const struct ppc_asm *a)
{
	return a->base + 4ULL * a->n;
}

void ppc_emit(struct ppc_asm *a, u32 insn)
{
	if (a->n >= PPC_ASM_MAX_INSNS) {
		asm_fail(a, "guest code buffer full");
		return;
	}
	a->insns[a->n++] = insn;
}

static void dform(struct ppc_asm *a, int op, int rt, int ra, s64 d)
{
	reg_ok(a, rt);
	reg_ok(a, ra);
	ppc_emit(a, OP(op) | RT(rt) | RA(ra) | simm16(a, d));
}

static void dsform(struct ppc_asm *a, int op, int xo, int rt, int ra, s64 d)
{
	if (d & 3)
		asm_fail(a, "DS-form displacement not a multiple of 4");
	reg_ok(a, rt);
	reg_ok(a, ra);
	ppc_emit(a, OP(op) | RT(rt) | RA(ra) | (simm16(a, d) & 0xfffc) | xo);
}

static void xform(struct ppc_asm *a, int rt, int ra, int rb, int xo)
{
	reg_ok(a, rt);
	reg_ok(a, ra);
	reg_ok(a, rb);
	ppc_emit(a, OP(31) | RT(rt) | RA(ra) | RB(rb) | XO(xo));
}

void ppc_addi(struct ppc_asm *a, int rt, int ra, s64 si)
{
	dform(a, 14, rt, ra, si);
}

void ppc_addis(struct ppc_asm *a, int rt, int ra, s64 si)
{
	dform(a, 15, rt, ra, si);
}

void ppc_li(struct ppc_asm *a, int rt, s64 si)
{
	ppc_addi(a, rt, 0, si);
}

void ppc_lis(struct ppc_asm *a, int rt, s64 si)
{
	ppc_addis(a, rt, 0, si);
}

void ppc_ori(struct ppc_asm *a, int ra, int rs, u64 ui)
{
	reg_ok(a, ra);
	reg_ok(a, rs);
	ppc_emit(a, OP(24) | RS(rs) | RA(ra) | uimm16(a, ui));
}

void ppc_oris(struct ppc_asm *a, int ra, int rs, u64 ui)
{
	reg_ok(a, ra);
	reg_ok(a, rs);
	ppc_emit(a, OP(25) | RS(rs) | RA(ra) | uimm16(a, ui));
}

/* MD-form rldicr: sh and me are 6-bit fields split as (low 5, high 1) */
void ppc_rldicr(struct ppc_asm *a, int ra, int rs, int sh, int me)
{
	u32 mefield;

	if (sh < 0 || sh > 63 || me < 0 || me > 63)
		asm_fail(a, "rldicr shift or mask out of range");
	reg_ok(a, ra);
	reg_ok(a, rs);
	mefield = ((me & 0x1f) << 1) | ((me >> 5) & 1);
	ppc_emit(a, OP(30) | RS(rs) | RA(ra) | ((u32)(sh & 0x1f) << 11) |
		 (mefield << 5) | (1 << 2) | (((sh >> 5) & 1) << 1));
}

void ppc_sldi(struct ppc_asm *a, int ra, int rs, int n)
{
	ppc_rldicr(a, ra, rs, n, 63 - n);
}

void ppc_li64(struct ppc_asm *a, int rt, u64 val)
{
	s64 sv = (s64)val;

	if (sv >= -0x8000 && sv <= 0x7fff) {
		ppc_li(a, rt, sv);
		return;
	}
	if (sv >= -0x80000000LL && sv <= 0x7fffffffLL) {
		ppc_lis(a, rt, (s16)(val >> 16));
		if (val & 0xffff)
			ppc_ori(a, rt, rt, val & 0xffff);
		return;
	}
	ppc_lis(a, rt, (s16)(val >> 48));
	if ((val >> 32) & 0xffff)
		ppc_ori(a, rt, rt, (val >> 32) & 0xffff);
	ppc_sldi(a, rt, rt, 32);
	if ((val >> 16) & 0xffff)
		ppc_oris(a, rt, rt, (val >> 16) & 0xffff);
	if (val & 0xffff)
		ppc_ori(a, rt, rt, val & 0xffff);
}

void ppc_add(struct ppc_asm *a, int rt, int ra, int rb)
{
	xform(a, rt, ra, rb, 266);
}

void ppc_subf(struct ppc_asm *a, int rt, int ra, int rb)
{
	xform(a, rt, ra, rb, 40);
}

void ppc_mulld(struct ppc_asm *a, int rt, int ra, int rb)
{
	xform(a, rt, ra, rb, 233);
}

/* or ra, rs, rs; note the X-form field order (rs, ra, rb) */
void ppc_mr(struct ppc_asm *a, int ra, int rs)
{
	xform(a, rs, ra, rs, 444);
}

void ppc_xor(struct ppc_asm *a, int ra, int rs, int rb)
{
	xform(a, rs, ra, rb, 316);
}

/* andi. ra, rs, ui (sets cr0) */
void ppc_andi_dot(struct ppc_asm *a, int ra, int rs, u64 ui)
{
	reg_ok(a, ra);
	reg_ok(a, rs);
	ppc_emit(a, OP(28) | RS(rs) | RA(ra) | uimm16(a, ui));
}

void ppc_cmpd(struct ppc_asm *a, int ra, int rb)
{
	/* cmp cr0, L=1, ra, rb */
	xform(a, 1, ra, rb, 0);
}

void ppc_cmpdi(struct ppc_asm *a, int ra, s64 si)
{
	/* cmpi cr0, L=1, ra, si */
	dform(a, 11, 1, ra, si);
}

void ppc_lbz(struct ppc_asm *a, int rt, s64 d, int ra)
{
	dform(a, 34, rt, ra, d);
}

void ppc_lhz(struct ppc_asm *a, int rt, s64 d, int ra)
{
	dform(a, 40, rt, ra, d);
}

void ppc_lwz(struct ppc_asm *a, int rt, s64 d, int ra)
{
	dform(a, 32, rt, ra, d);
}

void ppc_ld(struct ppc_asm *a, int rt, s64 d, int ra)
{
	dsform(a, 58, 0, rt, ra, d);
}

void ppc_stb(struct ppc_asm *a, int rs, s64 d, int ra)
{
	dform(a, 38, rs, ra, d);
}

void ppc_sth(struct ppc_asm *a, int rs, s64 d, int ra)
{
	dform(a, 44, rs, ra, d);
}

void ppc_stw(struct ppc_asm *a, int rs, s64 d, int ra)
{
	dform(a, 36, rs, ra, d);
}

void ppc_std(struct ppc_asm *a, int rs, s64 d, int ra)
{
	dsform(a, 62, 0, rs, ra, d);
}

void ppc_load(struct ppc_asm *a, int size, int rt, s64 d, int ra)
{
	switch (size) {
	case 1:
		ppc_lbz(a, rt, d, ra);
		break;
	case 2:
		ppc_lhz(a, rt, d, ra);
		break;
	case 4:
		ppc_lwz(a, rt, d, ra);
		break;
	case 8:
		ppc_ld(a, rt, d, ra);
		break;
	default:
		asm_fail(a, "load size not 1, 2, 4 or 8");
	}
}

void ppc_store(struct ppc_asm *a, int size, int rs, s64 d, int ra)
{
	switch (size) {
	case 1:
		ppc_stb(a, rs, d, ra);
		break;
	case 2:
		ppc_sth(a, rs, d, ra);
		break;
	case 4:
		ppc_stw(a, rs, d, ra);
		break;
	case 8:
		ppc_std(a, rs, d, ra);
		break;
	default:
		asm_fail(a, "store size not 1, 2, 4 or 8");
	}
}

/* The SPR number is encoded with its two 5-bit halves swapped */
static u32 sprfield(struct ppc_asm *a, int spr)
{
	if (spr < 0 || spr > 1023)
		asm_fail(a, "SPR number out of range");
	return (((u32)spr & 0x1f) << 16) | ((((u32)spr >> 5) & 0x1f) << 11);
}

void ppc_mtspr(struct ppc_asm *a, int spr, int rs)
{
	reg_ok(a, rs);
	ppc_emit(a, OP(31) | RS(rs) | sprfield(a, spr) | XO(467));
}

void ppc_mfspr(struct ppc_asm *a, int rt, int spr)
{
	reg_ok(a, rt);
	ppc_emit(a, OP(31) | RT(rt) | sprfield(a, spr) | XO(339));
}

void ppc_mtctr(struct ppc_asm *a, int rs)
{
	ppc_mtspr(a, PPC_SPR_CTR, rs);
}

void ppc_b(struct ppc_asm *a, u64 target)
{
	s64 off = (s64)(target - ppc_here(a));

	if (off & 3 || off < -0x2000000 || off > 0x1fffffc)
		asm_fail(a, "branch target out of range");
	ppc_emit(a, OP(18) | ((u32)off & 0x03fffffc));
}

static u32 bform(struct ppc_asm *a, int bo, int bi, s64 off)
{
	if (off & 3 || off < -0x8000 || off > 0x7ffc)
		asm_fail(a, "conditional branch target out of range");
	return OP(16) | ((u32)(bo & 31) << 21) | ((u32)(bi & 31) << 16) |
	       ((u32)off & 0xfffc);
}

void ppc_bc(struct ppc_asm *a, int bo, int bi, u64 target)
{
	ppc_emit(a, bform(a, bo, bi, (s64)(target - ppc_here(a))));
}

void ppc_bdnz(struct ppc_asm *a, u64 target)
{
	ppc_bc(a, PPC_BO_DNZ, 0, target);
}

void ppc_beq(struct ppc_asm *a, u64 target)
{
	ppc_bc(a, PPC_BO_TRUE, PPC_CR0_EQ, target);
}

void ppc_bne(struct ppc_asm *a, u64 target)
{
	ppc_bc(a, PPC_BO_FALSE, PPC_CR0_EQ, target);
}

unsigned int ppc_bc_fwd(struct ppc_asm *a, int bo, int bi)
{
	unsigned int idx = a->n;

	ppc_emit(a, bform(a, bo, bi, 0));
	return idx;
}

void ppc_patch_here(struct ppc_asm *a, unsigned int idx)
{
	s64 off = 4LL * ((s64)a->n - idx);

	if (idx >= a->n) {
		asm_fail(a, "patching a branch that was not emitted");
		return;
	}
	a->insns[idx] = (a->insns[idx] & ~0xfffcU) | (bform(a, 0, 0, off) & 0xfffc);
}

void ppc_nop(struct ppc_asm *a)
{
	ppc_emit(a, 0x60000000);	/* ori 0,0,0 */
}

void ppc_sync(struct ppc_asm *a)
{
	ppc_emit(a, 0x7c0004ac);
}

void ppc_isync(struct ppc_asm *a)
{
	ppc_emit(a, 0x4c00012c);
}

void ppc_sc1(struct ppc_asm *a)
{
	ppc_emit(a, 0x44000022);	/* sc LEV=1: hypercall */
}

void ppc_trap(struct ppc_asm *a)
{
	ppc_emit(a, 0x7fe00008);	/* tw 31, 0, 0 */
}

void ppc_mfmsr(struct ppc_asm *a, int rt)
{
	xform(a, rt, 0, 0, 83);
}

void ppc_mtmsrd(struct ppc_asm *a, int rs)
{
	xform(a, rs, 0, 0, 178);
}

void ppc_slbmte(struct ppc_asm *a, int rs, int rb)
{
	xform(a, rs, 0, rb, 402);
}

/* MD-form rldicl: mb is split as (low 5, high 1) like rldicr's me */
static void rldicl(struct ppc_asm *a, int ra, int rs, int sh, int mb)
{
	u32 mbfield = ((mb & 0x1f) << 1) | ((mb >> 5) & 1);

	reg_ok(a, ra);
	reg_ok(a, rs);
	ppc_emit(a, OP(30) | RS(rs) | RA(ra) | ((u32)(sh & 0x1f) << 11) |
		 (mbfield << 5) | (((sh >> 5) & 1) << 1));
}

void ppc_hpt_enter(struct ppc_asm *a, const struct ppc_hpt_map *m,
		   u64 assert_id)
{
	ppc_li64(a, 3, PPC_H_ENTER);
	ppc_li64(a, 4, 0);
	ppc_li64(a, 5, m->pte_index);
	ppc_li64(a, 6, m->pteh);
	ppc_li64(a, 7, m->ptel);
	ppc_sc1(a);
	ppc_mr(a, 14, 3);
	ppc_assert_eq(a, 14, PPC_H_SUCCESS, assert_id);
	ppc_li64(a, 5, m->slbv);
	ppc_li64(a, 6, m->slbe);
	ppc_slbmte(a, 5, 6);
	ppc_isync(a);
}

void ppc_data_relocate(struct ppc_asm *a, bool on)
{
	ppc_mfmsr(a, 10);
	if (on) {
		ppc_ori(a, 10, 10, PPC_MSR_DR);
	} else {
		/* rotate DR (bit 59 in ISA numbering) to bit 0, clear it, back */
		rldicl(a, 10, 10, 59, 1);
		rldicl(a, 10, 10, 5, 0);
	}
	ppc_mtmsrd(a, 10);
	ppc_isync(a);
}

void ppc_ucall(struct ppc_asm *a, u64 code, int nargs, const int *regs)
{
	int i;

	if (nargs < 0 || nargs > PPC_UCALL_MAX_ARGS) {
		asm_fail(a, "too many ucall arguments");
		return;
	}
	for (i = 0; i < nargs; i++) {
		int dst = 5 + i;

		if (regs[i] == dst)
			continue;
		if (regs[i] == 0 || (regs[i] >= 3 && regs[i] <= 12)) {
			asm_fail(a, "ucall argument in a scratch register");
			return;
		}
		ppc_mr(a, dst, regs[i]);
	}
	ppc_li64(a, 4, code);
	ppc_li64(a, 3, PPC_UCALL_HCALL);
	ppc_sc1(a);
}

void ppc_ucall0(struct ppc_asm *a, u64 code)
{
	ppc_ucall(a, code, 0, NULL);
}

void ppc_ucall1(struct ppc_asm *a, u64 code, int reg)
{
	ppc_ucall(a, code, 1, &reg);
}

void ppc_done(struct ppc_asm *a)
{
	u64 again = ppc_here(a);

	/* A guest resumed after DONE reports DONE again */
	ppc_ucall0(a, PPC_UCALL_DONE);
	ppc_b(a, again);
}

void ppc_assert_eq(struct ppc_asm *a, int reg, u64 val, u64 id)
{
	unsigned int skip;

	if (reg == 0 || (reg >= 3 && reg <= 12 && reg != 6)) {
		asm_fail(a, "asserted register is a scratch register");
		return;
	}
	ppc_li64(a, 0, val);
	ppc_cmpd(a, reg, 0);
	skip = ppc_bc_fwd(a, PPC_BO_TRUE, PPC_CR0_EQ);
	ppc_mr(a, 6, reg);
	ppc_mr(a, 7, 0);
	ppc_li64(a, 5, id);
	ppc_li64(a, 4, PPC_UCALL_ASSERT_FAIL);
	ppc_li64(a, 3, PPC_UCALL_HCALL);
	ppc_sc1(a);
	ppc_patch_here(a, skip);
}
