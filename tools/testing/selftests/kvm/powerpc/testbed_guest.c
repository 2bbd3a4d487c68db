// SPDX-License-Identifier: GPL-2.0-only
/*
 * An L2 guest runs through our kvm-hv: it computes, reports by ucall, and
 * exchanges data with the host through a memslot of anonymous memory.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../../kselftest.h"
#include "ppc_kvm_util.h"
#include "ppc_asm.h"

#define SHARED_GPA	0x40000000ULL

static struct ppc_asm code;

static u64 rand64(void)
{
	return ((u64)random() << 62) ^ ((u64)random() << 31) ^ random();
}

static void test_sum(struct ppc_vcpu *vcpu)
{
	u64 n = 1000 + random() % 1000, loop;
	int regs[] = { 15, 16 };
	struct ppc_ucall uc;
	int r;

	ppc_asm_init(&code, PPC_GUEST_CODE_GPA);
	ppc_li64(&code, 14, n);
	ppc_mtctr(&code, 14);
	ppc_li(&code, 15, 0);		/* sum */
	ppc_li(&code, 16, 1);		/* i */
	loop = ppc_here(&code);
	ppc_add(&code, 15, 15, 16);
	ppc_addi(&code, 16, 16, 1);
	ppc_bdnz(&code, loop);
	ppc_ucall(&code, PPC_UCALL_SYNC, 2, regs);
	ppc_done(&code);

	ppc_vcpu_clear_stats(vcpu);
	r = ppc_guest_load(vcpu, &code);
	if (!r)
		r = ppc_vcpu_run_expect(vcpu, PPC_UCALL_SYNC, &uc, NULL, NULL);
	if (r) {
		ksft_test_result_fail("guest sum loop: %s\n", ppc_errmsg());
		ksft_test_result_skip("exit accounting: no guest run\n");
		return;
	}
	ksft_print_msg("guest sum of 1..%llu = %llu (i = %llu)\n",
		       (unsigned long long)n, (unsigned long long)uc.args[0],
		       (unsigned long long)uc.args[1]);
	r = ppc_vcpu_run_expect(vcpu, PPC_UCALL_DONE, NULL, NULL, NULL);
	ksft_test_result(!r && uc.args[0] == n * (n + 1) / 2 &&
			 uc.args[1] == n + 1,
			 "guest sums 1..%llu in a bdnz loop and reports it\n",
			 (unsigned long long)n);

	ppc_vcpu_print_stats(vcpu);
	ksft_test_result(vcpu->nr_runs == 2 &&
			 vcpu->exits[KVM_EXIT_PAPR_HCALL] == 2 &&
			 vcpu->ucalls[PPC_UCALL_SYNC] == 1 &&
			 vcpu->ucalls[PPC_UCALL_DONE] == 1,
			 "exit accounting: 2 runs, 2 PAPR_HCALL exits (SYNC, DONE)\n");
}

static void test_constants(struct ppc_vcpu *vcpu)
{
	u64 vals[PPC_UCALL_MAX_ARGS] = {
		0x7fff, 0xffffffffffff8000ULL, 0x80000000ULL,
		0xffffffff00000000ULL, rand64(), rand64() | (1ULL << 63),
	};
	int regs[PPC_UCALL_MAX_ARGS];
	struct ppc_ucall uc;
	int i, r, bad = 0;

	ppc_asm_init(&code, PPC_GUEST_CODE_GPA);
	for (i = 0; i < PPC_UCALL_MAX_ARGS; i++) {
		regs[i] = 14 + i;
		ppc_li64(&code, regs[i], vals[i]);
	}
	ppc_ucall(&code, PPC_UCALL_SYNC, PPC_UCALL_MAX_ARGS, regs);
	ppc_done(&code);

	r = ppc_guest_load(vcpu, &code);
	if (!r)
		r = ppc_vcpu_run_expect(vcpu, PPC_UCALL_SYNC, &uc, NULL, NULL);
	if (!r)
		r = ppc_vcpu_run_expect(vcpu, PPC_UCALL_DONE, NULL, NULL, NULL);
	if (r) {
		ksft_test_result_fail("guest 64-bit constants: %s\n",
				      ppc_errmsg());
		return;
	}
	for (i = 0; i < PPC_UCALL_MAX_ARGS; i++) {
		if (uc.args[i] != vals[i]) {
			ksft_print_msg("constant %d: guest 0x%llx, want 0x%llx\n",
				       i, (unsigned long long)uc.args[i],
				       (unsigned long long)vals[i]);
			bad++;
		}
	}
	ksft_test_result(!bad, "guest loads 64-bit constants into registers\n");
}

static u64 mask(int size)
{
	return size == 8 ? ~0ULL : (1ULL << (8 * size)) - 1;
}

static void put(void *p, int size, u64 v)
{
	memcpy(p, &v, size);	/* little endian: the low bytes */
}

static u64 get(const void *p, int size)
{
	u64 v = 0;

	memcpy(&v, p, size);
	return v;
}

