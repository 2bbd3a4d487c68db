// SPDX-License-Identifier: GPL-2.0-only
/*
 * Windows named through VFIO (KVM_DEV_PPC_PTW_ADD_VFIO), as a VMM that
 * owns the device through VFIO adds them.
 *
 * pci-testdev is bound to vfio-pci and opened the way QEMU's vfio-pci
 * opens it (group, sPAPR TCE container, device fd). Its 4K BAR0 sits at
 * a 4K offset inside a 64K host page it shares with other devices' BARs,
 * so VFIO offers no mmap of it: the window names it by group fd, PCI
 * address, BAR and offset. The guest places its copy at another offset
 * within its 64K page and must read exactly what VFIO preads of the same
 * bytes (the selected test's name), and its stores must reach the device.
 * Each ownership rule refuses with its own errno. VFIO's revocations reach
 * the window as they reach VFIO's own mmaps: memory decode off and a
 * function reset unmap it and the guest's next access exits, until the
 * BARs decode again; KVM_DEV_VFIO_FILE_DEL kills it.
 *
 * Without 4K leaves (no KVM_PPC_PTW_INFO_MAP_4K) nothing maps and nothing
 * is revoked: every access exits, and the window VMM (ppc_ptw_vmm.c)
 * serves it through VFIO as QEMU would, except while VFIO refuses
 * (memory decode off), when the exit reaches this test's handler.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <errno.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <linux/pci_regs.h>
#include <sys/utsname.h>

#include "../../kselftest.h"
#include "ppc_kvm_util.h"
#include "ppc_ptw_util.h"
#include "ppc_vfio_util.h"

#define WIN_GPA		0x80002000ULL	/* 0x2000 into its 64K page */
#define NR_WORDS	(PPC_TESTDEV_HDR_LEN / 8)

static struct ppc_vfio vf;
static char td_bdf[32], e1000e_bdf[32];

static unsigned int header_loads(struct ppc_access *acc)
{
	unsigned int i;

	for (i = 0; i < NR_WORDS; i++) {
		memset(&acc[i], 0, sizeof(acc[i]));
		acc[i].gpa = WIN_GPA + i * 8;
		acc[i].size = 8;
	}
	return NR_WORDS;
}

/* Guest words equal VFIO preads; the name (from byte 16) is not empty */
static unsigned int compare_header(struct ppc_access *acc, const char *what)
{
	unsigned int i, bad = 0;
	u64 host;

	for (i = 0; i < NR_WORDS; i++) {
		if (ppc_vfio_pread(&vf, 0, i * 8, 8, &host)) {
			bad++;
			continue;
		}
		if (acc[i].val != host && bad++ < 4)
			ksft_print_msg("%s: BAR0+0x%x guest 0x%016llx VFIO 0x%016llx\n",
				       what, i * 8, ULL(acc[i].val), ULL(host));
	}
	if (!acc[PPC_TESTDEV_NAME / 8].val)
		bad++;
	return bad;
}

static void name_of(struct ppc_access *acc, char *name)
{
	memcpy(name, &acc[PPC_TESTDEV_NAME / 8].val, 8);
	memcpy(name + 8, &acc[PPC_TESTDEV_NAME / 8 + 1].val, 8);
	name[16] = '\0';
}

