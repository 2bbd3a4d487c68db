// SPDX-License-Identifier: GPL-2.0-only
/*
 * MSI-X table trap: registers beside the table, in the same trapped 4K
 * page, still reach the device.
 *
 * virtio-net's MSI-X page has nothing readable beside its table, so the
 * window here is over pci-testdev's 4K BAR0, declared with a fake MSI-X
 * table at 0x800 (4 vectors) and PBA at 0xc00: the whole page is trapped,
 * and pci-testdev's header at 0..0x30 (test select byte, doorbell offset
 * and data, hit counter, test name) lies outside table and PBA. The guest's
 * loads there must return what the host reads through its own sysfs
 * mapping, and its store to the test select byte must select the test.
 * pci-testdev's MMIO doorbells are at 0x800 + 4 * test, inside the fake
 * table: a guest store there is a table write and never reaches the device.
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>

#include "../../kselftest.h"
#include "ppc_kvm_util.h"
#include "ppc_msix_util.h"
#include "ppc_ptw_util.h"

#define WIN_GPA		0x80000000ULL
#define TABLE		0x800
#define PBA		0xc00
#define NVEC		4

static struct ppc_prog prog;
static struct kvm_ppc_pt_window_stats d;

struct ctx {
	char bdf[PPC_PCI_BDF_LEN];
	struct ppc_vm *vm;
	struct ppc_vcpu *vcpu;
	struct ppc_pci_bar bar;
	struct ppc_msix_win mw;
	u64 exits;		/* MMIO exits the test's VMM handled */
	u64 exit_addr;
};

/* Device bytes for a misaligned load, assembled from host byte loads */
static u64 host_bytes(struct ppc_pci_bar *bar, u64 off, int size)
{
	u64 v = 0;
	int i;

	for (i = 0; i < size; i++)
		v |= ppc_bar_rd(bar, off + i, 1) << (8 * i);
	return v;
}

/* The VMM: an access the kernel left to it goes to the device bytewise */
static int vmm_mmio(struct ppc_vcpu *vcpu, struct kvm_run *run, void *opaque)
{
	struct ctx *c = opaque;
	u64 off = run->mmio.phys_addr - WIN_GPA, v;

	c->exits++;
	c->exit_addr = run->mmio.phys_addr;
	printf("# VMM: MMIO exit, %s of %u bytes at window +0x%llx\n",
	       run->mmio.is_write ? "store" : "load", run->mmio.len,
	       (unsigned long long)off);
	if (off >= c->bar.size || run->mmio.len > 8)
		return ppc_set_err(0, "MMIO exit outside the window");
	if (!run->mmio.is_write) {
		v = host_bytes(&c->bar, off, run->mmio.len);
		memset(run->mmio.data, 0, sizeof(run->mmio.data));
		memcpy(run->mmio.data, &v, run->mmio.len);
	}
	return 0;
}

static bool run(struct ctx *c, const char *what)
{
	struct kvm_ppc_pt_window_stats a, b;
	int r;

	c->exits = 0;
	r = ppc_msix_stats(c->mw.dev, &b);
	if (!r)
		r = ppc_prog_run(c->vcpu, &prog, vmm_mmio, NULL, c);
	if (!r)
		r = ppc_msix_stats(c->mw.dev, &a);
	if (r) {
		ksft_test_result_fail("%s: %s\n", what, ppc_errmsg());
		return false;
	}
	ppc_msix_stats_sub(&d, &a, &b);
	ppc_msix_stats_print(what, &d);
	return true;
}

static void print_header(struct ctx *c, const char *when)
{
	char name[64];

	ppc_testdev_name(&c->bar, name, sizeof(name));
	ksft_print_msg("%s: test %llu offset 0x%llx data 0x%llx count %llu name '%s'\n",
		       when, (unsigned long long)ppc_bar_rd(&c->bar, PPC_TESTDEV_TEST, 1),
		       (unsigned long long)ppc_bar_rd(&c->bar, PPC_TESTDEV_OFFSET, 4),
		       (unsigned long long)ppc_bar_rd(&c->bar, PPC_TESTDEV_DATA, 1),
		       (unsigned long long)ppc_bar_rd(&c->bar, PPC_TESTDEV_COUNT, 4),
		       name);
}