static void test_memslot(struct ppc_vm *vm, struct ppc_vcpu *vcpu)
{
	/* Offsets in both 64K pages of the slot, natural alignment */
	static const struct {
		int size;
		u64 off;
	} at[] = {
		{ 8, 0x0 }, { 4, 0x108 }, { 2, 0x1002 }, { 1, 0x2003 },
		{ 8, 0x10018 }, { 4, 0x1fff8 }, { 1, 0x1ffff },
	};
	struct ppc_access acc[ARRAY_SIZE(at)];
	u64 size = 0x20000;	/* a multiple of 4K and of 64K pages */
	unsigned int i, bad;
	u8 *mem;
	int r;

	r = ppc_vm_add_memslot(vm, SHARED_GPA, size, NULL, 0);
	mem = r < 0 ? NULL : ppc_gpa_to_hva(vm, SHARED_GPA);
	if (!mem) {
		ksft_test_result_fail("memslot of anonymous memory: %s\n",
				      ppc_errmsg());
		ksft_test_result_skip("guest stores: no memslot\n");
		return;
	}

	/* Host writes, guest loads */
	for (i = 0; i < ARRAY_SIZE(at); i++) {
		acc[i] = (struct ppc_access) {
			.gpa = SHARED_GPA + at[i].off,
			.size = at[i].size,
		};
		put(mem + at[i].off, at[i].size, rand64() & mask(at[i].size));
	}
	r = ppc_guest_run_accesses(vcpu, acc, ARRAY_SIZE(acc), NULL, NULL);
	if (r) {
		ksft_test_result_fail("guest loads from memslot: %s\n",
				      ppc_errmsg());
	} else {
		for (i = 0, bad = 0; i < ARRAY_SIZE(at); i++) {
			u64 want = get(mem + at[i].off, at[i].size);

			if (acc[i].val == want)
				continue;
			ksft_print_msg("load %d at +0x%llx: guest 0x%llx, host wrote 0x%llx\n",
				       at[i].size, (unsigned long long)at[i].off,
				       (unsigned long long)acc[i].val,
				       (unsigned long long)want);
			bad++;
		}
		ksft_test_result(!bad,
				 "guest loads (1/2/4/8 bytes) through an anonymous memslot see host writes\n");
	}

	/* Guest stores, host reads; the bytes around must stay untouched */
	memset(mem, 0xa5, size);
	for (i = 0; i < ARRAY_SIZE(at); i++) {
		acc[i].write = true;
		acc[i].val = rand64() & mask(at[i].size);
	}
	r = ppc_guest_run_accesses(vcpu, acc, ARRAY_SIZE(acc), NULL, NULL);
	if (r) {
		ksft_test_result_fail("guest stores to memslot: %s\n",
				      ppc_errmsg());
		return;
	}
	for (i = 0, bad = 0; i < ARRAY_SIZE(at); i++) {
		u64 off = at[i].off, have = get(mem + off, at[i].size);
		u64 end = off + at[i].size;
		bool around = (off == 0 || mem[off - 1] == 0xa5) &&
			      (end == size || mem[end] == 0xa5);

		if (have == acc[i].val && around)
			continue;
		ksft_print_msg("store %d at +0x%llx: host sees 0x%llx, guest 0x%llx%s\n",
			       at[i].size, (unsigned long long)off,
			       (unsigned long long)have,
			       (unsigned long long)acc[i].val,
			       around ? "" : ", neighbours changed");
		bad++;
	}
	ksft_test_result(!bad,
			 "guest stores (1/2/4/8 bytes) to an anonymous memslot are seen by the host\n");
}

static void test_trap(struct ppc_vcpu *vcpu)
{
	struct ppc_ucall uc;
	u64 at;
	int r;

	ppc_asm_init(&code, PPC_GUEST_CODE_GPA);
	ppc_nop(&code);
	at = ppc_here(&code);
	ppc_trap(&code);
	ppc_done(&code);
	r = ppc_guest_load(vcpu, &code);
	if (!r)
		r = ppc_vcpu_run_expect(vcpu, PPC_UCALL_EXCEPTION, &uc,
					NULL, NULL);
	if (r) {
		ksft_test_result_fail("guest trap: %s\n", ppc_errmsg());
		return;
	}
	ksft_print_msg("trap at 0x%llx: vector 0x%llx srr0 0x%llx srr1 0x%llx\n",
		       (unsigned long long)at, (unsigned long long)uc.args[0],
		       (unsigned long long)uc.args[1],
		       (unsigned long long)uc.args[2]);
	ksft_test_result(uc.args[0] == 0x700 && uc.args[1] == at &&
			 (uc.args[2] & PPC_SRR1_PROGTRAP),
			 "guest trap goes to the guest's program interrupt vector\n");
}

int main(void)
{
	struct ppc_vcpu *vcpu;
	struct ppc_vm *vm;
	unsigned int seed = time(NULL) ^ getpid();

	setvbuf(stdout, NULL, _IOLBF, 0);
	ksft_print_header();
	ksft_set_plan(6);
	ksft_print_msg("random seed %u\n", seed);
	srandom(seed);

	vm = ppc_guest_create(&vcpu);
	if (!vm)
		ksft_exit_fail_msg("creating the guest: %s\n", ppc_errmsg());

	test_sum(vcpu);
	test_constants(vcpu);
	test_memslot(vm, vcpu);
	test_trap(vcpu);

	ppc_vm_free(vm);
	ksft_finished();
}