static void test_refusals(int dev, int kvfio)
{
	struct kvm_ppc_pt_window_vfio w;
	int efd = eventfd(0, 0), r, r2;
	u16 bdf = vf.pci_bdf;

	w = ppc_ptw_window_vfio(&vf, 0, 0, PPC_SZ_4K, WIN_GPA);
	r = ppc_ptw_add_vfio(dev, &w);
	ksft_test_result(r == -EPERM,
			 "a group not registered with the VM's KVM-VFIO device: -EPERM (%d)\n", r);

	r = ppc_kvm_vfio_file(kvfio, vf.group, true);
	ksft_test_result(!r, "KVM_DEV_VFIO_FILE_ADD of the group: %s\n",
			 r ? ppc_errmsg() : "0");

	w = ppc_ptw_window_vfio(&vf, 0, 0, PPC_SZ_4K, WIN_GPA);
	w.vfio_group_fd = efd;
	r = ppc_ptw_add_vfio(dev, &w);
	w.vfio_group_fd = vf.device;
	r2 = ppc_ptw_add_vfio(dev, &w);
	ksft_test_result(r == -EINVAL && r2 == -EINVAL,
			 "a fd that is not a VFIO group (an eventfd: %d, the VFIO device fd: %d): -EINVAL\n",
			 r, r2);
	w.vfio_group_fd = 1000;
	r = ppc_ptw_add_vfio(dev, &w);
	ksft_test_result(r == -EBADF, "a closed fd: -EBADF (%d)\n", r);

	w = ppc_ptw_window_vfio(&vf, 0, 0, PPC_SZ_4K, WIN_GPA);
	w.pci_bdf = bdf ^ 0x1f00;	/* another bus: no such device */
	r = ppc_ptw_add_vfio(dev, &w);
	ksft_test_result(r == -ENODEV, "a PCI address with no device: -ENODEV (%d)\n", r);
	if (e1000e_bdf[0]) {
		unsigned int dom, bus, d, fn;

		sscanf(e1000e_bdf, "%x:%x:%x.%x", &dom, &bus, &d, &fn);
		w.pci_domain = dom;
		w.pci_bdf = bus << 8 | d << 3 | fn;
		r = ppc_ptw_add_vfio(dev, &w);
		ksft_test_result(r == -ENODEV,
				 "e1000e, in the group but not bound to vfio-pci: -ENODEV (%d)\n", r);
	} else {
		ksft_test_result_skip("no e1000e\n");
	}

	w = ppc_ptw_window_vfio(&vf, 6, 0, PPC_SZ_4K, WIN_GPA);
	r = ppc_ptw_add_vfio(dev, &w);
	w = ppc_ptw_window_vfio(&vf, 2, 0, PPC_SZ_4K, WIN_GPA);
	r2 = ppc_ptw_add_vfio(dev, &w);
	ksft_test_result(r == -EINVAL && r2 == -EINVAL,
			 "BAR index 6 (%d) and BAR2, which pci-testdev does not have (%d): -EINVAL\n",
			 r, r2);

	w = ppc_ptw_window_vfio(&vf, 0, 0, 2 * PPC_SZ_4K, WIN_GPA);
	r = ppc_ptw_add_vfio(dev, &w);
	w = ppc_ptw_window_vfio(&vf, 0, PPC_SZ_4K, 8, WIN_GPA);
	r2 = ppc_ptw_add_vfio(dev, &w);
	ksft_test_result(r == -EPERM && r2 == -EPERM,
			 "a range beyond the 4K BAR (8K: %d; 8 bytes at 4K: %d): -EPERM\n", r, r2);

	w = ppc_ptw_window_vfio(&vf, 0, 0, PPC_SZ_4K, WIN_GPA);
	w.flags = 1;
	r = ppc_ptw_add_vfio(dev, &w);
	w.flags = 0;
	w.pad32 = 1;
	r2 = ppc_ptw_add_vfio(dev, &w);
	ksft_test_result(r == -EINVAL && r2 == -EINVAL,
			 "flags (%d) or padding (%d) not 0: -EINVAL\n", r, r2);
	close(efd);
}