static const struct {
	int size;
	u64 off;
} hdr_loads[] = {
	{ 1, PPC_TESTDEV_TEST }, { 1, PPC_TESTDEV_WIDTH }, { 2, 2 },
	{ 4, PPC_TESTDEV_OFFSET }, { 1, PPC_TESTDEV_DATA },
	{ 4, PPC_TESTDEV_COUNT }, { 8, PPC_TESTDEV_NAME },
	{ 8, PPC_TESTDEV_NAME + 8 }, { 4, PPC_TESTDEV_NAME + 16 },
	{ 2, PPC_TESTDEV_NAME + 20 }, { 8, 0 }, { 8, 8 }, { 4, 0x40 },
	{ 8, 0x7f8 }, { 4, 0x840 }, { 8, 0xc08 }, { 8, 0xff8 },
};

/* Loads of the header and other device bytes give what the host reads */
static unsigned int header_loads(struct ctx *c, u64 *host, unsigned int *idx)
{
	unsigned int i, nonzero = 0;

	for (i = 0; i < ARRAY_SIZE(hdr_loads); i++)
		idx[i] = ppc_prog_ld(&prog, hdr_loads[i].size,
				     WIN_GPA + hdr_loads[i].off);
	for (i = 0; i < ARRAY_SIZE(hdr_loads); i++) {
		host[i] = ppc_bar_rd(&c->bar, hdr_loads[i].off,
				     hdr_loads[i].size);
		nonzero += !!host[i];
	}
	return nonzero;
}

static void compare_loads(u64 *host, unsigned int *idx)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(hdr_loads); i++) {
		char what[64];

		snprintf(what, sizeof(what), "%d-byte load at BAR+0x%llx",
			 hdr_loads[i].size,
			 (unsigned long long)hdr_loads[i].off);
		EXPECT_EQ(prog.s[idx[i]].val, host[i], what);
	}
}

static void test_reads(struct ctx *c)
{
	unsigned int idx[ARRAY_SIZE(hdr_loads)], nonzero;
	u64 host[ARRAY_SIZE(hdr_loads)];

	ppc_expect_begin();
	ppc_testdev_select(&c->bar, 0);
	print_header(c, "host selected test 0");
	ppc_prog_init(&prog);
	nonzero = header_loads(c, host, idx);
	if (!run(c, "header loads"))
		return;
	printf("# guest: test 0x%llx, doorbell offset 0x%llx, name QWORD 0x%llx\n",
	       (unsigned long long)prog.s[idx[0]].val,
	       (unsigned long long)prog.s[idx[3]].val,
	       (unsigned long long)prog.s[idx[6]].val);
	compare_loads(host, idx);
	EXPECT(nonzero >= 4, "only %u of the host's loads are not 0", nonzero);
	EXPECT_EQ(d.msix_passthrough, ARRAY_SIZE(hdr_loads), "forwarded accesses");
	EXPECT_EQ(d.msix_table_accesses, 0, "table accesses");
	EXPECT_EQ(d.msix_invalid_accesses, 0, "invalid accesses");
	EXPECT_EQ(c->exits, 0, "MMIO exits");
	ksft_test_result(ppc_expect_ok(),
			 "%zu guest loads (1/2/4/8 bytes) of device bytes beside the table in the trapped page match the host's sysfs view, no exit\n",
			 ARRAY_SIZE(hdr_loads));
}

static void test_select(struct ctx *c)
{
	unsigned int idx[ARRAY_SIZE(hdr_loads)];
	u64 host[ARRAY_SIZE(hdr_loads)];
	char name[64];
	u64 sel;

	ppc_expect_begin();
	ppc_prog_init(&prog);
	ppc_prog_st(&prog, 1, WIN_GPA + PPC_TESTDEV_TEST, 1);
	if (!run(c, "select test 1"))
		return;
	print_header(c, "after the guest's store of 1 to BAR+0");
	sel = ppc_bar_rd(&c->bar, PPC_TESTDEV_TEST, 1);
	ppc_testdev_name(&c->bar, name, sizeof(name));
	EXPECT_EQ(sel, 1, "selected test (host view)");
	EXPECT(strstr(name, "wildcard") != NULL, "test name '%s'", name);
	EXPECT_EQ(d.msix_passthrough, 1, "forwarded accesses");
	/* the guest now reads the new header */
	ppc_prog_init(&prog);
	header_loads(c, host, idx);
	if (!run(c, "header loads, test 1"))
		return;
	compare_loads(host, idx);
	EXPECT_EQ(c->exits, 0, "MMIO exits");
	ksft_test_result(ppc_expect_ok(),
			 "guest store to the test select byte beside the table reaches the device ('%s' selected) and the guest reads the new header\n",
			 name);
}

