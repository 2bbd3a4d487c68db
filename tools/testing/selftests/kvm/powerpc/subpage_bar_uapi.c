// SPDX-License-Identifier: GPL-2.0-only
/*
 * Every bad argument of the window uapi fails with its exact errno, and
 * leaves nothing behind: the stats do not move, no window is left
 * registered (its guest range can be taken again), and the next valid ADD
 * gets id 0.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>

#include "../../kselftest.h"
#include "ppc_kvm_util.h"
#include "ppc_ptw_util.h"

#define GW		0x80002000ULL	/* a valid guest place */
#define GW2		0x90003000ULL	/* another one, far away */
#define SLOT64K		0x40000000ULL	/* a 64K RAM memslot */
#define MANY_BASE	0x100000000ULL

static struct ppc_ptw_bed bed;
static struct ppc_pci_bar *td = &bed.testdev;
static int dev;
static struct kvm_ppc_pt_window_stats st0;

static struct kvm_ppc_pt_window good(u64 gpa)
{
	return ppc_ptw_window(td, 0, td->size, gpa);
}

static const char *errname(int e)
{
	switch (e) {
	case 0: return "0";
	case -EINVAL: return "-EINVAL";
	case -EFAULT: return "-EFAULT";
	case -EEXIST: return "-EEXIST";
	case -ENOSPC: return "-ENOSPC";
	case -ENOENT: return "-ENOENT";
	case -ENXIO: return "-ENXIO";
	case -EBUSY: return "-EBUSY";
	default: return "other";
	}
}

/* ADD must fail with want; the stats must not move */
static void add_fails(struct kvm_ppc_pt_window w, int want, const char *what)
{
	struct kvm_ppc_pt_window_stats st;
	int r = ppc_ptw_add(dev, &w);

	ppc_ptw_stats(dev, &st);
	if (r != want)
		ksft_print_msg("%s: got %d (%s)\n", what, r, r ? ppc_errmsg() : "ok");
	if (!r)
		ppc_ptw_remove(dev, w.id);
	ksft_test_result(r == want && ppc_ptw_stats_eq(&st, &st0),
			 "ADD %s: %s\n", what, errname(want));
}

static void expect(int r, int want, const char *what)
{
	if (r != want)
		ksft_print_msg("%s: got %d (%s)\n", what, r, r ? ppc_errmsg() : "ok");
	ksft_test_result(r == want, "%s: %s\n", what, errname(want));
}

/*
 * Whether window pages here must map with 4K leaves, as far as the host
 * shows it: 1, 0, or -1 where only the L0 knows (a KVM L0 answers
 * H_PTW_NESTED_4K, and kvm_hv.ptw_nested_4k is -1).
 */
static int host_maps_4k(void)
{
	char param[16] = "";

	if (!ppc_host_on_pseries())
		return 1;
	if (!ppc_sysfs_read("/sys/module/kvm_hv/parameters/ptw_nested_4k",
			    param, sizeof(param)) && atoi(param) >= 0)
		return atoi(param) > 0;
	return ppc_host_l0_is_kvm() ? -1 : 1;
}

/* GRP_INFO: the flags are what this host can do; nothing else is there */
static void test_info(void)
{
	u64 flags = ~0ULL;
	int r, want = host_maps_4k();

	r = ppc_ptw_get_attr(dev, KVM_DEV_PPC_PTW_GRP_INFO,
			     KVM_DEV_PPC_PTW_INFO_FLAGS, &flags);
	ksft_print_msg("GRP_INFO flags 0x%llx (%d); this host: %s\n", ULL(flags),
		       r, want < 0 ? "the L0 decides" : want ? "4K leaves" : "no 4K leaves");
	ksft_test_result(!r && !(flags & ~KVM_PPC_PTW_INFO_MAP_4K) &&
			 (want < 0 || !!(flags & KVM_PPC_PTW_INFO_MAP_4K) == want) &&
			 !!(flags & KVM_PPC_PTW_INFO_MAP_4K) == ppc_ptw_maps_4k,
			 "GET_DEVICE_ATTR INFO_FLAGS: only MAP_4K defined, set as this host maps (0x%llx)\n",
			 ULL(flags));
	expect(ppc_ptw_get_attr(dev, KVM_DEV_PPC_PTW_GRP_INFO, 2, &flags),
	       -ENXIO, "GET_DEVICE_ATTR INFO attr 2");
	expect(ppc_ptw_set_attr(dev, KVM_DEV_PPC_PTW_GRP_INFO,
				KVM_DEV_PPC_PTW_INFO_FLAGS, &flags),
	       -ENXIO, "SET_DEVICE_ATTR of the INFO group");
	expect(ppc_ptw_has_attr(dev, KVM_DEV_PPC_PTW_GRP_INFO,
				KVM_DEV_PPC_PTW_INFO_FLAGS),
	       0, "HAS_DEVICE_ATTR INFO_FLAGS");
	expect(ppc_ptw_has_attr(dev, KVM_DEV_PPC_PTW_GRP_INFO, 2), -ENXIO,
	       "HAS_DEVICE_ATTR INFO attr 2");
	expect(ppc_ptw_get_attr(dev, KVM_DEV_PPC_PTW_GRP_INFO,
				KVM_DEV_PPC_PTW_INFO_FLAGS, NULL),
	       -EFAULT, "GET_DEVICE_ATTR INFO_FLAGS into a NULL pointer");
}

