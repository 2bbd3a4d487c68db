// SPDX-License-Identifier: GPL-2.0-only
/*
 * The selftest library reports guest failures instead of hiding them: a
 * guest that never returns trips the watchdog, a failed guest assertion and
 * an MMIO exit nobody handles come back as errors, and the vCPU is usable
 * again afterwards.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "../../kselftest.h"
#include "ppc_kvm_util.h"
#include "ppc_asm.h"

static struct ppc_asm code;

static void test_watchdog(struct ppc_vcpu *vcpu)
{
	unsigned int saved = vcpu->timeout_s;
	time_t t0;
	int r;

	ppc_asm_init(&code, PPC_GUEST_CODE_GPA);
	ppc_b(&code, ppc_here(&code));		/* spin forever */
	vcpu->timeout_s = 2;
	t0 = time(NULL);
	r = ppc_guest_load(vcpu, &code);
	if (!r)
		r = ppc_vcpu_run_expect(vcpu, PPC_UCALL_DONE, NULL, NULL, NULL);
	vcpu->timeout_s = saved;
	ksft_print_msg("spinning guest: %d after %ld s: %s\n", r,
		       (long)(time(NULL) - t0), ppc_errmsg());
	ksft_test_result(r == -EINTR, "a guest that never returns trips the watchdog\n");
}

static void test_rerun(struct ppc_vcpu *vcpu)
{
	int r;

	ppc_asm_init(&code, PPC_GUEST_CODE_GPA);
	ppc_done(&code);
	r = ppc_guest_load(vcpu, &code);
	if (!r)
		r = ppc_vcpu_run_expect(vcpu, PPC_UCALL_DONE, NULL, NULL, NULL);
	if (!r)
		r = ppc_vcpu_run_expect(vcpu, PPC_UCALL_DONE, NULL, NULL, NULL);
	ksft_test_result(!r, "the vCPU runs new code after a timeout; DONE repeats (%s)\n",
			 r ? ppc_errmsg() : "ok");
}

static void test_assert(struct ppc_vcpu *vcpu)
{
	struct ppc_ucall uc = { 0 };
	int r;

	ppc_asm_init(&code, PPC_GUEST_CODE_GPA);
	ppc_li(&code, 14, 5);
	ppc_assert_eq(&code, 14, 5, 1);		/* holds */
	ppc_assert_eq(&code, 14, 6, 2);		/* fails */
	ppc_done(&code);
	r = ppc_guest_load(vcpu, &code);
	if (!r)
		r = ppc_vcpu_run_to_ucall(vcpu, &uc, NULL, NULL);
	ksft_print_msg("guest assertion: ucall %s args %llu 0x%llx 0x%llx\n",
		       r < 0 ? ppc_errmsg() : ppc_ucall_str(r),
		       (unsigned long long)uc.args[0],
		       (unsigned long long)uc.args[1],
		       (unsigned long long)uc.args[2]);
	ksft_test_result(r == PPC_UCALL_ASSERT_FAIL && uc.args[0] == 2 &&
			 uc.args[1] == 5 && uc.args[2] == 6,
			 "a failed guest assertion reports its id, value and expectation\n");
}

static void test_unhandled_mmio(struct ppc_vcpu *vcpu)
{
	struct ppc_access acc = { .gpa = PPC_GUEST_MMIO_GPA, .size = 4 };
	int r;

	r = ppc_guest_run_accesses(vcpu, &acc, 1, NULL, NULL);
	ksft_print_msg("MMIO without a handler: %d: %s\n", r, ppc_errmsg());
	ksft_test_result(r < 0 && strstr(ppc_errmsg(), "unexpected MMIO load"),
			 "an MMIO exit that the test does not handle is an error\n");
}

int main(void)
{
	struct ppc_vcpu *vcpu;
	struct ppc_vm *vm;

	setvbuf(stdout, NULL, _IOLBF, 0);
	ksft_print_header();
	ksft_set_plan(4);

	vm = ppc_guest_create(&vcpu);
	if (!vm)
		ksft_exit_fail_msg("creating the guest: %s\n", ppc_errmsg());

	test_watchdog(vcpu);
	test_rerun(vcpu);
	test_assert(vcpu);
	test_unhandled_mmio(vcpu);
	ppc_vcpu_print_stats(vcpu);

	ppc_vm_free(vm);
	ksft_finished();
}