/*
 * The fake table in the same page: entries read back; pci-testdev's test 0
 * doorbell (a 1-byte store of its data byte at BAR+0x800) lies under entry
 * 0: the host's own store there counts, the guest's (an invalid 1-byte
 * table access) and its table stores do not reach the device; accesses
 * across the table's and PBA's edges read all ones.
 */
static void test_table_in_page(struct ctx *c)
{
	unsigned int rd[4], pba, b1, edge, pedge, i;
	static const u32 val[4] = { 0xfee00000, 0, 0x1234, 0 };
	u64 before, host_hit, after, db, data;

	ppc_expect_begin();
	ppc_testdev_select(&c->bar, 0);
	db = ppc_bar_rd(&c->bar, PPC_TESTDEV_OFFSET, 4);
	data = ppc_bar_rd(&c->bar, PPC_TESTDEV_DATA, 1);
	before = ppc_bar_rd(&c->bar, PPC_TESTDEV_COUNT, 4);
	ppc_bar_wr(&c->bar, db, 1, data);
	host_hit = ppc_bar_rd(&c->bar, PPC_TESTDEV_COUNT, 4);
	ppc_prog_init(&prog);
	ppc_prog_st(&prog, 1, WIN_GPA + db, data);
	for (i = 0; i < 4; i++)
		ppc_prog_st(&prog, 4, WIN_GPA + TABLE + 4 * i, val[i]);
	for (i = 0; i < 4; i++)
		rd[i] = ppc_prog_ld(&prog, 4, WIN_GPA + TABLE + 4 * i);
	pba = ppc_prog_ld(&prog, 8, WIN_GPA + PBA);
	b1 = ppc_prog_ld(&prog, 1, WIN_GPA + TABLE);
	edge = ppc_prog_ld(&prog, 8, WIN_GPA + TABLE - 4);
	ppc_prog_st(&prog, 8, WIN_GPA + TABLE - 4, 0);
	pedge = ppc_prog_ld(&prog, 8, WIN_GPA + PBA + 4);
	if (!run(c, "table beside the header"))
		return;
	after = ppc_bar_rd(&c->bar, PPC_TESTDEV_COUNT, 4);
	ksft_print_msg("test 0 doorbell: 0x%llx at BAR+0x%llx; count %llu, %llu after the host's store, %llu after the guest's stores\n",
		       (unsigned long long)data, (unsigned long long)db,
		       (unsigned long long)before,
		       (unsigned long long)host_hit, (unsigned long long)after);
	for (i = 0; i < 4; i++)
		EXPECT_EQ(prog.s[rd[i]].val, val[i], "table field");
	EXPECT_EQ(db, TABLE, "test 0 doorbell offset");
	EXPECT_EQ(prog.s[pba].val, 0, "PBA");
	EXPECT_EQ(prog.s[b1].val, 0xff, "1-byte table load");
	EXPECT_EQ(prog.s[edge].val, ~0ULL, "QWORD across the table start");
	EXPECT_EQ(prog.s[pedge].val, ~0ULL, "QWORD across the PBA end");
	EXPECT_EQ(host_hit, before + 1, "host store to the doorbell counted");
	EXPECT_EQ(after, host_hit, "doorbell count after the guest's stores");
	EXPECT_EQ(d.msix_table_accesses, 9, "table/PBA accesses");
	EXPECT_EQ(d.msix_invalid_accesses, 5, "invalid accesses");
	EXPECT_EQ(d.msix_passthrough, 0, "forwarded accesses");
	EXPECT_EQ(c->exits, 0, "MMIO exits");
	ksft_test_result(ppc_expect_ok(),
			 "fake table at 0x%x in the same page: entries read back, guest stores there never reach the device (test 0 doorbell not hit), accesses across table/PBA edges read all ones\n",
			 TABLE);
}

/*
 * Device bytes accessed with a misaligned load: the kernel does not issue
 * a misaligned cache-inhibited access, it leaves it to the VMM (an MMIO
 * exit), which returns the device's bytes. Such an access was not
 * forwarded by the kernel, so msix_passthrough must not count it.
 */