static void test_header_fields(void)
{
	struct kvm_ppc_pt_window w;
	int i;

	w = good(GW);
	w.flags = 1;
	add_fails(w, -EINVAL, "flags = 1");
	w = good(GW);
	w.flags = 0x80000000;
	add_fails(w, -EINVAL, "flags = 0x80000000");
	for (i = 0; i < 3; i++) {
		char what[32];

		w = good(GW);
		w.pad[i] = 1;
		snprintf(what, sizeof(what), "pad[%d] = 1", i);
		add_fails(w, -EINVAL, what);
	}
}

static void test_sizes(void)
{
	struct kvm_ppc_pt_window w;

	w = good(GW);
	w.size = 0;
	add_fails(w, -EINVAL, "size 0");
	w = good(GW);
	w.size = 8;
	add_fails(w, -EINVAL, "size 8 (below a 16-byte BAR)");
	w = good(GW);
	w.size = PPC_PTW_SIZE_MAX + 1;
	add_fails(w, -EINVAL, "size 1 TiB + 1");
	w = good(GW);
	w.size = ~0ULL;
	add_fails(w, -EINVAL, "size 2^64 - 1");
	w = good(~0ULL - 0x800);
	add_fails(w, -EINVAL, "guest range wraps past 2^64");
	/* The partition-scoped tree translates 52 bits of guest address. */
	w = good(1ULL << 52);
	add_fails(w, -EINVAL, "guest address at 2^52, beyond the guest physical space");
	w = good((1ULL << 52) - 0x800);
	add_fails(w, -EINVAL, "guest range crossing 2^52");
}

