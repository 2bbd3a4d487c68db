// SPDX-License-Identifier: GPL-2.0-only
/*
 * Windows beside memslots in an HPT (hash MMU) guest, on a hash host.
 *
 * A 128K RAM memslot at 0x80000000 and the pci-testdev's 4K BAR through a
 * window at 0x80022000, in one 2M region (which ADD used to refuse for
 * every VM). The guest maps one 4K page of each with H_ENTER (RAM
 * cacheable, the BAR cache-inhibited and guarded) and, with data
 * relocation on, loads the device header and known RAM contents, stores
 * to RAM and loads it back. Then the window goes (its accesses exit to
 * the VMM, RAM keeps working), comes back, and the memslot is deleted and
 * re-added with other contents beside the live window.
 */
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "../../kselftest.h"
#include "ppc_kvm_util.h"
#include "ppc_asm.h"
#include "ppc_ptw_util.h"

#define HPT_ORDER	18
#define TEST_VSID	0x23456ULL
#define SEG_EA		0x10000000ULL
#define RAM_GPA		0x80000000ULL
#define RAM_SIZE	0x20000ULL
#define WIN_GPA		0x80022000ULL	/* same 2M region, +0x2000 in its 64K */
#define RAM_EA		SEG_EA
#define WIN_EA		(SEG_EA + 0x2000)
#define LD_OFF		0x18
#define ST_OFF		0x100
#define ST_VAL		0x5151a2a2c3c3d4d4ULL

static struct ppc_asm code;
static struct ppc_ptw_bed bed;
static struct ppc_pci_bar *td = &bed.testdev;
static struct ppc_vcpu *vcpu;
static int dev;

static u64 ram_word(u32 tag, u64 off)
{
	return (u64)tag << 48 | (RAM_GPA + off);
}

static void ram_fill(u64 *hva, u32 tag)
{
	u64 i;

	for (i = 0; i < RAM_SIZE / 8; i++)
		hva[i] = ram_word(tag, 8 * i);
}

/* Passes of: DR on; window header loads; RAM load, store, load; DR off */
static void emit_guest(const struct ppc_hpt_map *win,
		       const struct ppc_hpt_map *ram)
{
	int regs[] = { 17, 18, 19, 20 };
	u64 top;

	ppc_asm_init(&code, PPC_GUEST_CODE_GPA);
	ppc_hpt_enter(&code, win, 1);
	ppc_hpt_enter(&code, ram, 2);
	ppc_li64(&code, 31, win->ea);
	ppc_li64(&code, 30, ram->ea);
	ppc_li64(&code, 29, ST_VAL);
	top = ppc_here(&code);
	ppc_data_relocate(&code, true);
	ppc_ld(&code, 17, 0, 31);
	ppc_ld(&code, 18, PPC_TESTDEV_NAME, 31);
	ppc_ld(&code, 19, LD_OFF, 30);
	ppc_std(&code, 29, ST_OFF, 30);
	ppc_ld(&code, 20, ST_OFF, 30);
	ppc_sync(&code);
	ppc_data_relocate(&code, false);
	ppc_ucall(&code, PPC_UCALL_SYNC, 4, regs);
	ppc_b(&code, top);
}

struct pass {
	struct ppc_ucall uc;
	u64 exits;
	int err;
};

static void run_pass(struct pass *p, const char *what)
{
	struct ppc_mmio_log log;

	ppc_mmio_log_init(&log, 4, 0xa5);
	ppc_vcpu_clear_stats(vcpu);
	p->err = ppc_vcpu_run_expect(vcpu, PPC_UCALL_SYNC, &p->uc,
				     ppc_mmio_log_fn, &log);
	p->exits = log.n;
	ppc_mmio_log_free(&log);
	if (p->err)
		ksft_print_msg("%s: %s\n", what, ppc_errmsg());
	ksft_print_msg("%s: header 0x%llx name 0x%llx RAM 0x%llx stored 0x%llx, %llu VMM exits\n",
		       what, ULL(p->uc.args[0]), ULL(p->uc.args[1]),
		       ULL(p->uc.args[2]), ULL(p->uc.args[3]), ULL(p->exits));
}

static bool ram_ok(const struct pass *p, const u64 *hva, u32 tag)
{
	return !p->err && p->uc.args[2] == ram_word(tag, LD_OFF) &&
	       p->uc.args[3] == ST_VAL && hva[ST_OFF / 8] == ST_VAL;
}

