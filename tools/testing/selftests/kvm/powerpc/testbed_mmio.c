// SPDX-License-Identifier: GPL-2.0-only
/*
 * Guest loads and stores to a guest address with no memslot exit to
 * userspace as KVM_EXIT_MMIO with the right address, length, direction and
 * data; the data userspace supplies for a load is what the guest reads.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../../kselftest.h"
#include "ppc_kvm_util.h"
#include "ppc_asm.h"

static struct ppc_asm code;

static u64 rand64(void)
{
	return ((u64)random() << 62) ^ ((u64)random() << 31) ^ random();
}

static u64 mask(int size)
{
	return size == 8 ? ~0ULL : (1ULL << (8 * size)) - 1;
}

/* Check the MMIO exit the guest just made; 0 if it is the expected one */
static int check_exit(struct ppc_vcpu *vcpu, u64 addr, int size, bool write)
{
	struct kvm_run *run = vcpu->run;

	if (run->exit_reason != KVM_EXIT_MMIO) {
		struct ppc_ucall uc;
		u64 code = ppc_vcpu_get_ucall(vcpu, &uc);

		return ppc_set_err(0, "exit %s (ucall %s, args 0x%llx 0x%llx), not MMIO",
				   ppc_exit_reason_str(run->exit_reason),
				   ppc_ucall_str(code),
				   (unsigned long long)uc.args[0],
				   (unsigned long long)uc.args[1]);
	}
	ksft_print_msg("MMIO exit: %s 0x%llx len %u data %02x %02x %02x %02x %02x %02x %02x %02x\n",
		       run->mmio.is_write ? "store" : "load",
		       (unsigned long long)run->mmio.phys_addr, run->mmio.len,
		       run->mmio.data[0], run->mmio.data[1], run->mmio.data[2],
		       run->mmio.data[3], run->mmio.data[4], run->mmio.data[5],
		       run->mmio.data[6], run->mmio.data[7]);
	if (run->mmio.phys_addr != addr || run->mmio.len != (u32)size ||
	    !run->mmio.is_write != !write)
		return ppc_set_err(0, "MMIO %s of %u at 0x%llx, expected %s of %d at 0x%llx",
				   run->mmio.is_write ? "store" : "load",
				   run->mmio.len,
				   (unsigned long long)run->mmio.phys_addr,
				   write ? "store" : "load", size,
				   (unsigned long long)addr);
	return 0;
}

static void test_load(struct ppc_vcpu *vcpu, int size, u64 addr)
{
	u64 val = rand64() & mask(size);
	struct ppc_ucall uc;
	int r;

	ppc_asm_init(&code, PPC_GUEST_CODE_GPA);
	ppc_li64(&code, 31, addr);
	ppc_load(&code, size, 14, 0, 31);
	ppc_ucall1(&code, PPC_UCALL_SYNC, 14);
	ppc_done(&code);

	ppc_vcpu_clear_stats(vcpu);
	r = ppc_guest_load(vcpu, &code);
	if (!r)
		r = ppc_vcpu_run(vcpu);
	if (!r)
		r = check_exit(vcpu, addr, size, false);
	if (r) {
		ksft_test_result_fail("%d-byte MMIO load: %s\n", size,
				      ppc_errmsg());
		return;
	}
	/* kvm_run carries the bytes in guest memory order (little endian) */
	memcpy(vcpu->run->mmio.data, &val, size);
	r = ppc_vcpu_run_expect(vcpu, PPC_UCALL_SYNC, &uc, NULL, NULL);
	if (!r)
		r = ppc_vcpu_run_expect(vcpu, PPC_UCALL_DONE, NULL, NULL, NULL);
	if (r) {
		ksft_test_result_fail("%d-byte MMIO load: %s\n", size,
				      ppc_errmsg());
		return;
	}
	ksft_print_msg("guest read 0x%llx, host supplied 0x%llx\n",
		       (unsigned long long)uc.args[0],
		       (unsigned long long)val);
	ksft_test_result(uc.args[0] == val &&
			 vcpu->exits[KVM_EXIT_MMIO] == 1,
			 "%d-byte MMIO load exits with address, length and direction; the guest reads the host's data\n",
			 size);
}

static void test_store(struct ppc_vcpu *vcpu, int size, u64 addr)
{
	u64 val = rand64(), have = 0;
	int r;

	ppc_asm_init(&code, PPC_GUEST_CODE_GPA);
	ppc_li64(&code, 14, val);
	ppc_li64(&code, 31, addr);
	ppc_store(&code, size, 14, 0, 31);
	ppc_done(&code);

	ppc_vcpu_clear_stats(vcpu);
	r = ppc_guest_load(vcpu, &code);
	if (!r)
		r = ppc_vcpu_run(vcpu);
	if (!r)
		r = check_exit(vcpu, addr, size, true);
	if (r) {
		ksft_test_result_fail("%d-byte MMIO store: %s\n", size,
				      ppc_errmsg());
		return;
	}
	memcpy(&have, vcpu->run->mmio.data, size);
	r = ppc_vcpu_run_expect(vcpu, PPC_UCALL_DONE, NULL, NULL, NULL);
	if (r) {
		ksft_test_result_fail("%d-byte MMIO store: %s\n", size,
				      ppc_errmsg());
		return;
	}
	ksft_print_msg("host got 0x%llx, guest stored 0x%llx\n",
		       (unsigned long long)have,
		       (unsigned long long)(val & mask(size)));
	ksft_test_result(have == (val & mask(size)) &&
			 vcpu->exits[KVM_EXIT_MMIO] == 1,
			 "%d-byte MMIO store exits with address, length, direction and data\n",
			 size);
}

int main(void)
{
	unsigned int seed = time(NULL) ^ getpid();
	static const int sizes[] = { 1, 2, 4, 8 };
	struct ppc_vcpu *vcpu;
	struct ppc_vm *vm;
	unsigned int i;

	setvbuf(stdout, NULL, _IOLBF, 0);
	ksft_print_header();
	ksft_set_plan(2 * ARRAY_SIZE(sizes));
	ksft_print_msg("random seed %u\n", seed);
	srandom(seed);

	vm = ppc_guest_create(&vcpu);
	if (!vm)
		ksft_exit_fail_msg("creating the guest: %s\n", ppc_errmsg());

	/* A different, naturally aligned address for every access */
	for (i = 0; i < ARRAY_SIZE(sizes); i++) {
		u64 addr = PPC_GUEST_MMIO_GPA + 0x1000 * i + 0x18;

		test_load(vcpu, sizes[i], addr);
		test_store(vcpu, sizes[i], addr + 0x800);
	}

	ppc_vm_free(vm);
	ksft_finished();
}