static void test_host(void)
{
	struct kvm_ppc_pt_window w;
	void *anon, *gone;

	anon = mmap(NULL, PPC_SZ_64K, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	gone = mmap(NULL, PPC_SZ_64K, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (anon == MAP_FAILED || gone == MAP_FAILED)
		ksft_exit_fail_msg("mmap\n");
	munmap(gone, PPC_SZ_64K);

	w = good(GW);
	w.host_uaddr = (unsigned long)gone + 0x4000;
	add_fails(w, -EFAULT, "host_uaddr not mapped");
	w = good(GW);
	w.host_uaddr = 0;
	add_fails(w, -EFAULT, "host_uaddr 0");
	w = good(GW);
	w.host_uaddr = (unsigned long)anon + 0x4000;
	add_fails(w, -EINVAL, "host_uaddr in anonymous memory (no IO PFN mapping)");
	w = good(GW);
	w.host_uaddr = (unsigned long)&w;
	add_fails(w, -EINVAL, "host_uaddr on the stack");
	/* Must not resolve to host physical 0 by skipping the walk. */
	w = good(GW);
	w.host_uaddr = ~0ULL - 0x7ff;
	add_fails(w, -EINVAL, "host_uaddr range wraps past 2^64");
	munmap(anon, PPC_SZ_64K);
}

static void test_msix_geometry(void)
{
	struct ppc_pci_bar *fl = &bed.flash;
	struct kvm_ppc_pt_window w;

	w = good(GW);
	w.msix_table_offset = 0x100;
	add_fails(w, -EINVAL, "MSI-X table offset without a table (nvec 0)");
	w = good(GW);
	w.msix_pba_offset = 0x800;
	add_fails(w, -EINVAL, "MSI-X PBA offset without a table (nvec 0)");
	w = good(GW);
	w.msix_nvec = 1;
	w.msix_table_offset = 4;
	add_fails(w, -EINVAL, "MSI-X table offset not QWORD aligned");
	w = good(GW);
	w.msix_nvec = 1;
	w.msix_table_offset = td->size - 8;
	add_fails(w, -EINVAL, "MSI-X table past the window end");
	w = good(GW);
	w.msix_nvec = 4;
	w.msix_pba_offset = 0x20;
	add_fails(w, -EINVAL, "MSI-X PBA overlapping the table");
	w = good(GW);
	w.msix_nvec = 1;
	w.msix_pba_offset = 0x804;
	add_fails(w, -EINVAL, "MSI-X PBA offset not QWORD aligned");
	w = good(GW);
	w.msix_nvec = 1;
	w.msix_pba_offset = td->size;
	add_fails(w, -EINVAL, "MSI-X PBA past the window end");
	/* 128K window: room for 2049 vectors, but MSI-X has at most 2048 */
	w = ppc_ptw_window(fl, 0, fl->size, 0x88000000);
	w.msix_nvec = 2049;
	w.msix_pba_offset = 0x10000;
	add_fails(w, -EINVAL, "2049 MSI-X vectors");
	w.msix_nvec = 2048;
	{
		int r = ppc_ptw_add(dev, &w);

		if (!r)
			ppc_ptw_remove(dev, w.id);
		expect(r, 0, "ADD with 2048 MSI-X vectors (table 32K, PBA 256 bytes) is valid");
	}
}

static void test_placement(struct ppc_vm *vm)
{
	struct kvm_ppc_pt_window a = good(GW), w;
	struct kvm_userspace_memory_region mr;
	struct kvm_ppc_pt_window_stats st;
	int r, slot;

	/* Guest RAM: 0..2M; a 64K memslot at SLOT64K */
	slot = ppc_vm_add_memslot(vm, SLOT64K, PPC_SZ_64K, NULL, 0);
	if (slot < 0)
		ksft_exit_fail_msg("%s\n", ppc_errmsg());
	ppc_ptw_stats(dev, &st0);
	add_fails(good(0x1ff000), -EEXIST, "over guest RAM's last bytes (RAM ends at 2M)");
	add_fails(good(SLOT64K + 0xf000), -EEXIST, "over a 64K memslot's last 4K");
	/* Memslots and windows may share 2M regions (not bytes). */
	{
		static const u64 beside[] = {
			SLOT64K + 0x1f0000, SLOT64K + PPC_SZ_64K,
			SLOT64K + PPC_SZ_2M,
		};
		static const char *const what[] = {
			"ADD in the 2M region of a 64K memslot, 1.9M past it",
			"ADD right after a 64K memslot's last byte",
			"ADD in the next 2M region after a memslot's",
		};
		unsigned int i;

		for (i = 0; i < 3; i++) {
			struct kvm_ppc_pt_window n = good(beside[i]);

			r = ppc_ptw_add(dev, &n);
			if (!r)
				ppc_ptw_remove(dev, n.id);
			expect(r, 0, what[i]);
		}
	}

	/* Overlapping windows */
	r = ppc_ptw_add(dev, &a);
	if (r)
		ksft_exit_fail_msg("ADD: %s\n", ppc_errmsg());
	ppc_ptw_stats(dev, &st0);
	add_fails(good(GW), -EEXIST, "the same guest range again");
	add_fails(good(GW + 0x800), -EEXIST, "overlapping the second half");
	add_fails(good(GW - 0x800), -EEXIST, "overlapping the first half");
	w = ppc_ptw_window(&bed.flash, 0, PPC_SZ_64K, GW - 0x2000);
	add_fails(w, -EEXIST, "a 64K window that contains another");
	w = good(GW + td->size);
	r = ppc_ptw_add(dev, &w);
	expect(r, 0, "ADD right after another window (adjacent, same 2M)");
	if (!r)
		ppc_ptw_remove(dev, w.id);

	/* Memslots beside a window, in its 2M region: fine; over it: not */
	mr = (struct kvm_userspace_memory_region){
		.slot = 10, .guest_phys_addr = (GW & ~(PPC_SZ_2M - 1)) + 0x100000,
		.memory_size = PPC_SZ_64K,
		.userspace_addr = (unsigned long)ppc_gpa_to_hva(vm, SLOT64K),
	};
	r = ioctl(vm->fd, KVM_SET_USER_MEMORY_REGION, &mr) ? -errno : 0;
	expect(r, 0, "KVM_SET_USER_MEMORY_REGION in a window's 2M region (1M from it)");
	mr.memory_size = 0;
	ioctl(vm->fd, KVM_SET_USER_MEMORY_REGION, &mr);
	mr.guest_phys_addr = (GW & ~(PPC_SZ_2M - 1)) + PPC_SZ_2M - PPC_SZ_64K;
	mr.memory_size = 2 * PPC_SZ_64K;
	mr.userspace_addr = (unsigned long)mmap(NULL, 2 * PPC_SZ_64K,
						PROT_READ | PROT_WRITE,
						MAP_PRIVATE | MAP_ANONYMOUS,
						-1, 0);
	r = ioctl(vm->fd, KVM_SET_USER_MEMORY_REGION, &mr) ? -errno : 0;
	expect(r, 0, "KVM_SET_USER_MEMORY_REGION straddling out of a window's 2M region");
	mr.memory_size = 0;
	ioctl(vm->fd, KVM_SET_USER_MEMORY_REGION, &mr);
	munmap((void *)(unsigned long)mr.userspace_addr, 2 * PPC_SZ_64K);
	mr.userspace_addr = (unsigned long)ppc_gpa_to_hva(vm, SLOT64K);
	mr.guest_phys_addr = GW & ~(PPC_SZ_64K - 1);
	mr.memory_size = PPC_SZ_64K;
	r = ioctl(vm->fd, KVM_SET_USER_MEMORY_REGION, &mr) ? -errno : 0;
	expect(r, -EEXIST, "KVM_SET_USER_MEMORY_REGION over a window's bytes");
	if (!r) {
		mr.memory_size = 0;
		ioctl(vm->fd, KVM_SET_USER_MEMORY_REGION, &mr);
	}
	/* Moving the 64K memslot beside the window, then over it */
	mr = (struct kvm_userspace_memory_region){
		.slot = slot,
		.guest_phys_addr = (GW & ~(PPC_SZ_64K - 1)) + PPC_SZ_64K,
		.memory_size = PPC_SZ_64K,
		.userspace_addr = (unsigned long)ppc_gpa_to_hva(vm, SLOT64K),
	};
	r = ioctl(vm->fd, KVM_SET_USER_MEMORY_REGION, &mr) ? -errno : 0;
	expect(r, 0, "moving a memslot into a window's 2M region (the next 64K page)");
	mr.guest_phys_addr = GW & ~(PPC_SZ_64K - 1);
	r = ioctl(vm->fd, KVM_SET_USER_MEMORY_REGION, &mr) ? -errno : 0;
	expect(r, -EEXIST, "moving a memslot over a window's bytes");
	mr.guest_phys_addr = SLOT64K;
	if (ioctl(vm->fd, KVM_SET_USER_MEMORY_REGION, &mr))
		ksft_exit_fail_msg("moving the memslot back: %s\n", strerror(errno));
	mr.guest_phys_addr = (GW & ~(PPC_SZ_2M - 1)) + PPC_SZ_2M;
	mr.slot = 10;
	r = ioctl(vm->fd, KVM_SET_USER_MEMORY_REGION, &mr) ? -errno : 0;
	expect(r, 0, "a memslot in the next 2M region is fine");
	if (!r) {
		mr.memory_size = 0;
		ioctl(vm->fd, KVM_SET_USER_MEMORY_REGION, &mr);
	}
	ppc_ptw_stats(dev, &st);
	ksft_test_result(ppc_ptw_stats_eq(&st, &st0),
			 "memslots coming and going leave the window stats alone\n");

	/* MOVE errors */
	expect(ppc_ptw_move(dev, a.id + 1, GW2), -ENOENT, "MOVE of an unknown id");
	expect(ppc_ptw_move(dev, KVM_PPC_PTW_MAX_WINDOWS, GW2), -EINVAL,
	       "MOVE of id KVM_PPC_PTW_MAX_WINDOWS");
	expect(ppc_ptw_move(dev, ~0U, GW2), -EINVAL, "MOVE of id 0xffffffff");
	expect(ppc_ptw_move(dev, a.id, 0x1000), -EEXIST, "MOVE onto guest RAM's bytes");
	expect(ppc_ptw_move(dev, a.id, SLOT64K + 0x12000), 0,
	       "MOVE beside a memslot, into its 2M region");
	expect(ppc_ptw_move(dev, a.id, GW), 0, "MOVE back");
	w = good(GW2);
	r = ppc_ptw_add(dev, &w);
	expect(ppc_ptw_move(dev, a.id, GW2 + 0x800), -EEXIST, "MOVE onto another window");
	if (!r)
		ppc_ptw_remove(dev, w.id);
	expect(ppc_ptw_move(dev, a.id, ~0ULL - 0x800), -EINVAL, "MOVE to a guest range that wraps");
	{
		struct kvm_ppc_pt_window m = { .id = a.id, .flags = 1,
					       .guest_addr = GW2 };

		expect(ppc_ptw_set_attr(dev, KVM_DEV_PPC_PTW_GRP_CTRL,
					KVM_DEV_PPC_PTW_MOVE, &m),
		       -EINVAL, "MOVE with flags = 1");
		m.flags = 0;
		m.pad[2] = 1;
		expect(ppc_ptw_set_attr(dev, KVM_DEV_PPC_PTW_GRP_CTRL,
					KVM_DEV_PPC_PTW_MOVE, &m),
		       -EINVAL, "MOVE with pad[2] = 1");
	}

	/* REMOVE errors */
	expect(ppc_ptw_remove(dev, a.id + 1), -ENOENT, "REMOVE of an unknown id");
	expect(ppc_ptw_remove(dev, KVM_PPC_PTW_MAX_WINDOWS), -EINVAL,
	       "REMOVE of id KVM_PPC_PTW_MAX_WINDOWS");
	expect(ppc_ptw_remove(dev, ~0U), -EINVAL, "REMOVE of id 0xffffffff");
	expect(ppc_ptw_remove(dev, a.id), 0, "REMOVE of the window");
	expect(ppc_ptw_remove(dev, a.id), -ENOENT, "REMOVE of it again");
	expect(ppc_ptw_move(dev, a.id, GW), -ENOENT, "MOVE of a removed id");
	ppc_vm_del_memslot(vm, SLOT64K);
}

static void test_too_many(void)
{
	struct kvm_ppc_pt_window w;
	struct kvm_ppc_pt_window_stats st;
	unsigned int i, ok = 0;
	u32 ids[KVM_PPC_PTW_MAX_WINDOWS];
	int r;

	for (i = 0; i < KVM_PPC_PTW_MAX_WINDOWS; i++) {
		w = good(MANY_BASE + i * PPC_SZ_2M + 0x2000);
		r = ppc_ptw_add(dev, &w);
		ids[i] = w.id;
		ok += !r && w.id == i;
	}
	ksft_test_result(ok == KVM_PPC_PTW_MAX_WINDOWS,
			 "%u windows, ids 0..%u\n", KVM_PPC_PTW_MAX_WINDOWS,
			 KVM_PPC_PTW_MAX_WINDOWS - 1);
	ppc_ptw_stats(dev, &st0);
	add_fails(good(MANY_BASE + KVM_PPC_PTW_MAX_WINDOWS * PPC_SZ_2M + 0x2000),
		  -ENOSPC, "of window KVM_PPC_PTW_MAX_WINDOWS + 1");
	/* A freed id is taken again, the lowest first */
	ppc_ptw_remove(dev, ids[7]);
	ppc_ptw_remove(dev, ids[3]);
	w = good(GW);
	r = ppc_ptw_add(dev, &w);
	ksft_test_result(!r && w.id == 3, "after REMOVE of ids 7 and 3, ADD gets id 3 (%u)\n",
			 w.id);
	for (i = 0; i < KVM_PPC_PTW_MAX_WINDOWS; i++)
		ppc_ptw_remove(dev, i);
	ppc_ptw_stats(dev, &st);
	ksft_test_result(ppc_ptw_stats_eq(&st, &st0) && !st.faults,
			 "windows that never faulted leave faults/maps/unmaps at 0\n");
}

static void test_attrs(void)
{
	struct kvm_ppc_pt_window_stats st;
	u32 id = 0;

	expect(ppc_ptw_set_attr(dev, KVM_DEV_PPC_PTW_GRP_CTRL, 0, &id), -ENXIO,
	       "SET_DEVICE_ATTR CTRL attr 0");
	expect(ppc_ptw_set_attr(dev, KVM_DEV_PPC_PTW_GRP_CTRL,
				KVM_DEV_PPC_PTW_ADD_VFIO + 1, &id), -ENXIO,
	       "SET_DEVICE_ATTR CTRL attr ADD_VFIO + 1");
	expect(ppc_ptw_set_attr(dev, 0, KVM_DEV_PPC_PTW_ADD, &id), -ENXIO,
	       "SET_DEVICE_ATTR group 0");
	expect(ppc_ptw_set_attr(dev, 99, KVM_DEV_PPC_PTW_ADD, &id), -ENXIO,
	       "SET_DEVICE_ATTR group 99");
	expect(ppc_ptw_set_attr(dev, KVM_DEV_PPC_PTW_GRP_STATS,
				KVM_DEV_PPC_PTW_STATS, &st), -ENXIO,
	       "SET_DEVICE_ATTR of the STATS group");
	expect(ppc_ptw_get_attr(dev, KVM_DEV_PPC_PTW_GRP_STATS, 2, &st), -ENXIO,
	       "GET_DEVICE_ATTR STATS attr 2");
	expect(ppc_ptw_get_attr(dev, KVM_DEV_PPC_PTW_GRP_CTRL,
				KVM_DEV_PPC_PTW_ADD, &st), -ENXIO,
	       "GET_DEVICE_ATTR of the CTRL group");
	expect(ppc_ptw_get_attr(dev, 99, 1, &st), -ENXIO,
	       "GET_DEVICE_ATTR group 99");
	expect(ppc_ptw_has_attr(dev, KVM_DEV_PPC_PTW_GRP_CTRL, KVM_DEV_PPC_PTW_ADD) |
	       ppc_ptw_has_attr(dev, KVM_DEV_PPC_PTW_GRP_CTRL, KVM_DEV_PPC_PTW_MOVE) |
	       ppc_ptw_has_attr(dev, KVM_DEV_PPC_PTW_GRP_CTRL, KVM_DEV_PPC_PTW_REMOVE) |
	       ppc_ptw_has_attr(dev, KVM_DEV_PPC_PTW_GRP_CTRL, KVM_DEV_PPC_PTW_ADD_VFIO) |
	       ppc_ptw_has_attr(dev, KVM_DEV_PPC_PTW_GRP_STATS, KVM_DEV_PPC_PTW_STATS),
	       0, "HAS_DEVICE_ATTR of ADD, MOVE, REMOVE, ADD_VFIO and STATS");
	expect(ppc_ptw_has_attr(dev, KVM_DEV_PPC_PTW_GRP_CTRL,
				KVM_DEV_PPC_PTW_ADD_VFIO + 1), -ENXIO,
	       "HAS_DEVICE_ATTR CTRL attr ADD_VFIO + 1");
	expect(ppc_ptw_has_attr(dev, 99, 1), -ENXIO, "HAS_DEVICE_ATTR group 99");

	/* Bad user pointers */
	expect(ppc_ptw_set_attr(dev, KVM_DEV_PPC_PTW_GRP_CTRL,
				KVM_DEV_PPC_PTW_ADD, NULL),
	       -EFAULT, "ADD from a NULL pointer");
	expect(ppc_ptw_set_attr(dev, KVM_DEV_PPC_PTW_GRP_CTRL,
				KVM_DEV_PPC_PTW_MOVE, NULL),
	       -EFAULT, "MOVE from a NULL pointer");
	expect(ppc_ptw_set_attr(dev, KVM_DEV_PPC_PTW_GRP_CTRL,
				KVM_DEV_PPC_PTW_REMOVE, NULL),
	       -EFAULT, "REMOVE from a NULL pointer");
	expect(ppc_ptw_get_attr(dev, KVM_DEV_PPC_PTW_GRP_STATS,
				KVM_DEV_PPC_PTW_STATS, NULL),
	       -EFAULT, "STATS to a NULL pointer");
}

/*
 * ADD reads the window, registers it, then writes the id back: with the
 * struct in read-only memory that last step fails, and the window must
 * not stay registered.
 */
static void test_readonly_struct(void)
{
	struct kvm_ppc_pt_window *ro, w;
	struct kvm_ppc_pt_window_stats st;
	long page = sysconf(_SC_PAGESIZE);
	int r;

	ro = mmap(NULL, page, PROT_READ | PROT_WRITE,
		  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (ro == MAP_FAILED)
		ksft_exit_fail_msg("mmap\n");
	*ro = good(GW);
	mprotect(ro, page, PROT_READ);
	ppc_ptw_stats(dev, &st0);
	r = ppc_ptw_set_attr(dev, KVM_DEV_PPC_PTW_GRP_CTRL,
			     KVM_DEV_PPC_PTW_ADD, ro);
	ppc_ptw_stats(dev, &st);
	expect(r, -EFAULT, "ADD whose id cannot be written back (read-only struct)");
	w = good(GW);
	r = ppc_ptw_add(dev, &w);
	ksft_test_result(!r && w.id == 0 && ppc_ptw_stats_eq(&st, &st0),
			 "nothing half-registered: the same guest range is free and the next ADD gets id 0 (%u)\n",
			 w.id);
	if (!r)
		ppc_ptw_remove(dev, w.id);
	munmap(ro, page);
}

int main(void)
{
	struct kvm_create_device cd = { .type = KVM_DEV_TYPE_PPC_PT_WINDOW };
	struct kvm_ppc_pt_window w;
	struct kvm_ppc_pt_window_stats st;
	struct ppc_vcpu *vcpu;
	struct ppc_vm *vm;
	int r;

	setvbuf(stdout, NULL, _IOLBF, 0);
	ksft_print_header();
	if (ppc_ptw_bed_open(&bed))
		ksft_exit_skip("test bed: %s\n", ppc_errmsg());
	ksft_set_plan(93);

	vm = ppc_guest_create(&vcpu);
	if (!vm)
		ksft_exit_fail_msg("creating the guest: %s\n", ppc_errmsg());
	r = ppc_check_cap(vm->kvm_fd, KVM_CAP_PPC_PT_WINDOW);
	ksft_test_result(r > 0, "KVM_CAP_PPC_PT_WINDOW = %d\n", r);

	cd.flags = KVM_CREATE_DEVICE_TEST;
	r = ioctl(vm->fd, KVM_CREATE_DEVICE, &cd) ? -errno : 0;
	expect(r, 0, "KVM_CREATE_DEVICE_TEST of KVM_DEV_TYPE_PPC_PT_WINDOW");
	dev = ppc_ptw_create(vm);
	ksft_test_result(dev >= 0, "the first window device of the VM is created\n");
	if (dev < 0)
		ksft_exit_fail_msg("%s\n", ppc_errmsg());
	r = ppc_ptw_create(vm);
	ksft_print_msg("second device: %d (%s)\n", r, r < 0 ? ppc_errmsg() : "created");
	ksft_test_result(r == -EEXIST, "a second window device in the same VM fails (-EEXIST)\n");
	if (r >= 0)
		close(r);
	r = ppc_ptw_stats(dev, &st0);
	ksft_test_result(!r && !st0.faults && !st0.maps_4k && !st0.maps_direct &&
			 !st0.unmaps && !st0.vmm_exits && !st0.msix_traps,
			 "a new device's stats are all 0\n");

	test_header_fields();		/* 5 */
	test_sizes();			/* 5 */
	test_host();			/* 4 */
	test_msix_geometry();		/* 7 */
	test_placement(vm);		/* 36 */
	test_too_many();		/* 4 */
	test_attrs();			/* 16 */
	test_info();			/* 6 */
	test_readonly_struct();		/* 2 */

	/* After all of it, a valid ADD is window 0 and stats never moved */
	ppc_ptw_stats(dev, &st);
	w = good(GW);
	r = ppc_ptw_add(dev, &w);
	ppc_ptw_stats_print("stats at the end", &st);
	ksft_test_result(!r && w.id == 0 && !st.faults && !st.maps_4k &&
			 !st.maps_direct && !st.unmaps && !st.vmm_exits,
			 "after every failure a valid ADD gets id 0; no fault or mapping was ever counted\n");
	ksft_test_result(ppc_ptw_add(dev, &w) == -EEXIST && !ppc_ptw_remove(dev, 0) &&
			 ppc_ptw_remove(dev, 0) == -ENOENT,
			 "and it is really registered (a second ADD of it: -EEXIST; REMOVE works once)\n");

	close(dev);
	ppc_vm_free(vm);
	ppc_ptw_bed_close(&bed);
	ksft_finished();
}