static void test_misaligned_device(struct ctx *c)
{
	static const struct {
		int size;
		u64 off;
	} ld[] = { { 4, 2 }, { 8, 4 }, { 2, 17 } };
	unsigned int idx[ARRAY_SIZE(ld)], i;

	ppc_expect_begin();
	ppc_prog_init(&prog);
	for (i = 0; i < ARRAY_SIZE(ld); i++)
		idx[i] = ppc_prog_ld(&prog, ld[i].size, WIN_GPA + ld[i].off);
	if (!run(c, "misaligned device loads"))
		return;
	for (i = 0; i < ARRAY_SIZE(ld); i++)
		EXPECT_EQ(prog.s[idx[i]].val,
			  host_bytes(&c->bar, ld[i].off, ld[i].size),
			  "misaligned load of device bytes");
	EXPECT_EQ(c->exits, ARRAY_SIZE(ld), "exits to the VMM");
	ksft_test_result(ppc_expect_ok(),
			 "misaligned loads of device bytes in the trapped page exit to the VMM and get the device's bytes\n");
	ppc_expect_begin();
	EXPECT_EQ(d.msix_passthrough, 0,
		  "msix_passthrough for accesses the kernel did not forward");
	ksft_test_result(ppc_expect_ok(),
			 "msix_passthrough does not count accesses that exited to the VMM\n");
}

/*
 * The VMM's mapping of the BAR goes (munmap; VFIO zaps it the same way on
 * a reset or with memory decode off): from then on no guest access may
 * reach the device through the kernel. The header loads exit to the VMM,
 * which answers from a new mapping of its own; the kernel forwards none.
 */
static void test_host_gone(struct ctx *c)
{
	unsigned int idx[ARRAY_SIZE(hdr_loads)];
	u64 host[ARRAY_SIZE(hdr_loads)];
	struct ppc_pci_bar old = c->bar;

	ppc_expect_begin();
	munmap(old.map, old.map_len);
	if (ppc_pci_map_bar(c->bdf, 0, &c->bar)) {
		ksft_test_result_fail("remap: %s\n", ppc_errmsg());
		return;
	}
	close(old.fd);
	ppc_prog_init(&prog);
	header_loads(c, host, idx);
	if (!run(c, "header loads, host mapping gone"))
		return;
	compare_loads(host, idx);
	EXPECT_EQ(d.msix_passthrough, 0, "forwarded accesses");
	EXPECT_EQ(c->exits, ARRAY_SIZE(hdr_loads), "MMIO exits");
	ksft_test_result(ppc_expect_ok(),
			 "the VMM's mapping of the BAR gone: guest accesses beside the table no longer reach the device, they exit to the VMM\n");
}

int main(void)
{
	char bdf[PPC_PCI_BDF_LEN];
	struct ctx c = { 0 };
	int r;

	setvbuf(stdout, NULL, _IOLBF, 0);
	ksft_print_header();
	r = ppc_pci_find(PPC_TESTDEV_VENDOR, PPC_TESTDEV_DEVICE, bdf, sizeof(bdf));
	if (!r)
		r = ppc_pci_enable(bdf);
	if (!r)
		r = ppc_pci_map_bar(bdf, 0, &c.bar);
	snprintf(c.bdf, sizeof(c.bdf), "%s", bdf);
	if (r)
		ksft_exit_fail_msg("pci-testdev: %s\n", ppc_errmsg());
	ksft_print_msg("pci-testdev %s BAR0 0x%llx size 0x%llx; window at 0x%llx with a fake MSI-X table at 0x%x (%u vectors), PBA at 0x%x\n",
		       bdf, (unsigned long long)c.bar.start,
		       (unsigned long long)c.bar.size,
		       (unsigned long long)WIN_GPA, TABLE, NVEC, PBA);
	c.vm = ppc_guest_create(&c.vcpu);
	if (!c.vm)
		ksft_exit_fail_msg("guest: %s\n", ppc_errmsg());
	if (ppc_msix_win_add(&c.mw, c.vm, -1, &c.bar, WIN_GPA, TABLE, PBA, NVEC))
		ksft_exit_fail_msg("window: %s\n", ppc_errmsg());
	ksft_set_plan(6);

	test_reads(&c);
	test_select(&c);
	test_table_in_page(&c);
	test_misaligned_device(&c);
	test_host_gone(&c);

	ppc_testdev_select(&c.bar, PPC_TESTDEV_NR_TESTS);
	ppc_vcpu_print_stats(c.vcpu);
	ppc_msix_win_free(&c.mw);
	close(c.mw.dev);
	ppc_vm_free(c.vm);
	ppc_pci_unmap_bar(&c.bar);
	ksft_finished();
}
