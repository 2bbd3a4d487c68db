// SPDX-License-Identifier: GPL-2.0-only
/*
 * A memslot over a device BAR's host page reaches the device.
 *
 * The emulated host has a QEMU pci-testdev (1b36:0005). Its 4 KiB memory
 * BAR0 starts with a header: byte 0 selects a test when written and reads
 * back the selected test's number, followed by the test's doorbell offset,
 * the data byte that the doorbell matches, a hit counter and the test's
 * name; all reads as 0 while no test is selected. The host side reads the
 * header through its own sysfs mapping of BAR0; the guest reads it through
 * a memslot of the same host page, and the two must agree.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../kselftest.h"
#include "ppc_kvm_util.h"
#include "ppc_asm.h"
#include "ppc_pci_util.h"

#define TESTDEV_VENDOR		0x1b36
#define TESTDEV_DEVICE		0x0005

/* pci-testdev header */
#define HDR_TEST		0	/* u8: write selects, read shows test */
#define HDR_WIDTH		1	/* u8 */
#define HDR_OFFSET		4	/* le32: doorbell offset in the BAR */
#define HDR_DATA		8	/* u8: doorbell data that is counted */
#define HDR_COUNT		12	/* le32: doorbell hits */
#define HDR_NAME		16	/* NUL-terminated name */
#define TESTDEV_NR_TESTS	3	/* no-eventfd, wildcard, datamatch */

#define BAR_GPA			0x80000000ULL	/* 64K aligned */

static struct ppc_asm code;

struct window {
	struct ppc_pci_bar bar;
	u64 gpa;		/* guest address of the BAR's first byte */
};

static u64 host_rd(struct window *w, u64 off, int size)
{
	return ppc_mmio_read(ppc_pci_bar_ptr(&w->bar, off), size);
}

static void host_wr(struct window *w, u64 off, int size, u64 val)
{
	ppc_mmio_write(ppc_pci_bar_ptr(&w->bar, off), size, val);
}

static void host_name(struct window *w, char *name, size_t len)
{
	size_t i;

	for (i = 0; i + 1 < len; i++) {
		name[i] = host_rd(w, HDR_NAME + i, 1);
		if (!name[i])
			break;
	}
	name[i] = '\0';
}

static void print_header(struct window *w, const char *when)
{
	char name[64];

	host_name(w, name, sizeof(name));
	ksft_print_msg("%s: test %llu width %llu offset 0x%llx data 0x%llx count %llu name '%s'\n",
		       when, (unsigned long long)host_rd(w, HDR_TEST, 1),
		       (unsigned long long)host_rd(w, HDR_WIDTH, 1),
		       (unsigned long long)host_rd(w, HDR_OFFSET, 4),
		       (unsigned long long)host_rd(w, HDR_DATA, 1),
		       (unsigned long long)host_rd(w, HDR_COUNT, 4), name);
}

/* The host selects test 0 itself and sees the header that QEMU builds */
static bool test_host_view(struct window *w)
{
	char name[64];

	host_wr(w, HDR_TEST, 1, TESTDEV_NR_TESTS);	/* deselect */
	if (host_rd(w, HDR_TEST, 4) || host_rd(w, HDR_NAME, 4)) {
		print_header(w, "host, no test selected");
		ksft_test_result_fail("host: header not 0 with no test selected\n");
		return false;
	}
	host_wr(w, HDR_TEST, 1, 0);
	print_header(w, "host, test 0 selected");
	host_name(w, name, sizeof(name));
	ksft_test_result(host_rd(w, HDR_TEST, 1) == 0 &&
			 host_rd(w, HDR_COUNT, 4) == 0 &&
			 !strncmp(name, "mmio-", 5),
			 "host reads pci-testdev BAR0 header through its sysfs mapping\n");
	return true;
}

/* Guest loads of the header give what the host's loads give */
static void test_guest_loads(struct ppc_vcpu *vcpu, struct window *w)
{
	static const struct {
		int size;
		u64 off;
	} ld[] = {
		{ 1, HDR_TEST }, { 1, HDR_WIDTH }, { 2, 2 }, { 4, HDR_OFFSET },
		{ 1, HDR_DATA }, { 4, HDR_COUNT }, { 8, HDR_NAME },
		{ 8, HDR_NAME + 8 }, { 4, HDR_NAME + 4 }, { 2, HDR_NAME + 2 },
		{ 8, 0 }, { 8, 8 }, { 4, 0x40 },
	};
	struct ppc_access acc[ARRAY_SIZE(ld)] = { 0 };
	unsigned int i, bad = 0, nonzero = 0;
	int r;

	for (i = 0; i < ARRAY_SIZE(ld); i++) {
		acc[i].gpa = w->gpa + ld[i].off;
		acc[i].size = ld[i].size;
	}
	ppc_vcpu_clear_stats(vcpu);
	r = ppc_guest_run_accesses(vcpu, acc, ARRAY_SIZE(acc), NULL, NULL);
	if (r) {
		ksft_test_result_fail("guest loads from BAR0: %s\n",
				      ppc_errmsg());
		return;
	}
	for (i = 0; i < ARRAY_SIZE(ld); i++) {
		u64 host = host_rd(w, ld[i].off, ld[i].size);

		nonzero += !!host;
		if (acc[i].val == host)
			continue;
		ksft_print_msg("%d-byte load at BAR0+0x%llx: guest 0x%llx, host 0x%llx\n",
			       ld[i].size, (unsigned long long)ld[i].off,
			       (unsigned long long)acc[i].val,
			       (unsigned long long)host);
		bad++;
	}
	ksft_print_msg("guest: BAR0+0x4 = 0x%llx, BAR0+0x10 = 0x%llx (%u of %zu loads nonzero)\n",
		       (unsigned long long)acc[3].val,
		       (unsigned long long)acc[6].val, nonzero, ARRAY_SIZE(ld));
	ppc_vcpu_print_stats(vcpu);
	ksft_test_result(!bad && nonzero,
			 "guest loads (1/2/4/8 bytes) through a memslot of the BAR's host page match the host's\n");
}

