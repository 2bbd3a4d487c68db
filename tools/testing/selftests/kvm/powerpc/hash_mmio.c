// SPDX-License-Identifier: GPL-2.0-only
/*
 * HPT (hash MMU) guests on a hash host, today's behaviour: a guest maps a
 * 4K page with H_ENTER (WIMG = I|G) and an SLB entry, turns data relocation
 * on and accesses it.
 *
 *  - The page is an unbacked guest physical page (no memslot): every 1, 2,
 *    4 and 8-byte load and store exits as KVM_EXIT_MMIO with the guest
 *    physical address, length, direction and data; the data the host
 *    supplies for a load is what the guest reads.
 *  - The same mapping over a page of an anonymous memslot: the guest reads
 *    what the host wrote there, with no exit.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../../kselftest.h"
#include "ppc_kvm_util.h"
#include "ppc_asm.h"

#define HPT_ORDER	18
#define TEST_VSID	0x12345ULL	/* not the VRMA's VSID (0x1ffffff) */
#define TEST_EA		0x10002000ULL	/* a 4K page of ESID 1 */
#define TEST_GPA	0x80002000ULL	/* the guest physical page it maps */
#define SLOT_GPA	0x80000000ULL	/* memslot for the second case */
#define NR_ACC		8
#define ASSERT_H_ENTER	1

static const int sizes[] = { 1, 2, 4, 8 };

struct acc {
	u64 off;		/* offset in the page */
	int size;
	bool write;
	u64 val;		/* store data, or the data the host supplies */
	/* what the MMIO exit said */
	int seen;
	u64 addr;
	u32 len;
	bool is_write;
	u64 data;
};

struct mmio_log {
	struct acc acc[NR_ACC];
	unsigned int n;		/* MMIO exits seen */
};

static struct ppc_asm code;

static u64 rand64(void)
{
	return ((u64)random() << 62) ^ ((u64)random() << 31) ^ random();
}

static u64 mask(int size)
{
	return size == 8 ? ~0ULL : (1ULL << (8 * size)) - 1;
}

/* The accesses in guest program order: the loads, then the stores */
static void init_accs(struct acc *acc)
{
	unsigned int i;

	memset(acc, 0, NR_ACC * sizeof(*acc));
	for (i = 0; i < 4; i++) {
		acc[i].off = 0x10ULL << i;
		acc[i].size = sizes[i];
		acc[i].val = rand64() & mask(sizes[i]);
		acc[4 + i].off = 0x800 + (0x10ULL << i);
		acc[4 + i].size = sizes[i];
		acc[4 + i].write = true;
		acc[4 + i].val = rand64() & mask(sizes[i]);
	}
}

/* Record each exit; supply the load data; stop on an exit too many */
static int mmio_handler(struct ppc_vcpu *vcpu, struct kvm_run *run,
			void *opaque)
{
	struct mmio_log *log = opaque;
	struct acc *a;

	if (log->n >= NR_ACC)
		return ppc_set_err(0, "MMIO exit %u at 0x%llx: more than %d",
				   log->n + 1,
				   (unsigned long long)run->mmio.phys_addr,
				   NR_ACC);
	a = &log->acc[log->n++];
	a->seen = 1;
	a->addr = run->mmio.phys_addr;
	a->len = run->mmio.len;
	a->is_write = run->mmio.is_write;
	if (a->is_write) {
		memcpy(&a->data, run->mmio.data,
		       run->mmio.len <= 8 ? run->mmio.len : 8);
	} else if (!a->write) {
		/* kvm_run carries the bytes in guest memory order (LE) */
		memset(run->mmio.data, 0, sizeof(run->mmio.data));
		memcpy(run->mmio.data, &a->val, a->size);
	}
	ksft_print_msg("MMIO exit %u: %s 0x%llx len %u data 0x%llx\n", log->n,
		       a->is_write ? "store" : "load",
		       (unsigned long long)a->addr, a->len,
		       (unsigned long long)(a->is_write ? a->data : a->val));
	return 0;
}

/*
 * H_ENTER + slbmte, DR on, the loads (into r17..r20) and stores at
 * TEST_EA, DR off, SYNC with the four loaded values, DONE.
 */
static void emit_guest(const struct ppc_hpt_map *m, const struct acc *acc,
		       unsigned int n)
{
	unsigned int i;
	int regs[4] = { 17, 18, 19, 20 };

	ppc_asm_init(&code, PPC_GUEST_CODE_GPA);
	ppc_hpt_enter(&code, m, ASSERT_H_ENTER);
	for (i = 0; i < 4; i++)
		ppc_li(&code, regs[i], -1);
	ppc_li64(&code, 31, m->ea);
	ppc_data_relocate(&code, true);
	for (i = 0; i < n; i++) {
		if (acc[i].write) {
			ppc_li64(&code, 21, acc[i].val);
			ppc_store(&code, acc[i].size, 21, acc[i].off, 31);
		} else {
			ppc_load(&code, acc[i].size, regs[i], acc[i].off, 31);
		}
	}
	ppc_sync(&code);
	ppc_data_relocate(&code, false);
	ppc_ucall(&code, PPC_UCALL_SYNC, 4, regs);
	ppc_done(&code);
}

static struct ppc_vm *create(struct ppc_vcpu **vcpu, const char *what)
{
	struct ppc_vm *vm = ppc_hash_guest_create(vcpu, HPT_ORDER);

	if (!vm)
		ksft_exit_fail_msg("%s: HPT guest: %s\n", what, ppc_errmsg());
	return vm;
}