int main(void)
{
	struct kvm_ppc_pt_window_stats s0, s1, s2, s3;
	struct kvm_ppc_pt_window_vfio w;
	struct ppc_access acc[NR_WORDS + 1];
	struct ppc_mmio_log log;
	struct ppc_vcpu *vcpu;
	struct ppc_vm *vm;
	struct utsname u;
	char name[17], name2[17];
	int dev, kvfio, r, e, bad;
	u64 sel, start;
	bool old_kernel;

	setvbuf(stdout, NULL, _IOLBF, 0);
	ksft_print_header();
	uname(&u);
	/* 6.1 binds nothing to vfio-pci on powerpc (README "Kernels"). */
	old_kernel = !strncmp(u.release, "6.1.", 4);
	if (ppc_pci_find(PPC_TESTDEV_VENDOR, PPC_TESTDEV_DEVICE, td_bdf, sizeof(td_bdf)))
		ksft_exit_skip("no pci-testdev\n");
	if (ppc_pci_find(PPC_E1000E_VENDOR, PPC_E1000E_DEVICE, e1000e_bdf, sizeof(e1000e_bdf)))
		e1000e_bdf[0] = '\0';
	r = ppc_vfio_bind(td_bdf);
	if (r && old_kernel)
		ksft_exit_skip("%s: %s (VFIO on powerpc needs 6.4+)\n", u.release, ppc_errmsg());
	if (r)
		ksft_exit_fail_msg("binding %s to vfio-pci: %s\n", td_bdf, ppc_errmsg());
	if (ppc_vfio_open(&vf, td_bdf))
		ksft_exit_fail_msg("VFIO: %s\n", ppc_errmsg());
	ksft_set_plan(18);

	start = 0;
	{
		char path[128], buf[256];

		snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/resource", td_bdf);
		if (!ppc_sysfs_read(path, buf, sizeof(buf)))
			start = strtoull(buf, NULL, 16);
	}
	ksft_print_msg("pci-testdev %s (IOMMU group %d) BAR0 host 0x%llx (+0x%llx in its 64K page), size 0x%llx, VFIO flags 0x%x; window at guest 0x%llx (+0x%llx)\n",
		       td_bdf, vf.group_id, ULL(start), ULL(start & 0xffff),
		       ULL(vf.bar[0].size), vf.bar[0].flags, WIN_GPA, WIN_GPA & 0xffff);
	ksft_test_result(vf.bar[0].size == PPC_SZ_4K &&
			 !(vf.bar[0].flags & VFIO_REGION_INFO_FLAG_MMAP) &&
			 (start & 0xffff) != (WIN_GPA & 0xffff),
			 "VFIO offers no mmap of the 4K BAR0 inside a shared 64K page; the guest offset differs from the host's\n");

	if (ppc_mmio_log_init(&log, 64, 0x5a))
		ksft_exit_fail_msg("%s\n", ppc_errmsg());
	vm = ppc_guest_create(&vcpu);
	if (!vm)
		ksft_exit_fail_msg("creating the guest: %s\n", ppc_errmsg());
	dev = ppc_ptw_create(vm);
	kvfio = ppc_kvm_vfio_create(vm);
	if (dev < 0 || kvfio < 0)
		ksft_exit_fail_msg("%s\n", ppc_errmsg());

	test_refusals(dev, kvfio);

	/* Known contents: select test 1, so the header names it. */
	ppc_vfio_pwrite(&vf, 0, PPC_TESTDEV_TEST, 1, 1);
	ppc_ptw_stats(dev, &s0);
	w = ppc_ptw_window_vfio(&vf, 0, 0, PPC_SZ_4K, WIN_GPA);
	r = ppc_ptw_add_vfio(dev, &w);
	e = -1;
	bad = -1;
	if (!r) {
		e = ppc_mmio_log_run(vcpu, acc, header_loads(acc), &log);
		bad = e ? -1 : (int)compare_header(acc, "test 1");
	}
	ppc_ptw_stats(dev, &s1);
	name_of(acc, name);
	ppc_ptw_stats_print("after the header loads", &s1);
	ksft_test_result(!r && e == 0 && bad == 0 &&
			 s1.maps_4k - s0.maps_4k == PPC_PTW_EXPECT(1, 0) &&
			 log.served == PPC_PTW_EXPECT(0, NR_WORDS),
			 "ADD_VFIO of BAR0: the guest reads the header VFIO preads ('%s'), %s (%llu served)\n",
			 name, PPC_PTW_EXPECT("through one 4K mapping, 0 VMM exits",
					      "each load exits, the VMM serves it through VFIO"),
			 ULL(log.served));

	/* A guest store selects test 2: the device sees it. */
	memset(acc, 0, sizeof(acc));
	acc[0].gpa = WIN_GPA + PPC_TESTDEV_TEST;
	acc[0].size = 1;
	acc[0].write = true;
	acc[0].val = 2;
	e = ppc_mmio_log_run(vcpu, acc, 1, &log);
	ppc_vfio_pread(&vf, 0, PPC_TESTDEV_TEST, 1, &sel);
	e += ppc_mmio_log_run(vcpu, acc, header_loads(acc), &log);
	bad = e ? -1 : (int)compare_header(acc, "test 2");
	name_of(acc, name2);
	ksft_test_result(e == 0 && sel == 2 && bad == 0 && strcmp(name, name2),
			 "a guest store reaches the device: VFIO reads test %llu, the guest then reads '%s' as VFIO does\n",
			 ULL(sel), name2);

	/* Memory decode off through VFIO: revoked; on again: resumes. */
	{
		struct kvm_ppc_pt_window_stats a, b, c;
		u16 cmd = 0, off;
		int e1, e2;

		ppc_vfio_cmd(&vf, &cmd, false);
		off = cmd & ~PCI_COMMAND_MEMORY;
		ppc_ptw_stats(dev, &a);
		r = ppc_vfio_cmd(&vf, &off, true);
		ppc_ptw_stats(dev, &b);
		e1 = ppc_mmio_log_run(vcpu, acc, 1, &log);
		ppc_ptw_stats(dev, &c);
		ksft_test_result(!r && (cmd & PCI_COMMAND_MEMORY) &&
				 PPC_PTW_EXPECT(b.unmaps > a.unmaps,
						b.unmaps == a.unmaps) &&
				 e1 == 1 && !log.served &&
				 log.rec[0].addr == WIN_GPA &&
				 c.maps_4k == b.maps_4k,
				 "memory decode off (VFIO config write, command 0x%x -> 0x%x): the mapping goes, the next load exits to the VMM\n",
				 cmd, off);
		r = ppc_vfio_cmd(&vf, &cmd, true);
		ppc_ptw_stats(dev, &a);
		e2 = ppc_mmio_log_run(vcpu, acc, header_loads(acc), &log);
		bad = e2 ? -1 : (int)compare_header(acc, "decode on");
		ppc_ptw_stats(dev, &b);
		ksft_test_result(!r && e2 == 0 && bad == 0 &&
				 b.maps_4k == a.maps_4k + PPC_PTW_EXPECT(1, 0) &&
				 log.served == PPC_PTW_EXPECT(0, NR_WORDS),
				 "memory decode on again: %s, the guest reads the device\n",
				 PPC_PTW_EXPECT("the next fault resumes the window (maps_4k +1)",
						"the VMM serves the exits again"));
	}

	/* A function reset through VFIO: revoked, then resumed, test 0. */
	{
		struct kvm_ppc_pt_window_stats a, b;

		struct vfio_device_info di = { .argsz = sizeof(di) };

		if (ioctl(vf.device, VFIO_DEVICE_GET_INFO, &di) < 0 ||
		    !(di.flags & VFIO_DEVICE_FLAGS_RESET)) {
			ksft_test_result_skip("VFIO_DEVICE_RESET: pci-testdev has no function reset VFIO can use (flags 0x%x)\n",
					      di.flags);
			goto no_reset;
		}
		ppc_ptw_stats(dev, &a);
		r = ioctl(vf.device, VFIO_DEVICE_RESET) < 0 ? -errno : 0;
		ppc_ptw_stats(dev, &b);
		e = ppc_mmio_log_run(vcpu, acc, header_loads(acc), &log);
		bad = e ? -1 : (int)compare_header(acc, "after reset");
		ppc_vfio_pread(&vf, 0, PPC_TESTDEV_TEST, 1, &sel);
		ksft_test_result(!r && e == 0 && bad == 0 &&
				 PPC_PTW_EXPECT(b.unmaps > a.unmaps,
						b.unmaps == a.unmaps),
				 "VFIO_DEVICE_RESET: the mapping goes (unmaps +%llu), the window resumes and reads the reset device (test %llu) as VFIO does\n",
				 ULL(b.unmaps - a.unmaps), ULL(sel));
	}
no_reset:

	/* KVM_DEV_VFIO_FILE_DEL revokes: the next access exits. */
	r = ppc_kvm_vfio_file(kvfio, vf.group, false);
	ppc_ptw_stats(dev, &s2);
	e = ppc_mmio_log_run(vcpu, acc, 1, &log);
	ppc_ptw_stats(dev, &s3);
	/*
	 * Without 4K leaves there is nothing to revoke: the load exits and
	 * the VMM, which still owns the device, serves it.
	 */
	ksft_test_result(!r && s3.maps_4k == s2.maps_4k &&
			 s3.vmm_exits == s2.vmm_exits + 1 &&
			 (ppc_ptw_maps_4k ?
			  s2.unmaps > s1.unmaps && e == 1 &&
			  log.rec[0].addr == WIN_GPA :
			  s2.unmaps == s1.unmaps && e == 0 && log.served == 1),
			 "KVM_DEV_VFIO_FILE_DEL: the mapping goes (unmaps +%llu), the guest's next load exits to the VMM at 0x%llx\n",
			 ULL(s2.unmaps - s1.unmaps), ULL(log.rec[0].addr));

	r = ppc_ptw_remove(dev, w.id);
	w = ppc_ptw_window_vfio(&vf, 0, 0, PPC_SZ_4K, WIN_GPA);
	e = ppc_ptw_add_vfio(dev, &w);
	ksft_test_result(!r && e == -EPERM,
			 "the revoked window is removed; ADD_VFIO again after FILE_DEL: -EPERM (%d)\n", e);

	/* A VM torn down with a live VFIO window; the device stays usable. */
	r = ppc_kvm_vfio_file(kvfio, vf.group, true);
	w = ppc_ptw_window_vfio(&vf, 0, 0, PPC_SZ_4K, WIN_GPA);
	if (!r)
		r = ppc_ptw_add_vfio(dev, &w);
	if (!r)
		r = ppc_mmio_log_run(vcpu, acc, header_loads(acc), &log);
	close(dev);
	close(kvfio);
	ppc_vm_free(vm);
	vm = ppc_guest_create(&vcpu);
	dev = vm ? ppc_ptw_create(vm) : -1;
	kvfio = vm ? ppc_kvm_vfio_create(vm) : -1;
	e = -1;
	if (dev >= 0 && kvfio >= 0 && !ppc_kvm_vfio_file(kvfio, vf.group, true)) {
		w = ppc_ptw_window_vfio(&vf, 0, 0, PPC_SZ_4K, WIN_GPA);
		if (!ppc_ptw_add_vfio(dev, &w))
			e = ppc_mmio_log_run(vcpu, acc, header_loads(acc), &log);
	}
	bad = e ? -1 : (int)compare_header(acc, "2nd VM");
	ksft_test_result(!r && e == 0 && bad == 0,
			 "a VM torn down with a live VFIO window; a second VM adds the window again and reads the device\n");

	ppc_vfio_pwrite(&vf, 0, PPC_TESTDEV_TEST, 1, PPC_TESTDEV_NR_TESTS);
	close(dev);
	close(kvfio);
	if (vm)
		ppc_vm_free(vm);
	ppc_mmio_log_free(&log);
	ppc_vfio_close(&vf);
	ppc_vfio_unbind(td_bdf);
	ksft_finished();
}
