// SPDX-License-Identifier: GPL-2.0-only
/*
 * A window HPTE of an HPT guest meets the hash hcalls KVM runs in vmlinux,
 * and the VMM's view of the HPT, on the hash host.
 *
 * The guest maps the pci-testdev BAR page (window at guest 0x80002000)
 * read-only with H_ENTER and loads from it: the HPTE is filled. Then:
 *  - H_PROTECT makes it read/write. KVM never widens a valid HPTE, so the
 *    guest's next store takes a protection fault; the window code fills
 *    the HPTE again, read/write, and the store rings the device's doorbell
 *    (no VMM exit);
 *  - the VMM reads the HPT through KVM_PPC_GET_HTAB_FD (what migration
 *    sends): the entry is the guest's, with its guest RPN, never the host
 *    address;
 *  - H_REMOVE returns the guest's entry; the guest enters it again and the
 *    next load maps it again;
 *  - the VMM moves the window away: the re-entered HPTE is unmapped and the
 *    guest's load exits to the VMM at the guest address.
 */
#include <endian.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "../../kselftest.h"
#include "ppc_kvm_util.h"
#include "ppc_asm.h"
#include "ppc_ptw_util.h"

#define HPT_ORDER	18
#define TEST_VSID	0x3456ULL
#define WIN_EA		0x10002000ULL
#define GUEST_BAR	0x80002000ULL
#define MOVED_BAR	0x80105000ULL
#define PPC_H_REMOVE	0x04
#define PPC_H_PROTECT	0x18
#define PP_RO		0x3ULL	/* PP = 3: read-only with Ks = 0 */
#define PP_MASK		0x3ULL
#define HPTE_R_RC	0x180ULL
#define HPTE_V_VALID	0x1ULL

static struct ppc_asm code;
static struct ppc_ptw_bed bed;
static struct ppc_pci_bar *td = &bed.testdev;

/* Each phase ends in SYNC; the host checks and acts in between. */
static void emit_guest(const struct ppc_hpt_map *ro, const struct ppc_hpt_map *rw)
{
	int a[] = { 17 }, b[] = { 18 }, c[] = { 19, 20, 21, 17 };

	ppc_asm_init(&code, PPC_GUEST_CODE_GPA);
	ppc_hpt_enter(&code, ro, 1);
	ppc_mr(&code, 22, 4);			/* the HPTE index */
	ppc_li64(&code, 31, ro->ea);

	/* A: a load maps the read-only HPTE */
	ppc_data_relocate(&code, true);
	ppc_ld(&code, 17, 0, 31);
	ppc_data_relocate(&code, false);
	ppc_ucall(&code, PPC_UCALL_SYNC, 1, a);

	/* B: H_PROTECT to read/write, then the doorbell store */
	ppc_li64(&code, 3, PPC_H_PROTECT);
	ppc_li64(&code, 4, rw->ptel & PP_MASK);
	ppc_mr(&code, 5, 22);
	ppc_li64(&code, 6, 0);
	ppc_sc1(&code);
	ppc_mr(&code, 18, 3);
	ppc_data_relocate(&code, true);
	ppc_lwz(&code, 14, PPC_TESTDEV_OFFSET, 31);
	ppc_lbz(&code, 15, PPC_TESTDEV_DATA, 31);
	ppc_add(&code, 16, 31, 14);
	ppc_stb(&code, 15, 0, 16);
	ppc_sync(&code);
	ppc_data_relocate(&code, false);
	ppc_ucall(&code, PPC_UCALL_SYNC, 1, b);

	/* C: H_REMOVE, enter it again, load */
	ppc_li64(&code, 3, PPC_H_REMOVE);
	ppc_li64(&code, 4, 0);
	ppc_mr(&code, 5, 22);
	ppc_li64(&code, 6, 0);
	ppc_sc1(&code);
	ppc_mr(&code, 19, 3);
	ppc_mr(&code, 20, 5);
	ppc_hpt_enter(&code, rw, 2);
	ppc_mr(&code, 21, 4);
	ppc_data_relocate(&code, true);
	ppc_ld(&code, 17, 0, 31);
	ppc_data_relocate(&code, false);
	ppc_ucall(&code, PPC_UCALL_SYNC, 4, c);

	/* D: the same load after the VMM moved the window */
	ppc_data_relocate(&code, true);
	ppc_ld(&code, 17, 0, 31);
	ppc_data_relocate(&code, false);
	ppc_ucall(&code, PPC_UCALL_SYNC, 1, a);
	ppc_done(&code);
}

/*
 * The guest view of HPTE @index as KVM_PPC_GET_HTAB_FD reports it: 0 and
 * *v, *r if it is there, a negative errno otherwise.
 */
static int htab_entry(struct ppc_vm *vm, u64 index, u64 *v, u64 *r)
{
	struct kvm_get_htab_fd ghf = { .flags = 0, .start_index = 0 };
	size_t len = 1 << 20, off;
	int fd, ret = -ENOENT;
	ssize_t n;
	char *buf;

	fd = ioctl(vm->fd, KVM_PPC_GET_HTAB_FD, &ghf);
	if (fd < 0)
		return ppc_set_err(errno, "KVM_PPC_GET_HTAB_FD");
	buf = malloc(len);
	if (!buf) {
		close(fd);
		return -ENOMEM;
	}
	while (ret == -ENOENT && (n = read(fd, buf, len)) > 0) {
		for (off = 0; off + sizeof(struct kvm_get_htab_header) <= (size_t)n;) {
			struct kvm_get_htab_header h;
			const u64 *e;

			memcpy(&h, buf + off, sizeof(h));
			off += sizeof(h);
			e = (const u64 *)(buf + off);
			if (index >= h.index && index < h.index + h.n_valid) {
				*v = be64toh(e[2 * (index - h.index)]);
				*r = be64toh(e[2 * (index - h.index) + 1]);
				ret = 0;
			}
			off += 16 * h.n_valid;
		}
	}
	free(buf);
	close(fd);
	return ret == -ENOENT ? ppc_set_err(ENOENT, "HPTE %llu not in the HTAB fd",
					    ULL(index)) : ret;
}