static void report_fail(unsigned int n, const char *what)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		ksft_test_result_fail("%s: %s\n", what, ppc_errmsg());
}

static void test_unbacked(void)
{
	struct mmio_log log = { 0 };
	struct ppc_hpt_map m;
	struct ppc_vcpu *vcpu;
	struct ppc_ucall uc;
	struct ppc_vm *vm;
	unsigned int i;
	int r;

	vm = create(&vcpu, "unbacked page");
	init_accs(log.acc);
	ppc_hpt_map_4k(&m, HPT_ORDER, TEST_VSID, TEST_EA, TEST_GPA,
		       PPC_HPTE_R_I | PPC_HPTE_R_G);
	ksft_print_msg("H_ENTER pte_index 0x%llx pteh 0x%llx ptel 0x%llx; slbmte 0x%llx 0x%llx\n",
		       (unsigned long long)m.pte_index,
		       (unsigned long long)m.pteh, (unsigned long long)m.ptel,
		       (unsigned long long)m.slbv, (unsigned long long)m.slbe);
	emit_guest(&m, log.acc, NR_ACC);
	r = ppc_guest_load(vcpu, &code);
	if (!r)
		r = ppc_vcpu_run_expect(vcpu, PPC_UCALL_SYNC, &uc, mmio_handler,
					&log);
	if (!r)
		r = ppc_vcpu_run_expect(vcpu, PPC_UCALL_DONE, NULL, NULL, NULL);
	ppc_vcpu_print_stats(vcpu);
	if (r) {
		report_fail(NR_ACC, "unbacked page over H_ENTER");
		ppc_vm_free(vm);
		return;
	}
	for (i = 0; i < NR_ACC; i++) {
		struct acc *a = &log.acc[i];
		u64 want = TEST_GPA + a->off;
		bool ok = a->seen && a->addr == want &&
			  a->len == (u32)a->size && a->is_write == a->write;

		if (a->write) {
			ok = ok && a->data == a->val;
		} else {
			ksft_print_msg("guest read 0x%llx, host supplied 0x%llx\n",
				       (unsigned long long)uc.args[i],
				       (unsigned long long)a->val);
			ok = ok && uc.args[i] == a->val;
		}
		ksft_test_result(ok && log.n == NR_ACC &&
				 vcpu->exits[KVM_EXIT_MMIO] == NR_ACC,
				 "HPT guest %d-byte %s through H_ENTER (I|G) to an unbacked page: KVM_EXIT_MMIO at gpa 0x%llx, len, direction, data\n",
				 a->size, a->write ? "store" : "load",
				 (unsigned long long)want);
	}
	ppc_vm_free(vm);
}

static void test_memslot(void)
{
	struct acc acc[NR_ACC];
	struct ppc_hpt_map m;
	struct ppc_vcpu *vcpu;
	struct ppc_ucall uc;
	struct ppc_vm *vm;
	unsigned int i;
	u8 *page;
	int r;

	vm = create(&vcpu, "memslot page");
	init_accs(acc);
	r = ppc_vm_add_memslot(vm, SLOT_GPA, vm->page_size, NULL, 0);
	page = r < 0 ? NULL : ppc_gpa_to_hva(vm, TEST_GPA);
	if (!page) {
		report_fail(4, "memslot page over H_ENTER");
		ppc_vm_free(vm);
		return;
	}
	for (i = 0; i < 0x1000; i++)
		page[i] = random();
	ppc_hpt_map_4k(&m, HPT_ORDER, TEST_VSID, TEST_EA, TEST_GPA,
		       PPC_HPTE_R_I | PPC_HPTE_R_G);
	emit_guest(&m, acc, 4);
	r = ppc_guest_load(vcpu, &code);
	if (!r)
		r = ppc_vcpu_run_expect(vcpu, PPC_UCALL_SYNC, &uc, NULL, NULL);
	if (!r)
		r = ppc_vcpu_run_expect(vcpu, PPC_UCALL_DONE, NULL, NULL, NULL);
	ppc_vcpu_print_stats(vcpu);
	if (r) {
		report_fail(4, "memslot page over H_ENTER");
		ppc_vm_free(vm);
		return;
	}
	for (i = 0; i < 4; i++) {
		u64 want = 0;

		/* guest memory is little endian, as the host */
		memcpy(&want, page + acc[i].off, acc[i].size);
		ksft_print_msg("guest read 0x%llx at gpa 0x%llx, host wrote 0x%llx\n",
			       (unsigned long long)uc.args[i],
			       (unsigned long long)(TEST_GPA + acc[i].off),
			       (unsigned long long)want);
		ksft_test_result(uc.args[i] == want &&
				 vcpu->exits[KVM_EXIT_MMIO] == 0,
				 "HPT guest %d-byte load through H_ENTER (I|G) to a memslot page reads the host's data, no exit\n",
				 acc[i].size);
	}
	ppc_vm_free(vm);
}

int main(void)
{
	unsigned int seed = time(NULL) ^ getpid();
	int r;

	setvbuf(stdout, NULL, _IOLBF, 0);
	ksft_print_header();
	r = ppc_hash_host();
	if (r < 0)
		ksft_exit_fail_msg("/dev/kvm: %s\n", ppc_errmsg());
	if (!r)
		ksft_exit_skip("%s\n", ppc_errmsg());
	ksft_set_plan(NR_ACC + 4);
	ksft_print_msg("random seed %u\n", seed);
	srandom(seed);

	test_unbacked();
	test_memslot();
	ksft_finished();
}
