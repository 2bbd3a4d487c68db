/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Per-VM state of the KVM book3s HV passthrough IO windows, shared by the
 * device (book3s_hv_ptw.c), the radix mapping (book3s_hv_ptw_radix.c) and
 * the HPT mapping (book3s_hv_ptw_hpt.c).
 */
#ifndef __KVM_BOOK3S_HV_PTW_H__
#define __KVM_BOOK3S_HV_PTW_H__

#include <linux/mmu_notifier.h>
#include <linux/mutex.h>
#include <linux/xarray.h>
#include <uapi/linux/kvm_ppc_pt_window.h>
#include <asm/kvm_ptw_classify.h>

/**
 * struct kvmppc_ptw_window - one registered window
 * @layout: guest and host placement, MSI-X table and PBA.
 * @host_uaddr: the VMM's mapping of the host BAR, watched by the MMU
 *	notifier: the window dies with it.
 * @id: the id ADD returned.
 * @dead: the host mapping went away; every access exits to the VMM until
 *	the VMM removes the window.
 * @msix: MSI-X table emulation, NULL if the window holds no table.
 */
struct kvmppc_ptw_window {
	struct kvmppc_ptw_layout layout;
	u64 host_uaddr;
	u32 id;
	bool dead;
	struct kvmppc_ptw_msix *msix;
};

/**
 * struct kvmppc_ptw_table - a 512-entry table of 4K PTEs under one PMD
 * @ptes: the table, naturally aligned, big-endian PTEs as the MMU reads.
 * @pmdp: the partition-scoped PMD entry that points to @ptes.
 * @nr_present: present entries; the table goes when it drops to 0.
 */
struct kvmppc_ptw_table {
	__be64 *ptes;
	pmd_t *pmdp;
	unsigned int nr_present;
};

/**
 * struct kvmppc_ptw - the windows of one VM (private data of its device)
 * @kvm: the VM.
 * @lock: serialises windows, tables and stats; taken after slots_lock,
 *	never while holding mmap_lock for the fault path's sake.
 * @windows: indexed by window id.
 * @tables: our 4K-PTE tables, indexed by guest address >> PMD_SHIFT.
 * @hpt_maps: indices of the HPTEs made valid for windows (HPT guests).
 * @torn_down: the radix tree is gone for good (VM teardown).
 * @mn: watches the VMM's mappings of host BARs.
 * @msi_window: the guest address a routable MSI message carries.
 * @stats: counters reported through KVM_DEV_PPC_PTW_GRP_STATS (the MSI-X
 *	ones of removed windows; live windows add theirs when read).
 */
struct kvmppc_ptw {
	struct kvm *kvm;
	struct mutex lock;
	struct kvmppc_ptw_window *windows[KVM_PPC_PTW_MAX_WINDOWS];
	struct xarray tables;
	struct xarray hpt_maps;
	bool torn_down;
	struct mmu_notifier mn;
	u64 msi_window;
	struct kvm_ppc_pt_window_stats stats;
};

int kvmppc_ptw_radix_map(struct kvmppc_ptw *p, unsigned long gpa, u64 hpa,
			 unsigned int npages);
void kvmppc_ptw_radix_unmap(struct kvmppc_ptw *p, unsigned long start,
			    unsigned long end);
void kvmppc_ptw_radix_free_tables(struct kvmppc_ptw *p, bool tree_alive);
int kvmppc_ptw_radix_init(void);

bool kvmppc_ptw_hpte_is_4k(unsigned long v, unsigned long guest_rpte);
bool kvmppc_ptw_hpte_is_64k(unsigned long v, unsigned long guest_rpte);
int kvmppc_ptw_hpt_map(struct kvmppc_ptw *p, unsigned long index,
		       const unsigned long *hpte, u64 hpa);
void kvmppc_ptw_hpt_unmap(struct kvmppc_ptw *p, unsigned long start,
			  unsigned long end);
void kvmppc_ptw_hpt_forget(struct kvmppc_ptw *p);

struct kvmppc_ptw_msix *kvmppc_ptw_msix_create(struct kvmppc_ptw *p,
					       const struct kvmppc_ptw_window *w);
int kvmppc_ptw_msix_attach(struct kvmppc_ptw_msix *m,
			   const struct kvmppc_ptw_window *w);
void kvmppc_ptw_msix_detach(struct kvmppc_ptw_msix *m, bool bus_alive);
int kvmppc_ptw_msix_set_irq(struct kvmppc_ptw_msix *m, u16 vector, int fd);
void kvmppc_ptw_msix_set_ctrl(struct kvmppc_ptw_msix *m, u16 msg_ctrl);
void kvmppc_ptw_msix_add_stats(struct kvmppc_ptw_msix *m,
			       struct kvm_ppc_pt_window_stats *s);
void kvmppc_ptw_msix_destroy(struct kvmppc_ptw_msix *m,
			     struct kvm_ppc_pt_window_stats *last);
void kvmppc_ptw_radix_exit(void);

#endif /* __KVM_BOOK3S_HV_PTW_H__ */