static void run_phase(struct ppc_vcpu *vcpu, int dev,
		      struct ppc_ptw_pass *p,
		      const struct kvm_ppc_pt_window_stats *since)
{
	if (ppc_ptw_run_pass(vcpu, dev, td, since, p))
		ksft_print_msg("phase: %s\n", ppc_errmsg());
	ppc_ptw_stats_print("phase", &p->d);
	ksft_print_msg("phase: r 0x%llx 0x%llx 0x%llx 0x%llx; doorbell %llu -> %llu; %llu MMIO exits (first at 0x%llx)\n",
		       ULL(p->uc.args[0]), ULL(p->uc.args[1]),
		       ULL(p->uc.args[2]), ULL(p->uc.args[3]),
		       ULL(p->count_before), ULL(p->count_after),
		       ULL(p->exits), ULL(p->nrec ? p->rec[0].addr : 0));
}

int main(void)
{
	struct kvm_ppc_pt_window_stats st;
	struct ppc_hpt_map ro, rw;
	struct kvm_ppc_pt_window w;
	int dev, r;
	struct ppc_vcpu *vcpu;
	struct ppc_ptw_pass p;
	struct ppc_vm *vm;
	u64 hdr, v = 0, hr = 0, index;

	setvbuf(stdout, NULL, _IOLBF, 0);
	ksft_print_header();
	r = ppc_hash_host();
	if (r < 0)
		ksft_exit_fail_msg("/dev/kvm: %s\n", ppc_errmsg());
	if (!r)
		ksft_exit_skip("%s\n", ppc_errmsg());
	if (ppc_ptw_bed_open(&bed))
		ksft_exit_fail_msg("test bed: %s\n", ppc_errmsg());
	ppc_testdev_select(td, 0);
	hdr = ppc_bar_rd(td, 0, 8);
	vm = ppc_hash_guest_create(&vcpu, HPT_ORDER);
	if (!vm)
		ksft_exit_fail_msg("HPT guest: %s\n", ppc_errmsg());
	dev = ppc_ptw_create(vm);
	w = ppc_ptw_window(td, 0, td->size, GUEST_BAR);
	if (dev < 0 || ppc_ptw_add(dev, &w))
		ksft_exit_fail_msg("window: %s\n", ppc_errmsg());
	ksft_set_plan(5);

	ppc_hpt_map_4k(&rw, HPT_ORDER, TEST_VSID, WIN_EA, GUEST_BAR,
		       PPC_HPTE_R_I | PPC_HPTE_R_G);
	ro = rw;
	ro.ptel = (rw.ptel & ~PP_MASK) | PP_RO;
	emit_guest(&ro, &rw);
	if (ppc_guest_load(vcpu, &code))
		ksft_exit_fail_msg("guest code: %s\n", ppc_errmsg());

	run_phase(vcpu, dev, &p, NULL);
	ksft_test_result(!p.err && p.uc.args[0] == hdr && !p.exits &&
			 p.d.faults == 1 && p.d.maps_4k == 1,
			 "a read-only guest HPTE on the window page is mapped by its first load\n");

	run_phase(vcpu, dev, &p, NULL);
	ksft_test_result(!p.err && p.uc.args[0] == 0 && !p.exits &&
			 p.count_after == p.count_before + 1 &&
			 p.d.faults == 1 && p.d.maps_4k == 1,
			 "H_PROTECT to read/write: the store faults once, the HPTE is filled again read/write, the doorbell rings\n");

	index = rw.pte_index;
	r = htab_entry(vm, index, &v, &hr);
	ksft_print_msg("HTAB fd: HPTE %llu v 0x%llx r 0x%llx: %s\n", ULL(index),
		       ULL(v), ULL(hr), r ? ppc_errmsg() : "found");
	ksft_test_result(!r && (v & HPTE_V_VALID) &&
			 (hr & ~HPTE_R_RC) == rw.ptel,
			 "KVM_PPC_GET_HTAB_FD shows the guest's entry (RPN 0x%llx, read/write), not the host page\n",
			 ULL(GUEST_BAR));

	run_phase(vcpu, dev, &p, NULL);
	ksft_test_result(!p.err && p.uc.args[0] == 0 &&
			 (p.uc.args[1] & ~HPTE_R_RC) == rw.ptel &&
			 p.uc.args[3] == hdr && !p.exits && p.d.faults == 1 &&
			 p.d.maps_4k == 1,
			 "H_REMOVE returns the guest's entry; entered again (index %llu), the next load maps it again\n",
			 ULL(p.uc.args[2]));

	ppc_ptw_stats(dev, &st);
	r = ppc_ptw_move(dev, w.id, MOVED_BAR);
	run_phase(vcpu, dev, &p, &st);
	ksft_test_result(!r && !p.err && p.exits == 1 && p.nrec && p.rec[0].addr == GUEST_BAR &&
			 p.d.unmaps == 1,
			 "MOVE: the re-entered HPTE is unmapped (1 unmap), the guest's load exits to the VMM at 0x%llx\n",
			 ULL(GUEST_BAR));

	close(dev);
	ppc_vm_free(vm);
	ppc_testdev_select(td, PPC_TESTDEV_NR_TESTS);
	ppc_ptw_bed_close(&bed);
	ksft_finished();
}