/*
 * The guest rings test 0's doorbell: it reads the doorbell offset and data
 * from the header and stores the data byte there; the device counts it.
 */
static void test_guest_doorbell(struct ppc_vcpu *vcpu, struct window *w)
{
	int regs[] = { 14, 15 };
	struct ppc_ucall uc;
	u64 before, after;
	int r;

	before = host_rd(w, HDR_COUNT, 4);
	ppc_asm_init(&code, PPC_GUEST_CODE_GPA);
	ppc_li64(&code, 30, w->gpa);
	ppc_lwz(&code, 14, HDR_OFFSET, 30);
	ppc_lbz(&code, 15, HDR_DATA, 30);
	ppc_add(&code, 16, 30, 14);
	ppc_stb(&code, 15, 0, 16);
	ppc_sync(&code);
	ppc_ucall(&code, PPC_UCALL_SYNC, 2, regs);
	ppc_done(&code);

	r = ppc_guest_load(vcpu, &code);
	if (!r)
		r = ppc_vcpu_run_expect(vcpu, PPC_UCALL_SYNC, &uc, NULL, NULL);
	if (!r)
		r = ppc_vcpu_run_expect(vcpu, PPC_UCALL_DONE, NULL, NULL, NULL);
	if (r) {
		ksft_test_result_fail("guest doorbell: %s\n", ppc_errmsg());
		return;
	}
	after = host_rd(w, HDR_COUNT, 4);
	ksft_print_msg("guest wrote 0x%llx at BAR0+0x%llx; device count %llu -> %llu\n",
		       (unsigned long long)uc.args[1],
		       (unsigned long long)uc.args[0],
		       (unsigned long long)before, (unsigned long long)after);
	ksft_test_result(uc.args[0] == host_rd(w, HDR_OFFSET, 4) &&
			 uc.args[1] == host_rd(w, HDR_DATA, 1) &&
			 after == before + 1,
			 "guest store to the BAR reaches the device (doorbell counted)\n");
}

/* A guest store to the header's test byte selects another test */
static void test_guest_select(struct ppc_vcpu *vcpu, struct window *w)
{
	const u64 sel = 1;
	char name[64];
	int r;

	ppc_asm_init(&code, PPC_GUEST_CODE_GPA);
	ppc_li64(&code, 30, w->gpa);
	ppc_li(&code, 14, sel);
	ppc_stb(&code, 14, HDR_TEST, 30);
	ppc_sync(&code);
	ppc_done(&code);

	r = ppc_guest_load(vcpu, &code);
	if (!r)
		r = ppc_vcpu_run_expect(vcpu, PPC_UCALL_DONE, NULL, NULL, NULL);
	if (r) {
		ksft_test_result_fail("guest selects a test: %s\n",
				      ppc_errmsg());
		return;
	}
	print_header(w, "host, after the guest selected test 1");
	host_name(w, name, sizeof(name));
	ksft_test_result(host_rd(w, HDR_TEST, 1) == sel &&
			 !strncmp(name, "mmio-", 5),
			 "guest store to BAR0's test register selects test %llu\n",
			 (unsigned long long)sel);
}

int main(void)
{
	char bdf[PPC_PCI_BDF_LEN];
	struct ppc_vcpu *vcpu;
	struct window w;
	struct ppc_vm *vm;
	long page = sysconf(_SC_PAGESIZE);

	setvbuf(stdout, NULL, _IOLBF, 0);
	ksft_print_header();
	if (ppc_pci_find(TESTDEV_VENDOR, TESTDEV_DEVICE, bdf, sizeof(bdf)))
		ksft_exit_skip("no QEMU pci-testdev in this host: %s\n",
			       ppc_errmsg());
	ksft_set_plan(4);

	if (ppc_pci_enable(bdf) || ppc_pci_map_bar(bdf, 0, &w.bar))
		ksft_exit_fail_msg("pci-testdev %s BAR0: %s\n", bdf,
				   ppc_errmsg());
	w.gpa = BAR_GPA + w.bar.offset;
	ksft_print_msg("pci-testdev %s BAR0 0x%llx size 0x%llx, at 0x%zx in a %ld-byte page\n",
		       bdf, (unsigned long long)w.bar.start,
		       (unsigned long long)w.bar.size, w.bar.offset, page);
	ksft_print_msg("memslot of the page at 0x%llx: the guest sees BAR0 at 0x%llx\n",
		       BAR_GPA, (unsigned long long)w.gpa);

	if (!test_host_view(&w))
		ksft_exit_fail_msg("the host cannot read pci-testdev's header\n");

	vm = ppc_guest_create(&vcpu);
	if (!vm)
		ksft_exit_fail_msg("creating the guest: %s\n", ppc_errmsg());
	if (ppc_vm_map_bar(vm, &w.bar, BAR_GPA) < 0)
		ksft_exit_fail_msg("memslot over BAR0's host page: %s\n",
				   ppc_errmsg());

	test_guest_loads(vcpu, &w);
	test_guest_doorbell(vcpu, &w);
	test_guest_select(vcpu, &w);

	/* Leave the device with no test selected */
	host_wr(&w, HDR_TEST, 1, TESTDEV_NR_TESTS);
	ppc_vm_free(vm);
	ppc_pci_unmap_bar(&w.bar);
	ksft_finished();
}