static bool win_ok(const struct pass *p)
{
	return p->uc.args[0] == ppc_bar_rd(td, 0, 8) &&
	       p->uc.args[1] == ppc_bar_rd(td, PPC_TESTDEV_NAME, 8);
}

int main(void)
{
	struct ppc_hpt_map win, ram;
	struct kvm_ppc_pt_window w;
	struct kvm_ppc_pt_window_stats st;
	struct ppc_vm *vm;
	struct pass p;
	u64 *hva, *fresh;
	int r, rs;

	setvbuf(stdout, NULL, _IOLBF, 0);
	ksft_print_header();
	r = ppc_hash_host();
	if (r <= 0)
		ksft_exit_skip("not a hash host: %s\n", ppc_errmsg());
	if (ppc_ptw_bed_open(&bed))
		ksft_exit_skip("test bed: %s\n", ppc_errmsg());
	if (td->size != PPC_SZ_4K || td->offset != 0x4000)
		ksft_exit_skip("pci-testdev BAR0 is not a 4K BAR at +0x4000\n");
	ksft_set_plan(5);
	vm = ppc_hash_guest_create(&vcpu, HPT_ORDER);
	if (!vm)
		ksft_exit_fail_msg("HPT guest: %s\n", ppc_errmsg());
	dev = ppc_ptw_create(vm);
	if (dev < 0)
		ksft_exit_fail_msg("window device: %s\n", ppc_errmsg());
	ppc_testdev_select(td, 0);

	hva = mmap(NULL, RAM_SIZE, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	fresh = mmap(NULL, RAM_SIZE, PROT_READ | PROT_WRITE,
		     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (hva == MAP_FAILED || fresh == MAP_FAILED)
		ksft_exit_fail_msg("mmap: %m\n");
	ram_fill(hva, 0xa11a);
	ram_fill(fresh, 0xd44d);
	rs = ppc_vm_add_memslot(vm, RAM_GPA, RAM_SIZE, hva, 0);
	w = ppc_ptw_window(td, 0, td->size, WIN_GPA);
	r = ppc_ptw_add(dev, &w);
	ksft_test_result(rs >= 0 && !r,
			 "HPT VM: a window in the 2M region of a 128K memslot is added\n");
	if (rs < 0 || r)
		ksft_exit_fail_msg("%s\n", ppc_errmsg());

	ppc_hpt_map_4k(&win, HPT_ORDER, TEST_VSID, WIN_EA, WIN_GPA,
		       PPC_HPTE_R_I | PPC_HPTE_R_G);
	ppc_hpt_map_4k(&ram, HPT_ORDER, TEST_VSID, RAM_EA, RAM_GPA,
		       PPC_HPTE_R_M);
	emit_guest(&win, &ram);
	if (ppc_guest_load(vcpu, &code))
		ksft_exit_fail_msg("guest code: %s\n", ppc_errmsg());

	run_pass(&p, "pass 1");
	run_pass(&p, "pass 2");
	ppc_ptw_stats(dev, &st);
	ksft_test_result(ram_ok(&p, hva, 0xa11a) && win_ok(&p) && !p.exits &&
			 st.maps_4k == 1,
			 "guest HPTEs on RAM and on the window page of one 2M region: RAM and device bytes right, no VMM exit\n");

	r = ppc_ptw_remove(dev, w.id);
	hva[ST_OFF / 8] = 0;
	run_pass(&p, "removed");
	ksft_test_result(!r && ram_ok(&p, hva, 0xa11a) && p.exits == 2,
			 "REMOVE: the window's loads exit to the VMM, RAM beside it keeps working\n");

	r = ppc_ptw_add(dev, &w);
	run_pass(&p, "re-added");
	ksft_test_result(!r && ram_ok(&p, hva, 0xa11a) && win_ok(&p) && !p.exits,
			 "ADD again beside the memslot: mapped again\n");

	r = ppc_vm_del_memslot(vm, RAM_GPA);
	rs = ppc_vm_add_memslot(vm, RAM_GPA, RAM_SIZE, fresh, 0);
	run_pass(&p, "memslot again");
	ksft_test_result(!r && rs >= 0 && ram_ok(&p, fresh, 0xd44d) &&
			 win_ok(&p) && !p.exits,
			 "the memslot deleted and re-added with other contents beside the live window: the guest reads them\n");

	ppc_testdev_select(td, PPC_TESTDEV_NR_TESTS);
	close(dev);
	ppc_vm_free(vm);
	ppc_ptw_bed_close(&bed);
	ksft_finished();
}
