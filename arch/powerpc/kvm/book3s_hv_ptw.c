// SPDX-License-Identifier: GPL-2.0
/*
 * KVM book3s HV passthrough IO windows: the KVM device that registers,
 * moves and removes windows, and the guest fault entry point.
 *
 * On a 64K-page host a device BAR may start inside a host page, and the
 * guest may place its copy of the BAR at another offset in its page; KVM
 * can then not map the BAR with host pages (a memslot must be host-page
 * aligned). A window tells KVM where the guest put the BAR and which host
 * BAR it is; guest faults in it are served with 4K hardware mappings
 * (book3s_hv_ptw_radix.c for radix guests, book3s_hv_ptw_hpt.c for hash
 * guests), page by page as book3s_ptw_classify.c decides, and never reach
 * a host byte outside the BAR.
 */

#include <linux/hashtable.h>
#include <linux/kvm_host.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/of.h>
#include <linux/pci.h>
#include <linux/sched/mm.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <asm/hvcall.h>
#include <asm/kvm_book3s.h>
#include <asm/kvm_ppc.h>
#include <asm/kvm_ptw.h>

#include "book3s_hv_ptw.h"

#define CREATE_TRACE_POINTS
#include "trace_ptw.h"

#define PTW_4K		BIT(KVMPPC_PTW_SHIFT_4K)

/*
 * 4K partition-scoped leaves under a nested hypervisor: -1 (default)
 * decides by the L0 hypervisor, 0 never, 1 always. Read when a VM creates
 * its window device.
 */
static int ptw_nested_4k = -1;
module_param(ptw_nested_4k, int, 0644);
MODULE_PARM_DESC(ptw_nested_4k,
		 "nested (pseries) host: map window pages with 4K leaves (-1 auto: if L0 is not KVM or answers H_PTW_NESTED_4K, 0 never, 1 always)");

/*
 * The VMs that have a window device, keyed by their struct kvm: the fault
 * paths look here. A VM's entry goes in ptw_destroy(), when no vCPU is
 * left, and the struct kvm is freed only after that, so a lookup can
 * never find another VM's state. RCU only protects the walk past other
 * VMs' entries.
 */
static DEFINE_SPINLOCK(ptw_vms_lock);
static DEFINE_HASHTABLE(ptw_vms, 6);

static struct kvmppc_ptw *ptw_of(struct kvm *kvm)
{
	struct kvmppc_ptw *p;

	rcu_read_lock();
	hash_for_each_possible_rcu(ptw_vms, p, node, (unsigned long)kvm)
		if (p->kvm == kvm)
			break;
	rcu_read_unlock();
	return p;
}

static u64 ptw_guest_end(const struct kvmppc_ptw_window *w)
{
	return w->layout.guest_addr + w->layout.size;
}

/*
 * Guest physical addresses the partition-scoped tree can translate: a
 * window beyond would be unreachable, and its table index would wrap.
 */
#define PTW_GPA_LIMIT	((u64)PTRS_PER_PGD << PGDIR_SHIFT)

/* The 2M regions a window's 4K tables may occupy. */
static void ptw_hull(u64 guest_addr, u64 size, u64 *start, u64 *end)
{
	*start = ALIGN_DOWN(guest_addr, PMD_SIZE);
	*end = ALIGN(guest_addr + size, PMD_SIZE);
}

static struct kvmppc_ptw_window *ptw_find(struct kvmppc_ptw *p, u64 gpa)
{
	int i;

	for (i = 0; i < KVM_PPC_PTW_MAX_WINDOWS; i++) {
		struct kvmppc_ptw_window *w = p->windows[i];

		if (w && gpa >= w->layout.guest_addr && gpa < ptw_guest_end(w))
			return w;
	}
	return NULL;
}

/* Called with kvm->mmu_lock held. */
static void ptw_unmap_window(struct kvmppc_ptw *p, struct kvmppc_ptw_window *w)
{
	u64 start = ALIGN_DOWN(w->layout.guest_addr, 1UL << KVMPPC_PTW_SHIFT_4K);
	u64 end = ALIGN(ptw_guest_end(w), 1UL << KVMPPC_PTW_SHIFT_4K);
	u64 hstart = w->layout.host_addr;

	lockdep_assert_held(&p->kvm->mmu_lock);
	kvmppc_ptw_radix_unmap(p, start, end);
	kvmppc_ptw_hpt_unmap(p, start, end);
	/* Nested guests of this VM (an L1 hypervisor) may map it too. */
	kvmppc_ptw_nested_unmap_host(p->kvm, ALIGN_DOWN(hstart, PTW_4K),
				     ALIGN(hstart + w->layout.size, PTW_4K));
}

/*
 * A vCPU that cached an emulated-MMIO HPTE (mmio_cache_search()) sends
 * its faults straight to MMIO emulation: when a window appears at a guest
 * address, those caches must miss so its pages reach the fault path.
 * KVM's own faults on guest RAM that decided their leaf size before the
 * window changed must retry (kvmppc_ptw_radix_region_busy()): bump the
 * sequence they check under kvm->mmu_lock, as an invalidation would.
 */
static void ptw_windows_changed(struct kvmppc_ptw *p)
{
	lockdep_assert_held(&p->kvm->mmu_lock);
	atomic64_inc(&p->kvm->arch.mmio_update);
	p->kvm->mmu_invalidate_seq++;
}

/*
 * The window's host bytes are no longer the VMM's (or the VM is going):
 * no mapping, no passthrough access from now on. kvm->mmu_lock held.
 */
static void ptw_kill_window(struct kvmppc_ptw *p, struct kvmppc_ptw_window *w,
			    const char *why)
{
	lockdep_assert_held(&p->kvm->mmu_lock);
	if (w->dead)
		return;
	w->dead = true;
	ptw_unmap_window(p, w);
	if (w->msix)
		kvmppc_ptw_msix_set_live(w->msix, false);
	trace_kvm_ptw_window(p->kvm->arch.lpid, w->id, why,
			     w->layout.guest_addr, w->layout.host_addr,
			     w->layout.size);
}

/*
 * The class of the faulting page; for DIRECT and MAP4K, @hpa and @shift
 * give the host page (of 2^@shift bytes) that holds its bytes. A dead
 * window's pages all exit. Called with kvm->mmu_lock held.
 */
static enum kvmppc_ptw_class ptw_page_class(struct kvmppc_ptw_window *w,
					     u64 gpa, u64 *hpa,
					     unsigned int *shift)
{
	if (w->dead || w->suspended)
		return KVMPPC_PTW_EXIT;
	return kvmppc_ptw_classify(&w->layout, gpa, hpa, shift);
}

static bool ptw_class_maps(enum kvmppc_ptw_class class)
{
	return class == KVMPPC_PTW_DIRECT || class == KVMPPC_PTW_MAP4K;
}

/* Count a fault in a window. Called with kvm->mmu_lock held. */
static void ptw_count_fault(struct kvmppc_ptw *p, enum kvmppc_ptw_class class)
{
	p->stats.faults++;
	if (class == KVMPPC_PTW_MSIX)
		p->stats.msix_traps++;
	else if (class == KVMPPC_PTW_EXIT)
		p->stats.vmm_exits++;
}

/* Count a DIRECT or MAP4K fault: mapped, or left to the VMM. */
static void ptw_count_map(struct kvmppc_ptw *p, enum kvmppc_ptw_class class,
			  int ret)
{
	if (ret)
		p->stats.vmm_exits++;
	else if (class == KVMPPC_PTW_DIRECT)
		p->stats.maps_direct++;
	else
		p->stats.maps_4k++;
}

/*
 * Is the 4K table of @gpa's 2M region hooked into the tree? Called with
 * kvm->mmu_lock held.
 */
static bool ptw_radix_table_ready(struct kvmppc_ptw *p, u64 gpa)
{
	struct kvmppc_ptw_table *t = xa_load(&p->tables, gpa >> PMD_SHIFT);

	return t && t->pmdp;
}

/*
 * A fault on a window whose VFIO device's BAR access was revoked: if the
 * BARs decode again, the device's windows resume (under vfio-pci's
 * memory_lock, so no revocation runs meanwhile), as a VFIO BAR mmap
 * faults back in. The fault then classifies the page as usual.
 */
static void ptw_vfio_resume(struct kvmppc_ptw *p, unsigned long gpa)
{
	struct vfio_pci_core_device *vdev = NULL;
	struct kvm *kvm = p->kvm;
	struct kvmppc_ptw_window *w;
	struct pci_dev *pdev = NULL;
	int i;

	/* Faults of VMs that never named a BAR via VFIO skip the lock. */
	if (!READ_ONCE(p->vfio_used))
		return;
	spin_lock(&kvm->mmu_lock);
	w = ptw_find(p, gpa);
	if (w && w->suspended && !w->dead && w->vfio && w->vfio->vdev) {
		vdev = w->vfio->vdev;
		pdev = w->vfio_pdev;
		kvmppc_ptw_vfio_get_vdev(vdev);
	}
	spin_unlock(&kvm->mmu_lock);
	if (!vdev)
		return;
	if (kvmppc_ptw_vfio_resume_begin(vdev)) {
		spin_lock(&kvm->mmu_lock);
		for (i = 0; i < KVM_PPC_PTW_MAX_WINDOWS; i++) {
			w = p->windows[i];
			if (!w || w->vfio_pdev != pdev || !w->suspended ||
			    w->dead)
				continue;
			w->suspended = false;
			if (w->msix)
				kvmppc_ptw_msix_set_live(w->msix, true);
			trace_kvm_ptw_window(kvm->arch.lpid, w->id, "resume",
					     w->layout.guest_addr,
					     w->layout.host_addr,
					     w->layout.size);
		}
		spin_unlock(&kvm->mmu_lock);
	}
	kvmppc_ptw_vfio_resume_end(vdev);
}

/**
 * kvmppc_ptw_vfio_revoke() - VFIO revoked a window's BAR access
 * @p: the VM's window state
 * @w: the window (perhaps not yet published)
 * @closed: the VMM closed the device: the window dies; else it is
 *	suspended until a fault finds the BARs decoding again
 *
 * Called by vfio-pci's BAR notifier with the device's memory_lock held
 * for write. Return: the VFIO device whose reference the caller drops
 * (after @closed), else NULL.
 */
struct vfio_pci_core_device *
kvmppc_ptw_vfio_revoke(struct kvmppc_ptw *p, struct kvmppc_ptw_window *w,
		       bool closed)
{
	struct vfio_pci_core_device *drop = NULL;

	spin_lock(&p->kvm->mmu_lock);
	if (closed) {
		ptw_kill_window(p, w, "vfio-closed");
		drop = w->vfio->vdev;
		w->vfio->vdev = NULL;
	} else if (!w->suspended) {
		w->suspended = true;
		ptw_unmap_window(p, w);
		if (w->msix)
			kvmppc_ptw_msix_set_live(w->msix, false);
		trace_kvm_ptw_window(p->kvm->arch.lpid, w->id, "vfio-zap",
				     w->layout.guest_addr, w->layout.host_addr,
				     w->layout.size);
	}
	spin_unlock(&p->kvm->mmu_lock);
	return drop;
}

/**
 * kvmppc_ptw_radix_fault() - serve a radix guest fault with no memslot
 * @vcpu: the faulting vCPU
 * @gpa: the guest physical address
 *
 * Called by kvmppc_book3s_radix_page_fault() before it emulates MMIO.
 * The window is looked up, and the leaves are written, under
 * kvm->mmu_lock, which the MMU notifier takes to kill a window: no leaf
 * is ever published for a window that is dead. A table the fault needs is
 * allocated with the lock dropped, and the lookup done again.
 *
 * Return: true if a mapping now covers @gpa, or the tree changed under
 * us, and the guest should retry; false to let the access go on to MMIO
 * emulation (in-kernel devices on KVM_MMIO_BUS such as the MSI-X
 * emulator, then the VMM), as today.
 */
bool kvmppc_ptw_radix_fault(struct kvm_vcpu *vcpu, unsigned long gpa)
{
	struct kvm *kvm = vcpu->kvm;
	struct kvmppc_ptw *p = ptw_of(kvm);
	struct kvmppc_ptw_radix_cache pc = { };
	enum kvmppc_ptw_class class;
	struct kvmppc_ptw_window *w;
	unsigned int shift = 0, npages = 0;
	u64 hpa = 0, page;
	int ret = 0, prepared = 0;

	/*
	 * Our leaves are no-execute device memory: an instruction fetch
	 * would fault on them forever, so it goes where it goes today.
	 */
	if (!p || vcpu->arch.trap == BOOK3S_INTERRUPT_H_INST_STORAGE)
		return false;
	ptw_vfio_resume(p, gpa);
	spin_lock(&kvm->mmu_lock);
	w = ptw_find(p, gpa);
	if (!w || p->torn_down)
		goto out_none;
	class = ptw_page_class(w, gpa, &hpa, &shift);
	if (ptw_class_maps(class) && p->map_4k &&
	    !ptw_radix_table_ready(p, gpa)) {
		spin_unlock(&kvm->mmu_lock);
		prepared = kvmppc_ptw_radix_prepare(p, gpa, &pc);
		spin_lock(&kvm->mmu_lock);
		w = ptw_find(p, gpa);
		if (!w || p->torn_down)
			goto out_none;
		class = ptw_page_class(w, gpa, &hpa, &shift);
	}
	ptw_count_fault(p, class);
	if (ptw_class_maps(class)) {
		/*
		 * A host page (DIRECT) goes in as its 4K pieces: a 2M region
		 * holds one table format, and ours is the 4K one. Under an
		 * L0 hypervisor that cannot walk 4K leaves, exit instead.
		 */
		page = gpa & ~((1UL << shift) - 1);
		npages = 1U << (shift - KVMPPC_PTW_SHIFT_4K);
		if (!p->map_4k)
			ret = -EOPNOTSUPP;
		else if (prepared)
			ret = prepared;
		else
			ret = kvmppc_ptw_radix_map(p, page, hpa, npages, &pc);
		if (ret != -EAGAIN)
			ptw_count_map(p, class, ret);
	}
	trace_kvm_ptw_fault(kvm->arch.lpid, gpa, class, hpa, npages, ret);
	kvmppc_ptw_radix_finish(p, gpa, &pc);
	spin_unlock(&kvm->mmu_lock);
	return (npages && !ret) || ret == -EAGAIN;

out_none:
	kvmppc_ptw_radix_finish(p, gpa, &pc);
	spin_unlock(&kvm->mmu_lock);
	return false;
}

/**
 * kvmppc_ptw_get() - the window state of a VM
 * @kvm: the VM
 *
 * For the nested fault path (book3s_hv_ptw_nested.c), from a vCPU of
 * @kvm: the state lives until every vCPU is gone.
 *
 * Return: the state, or NULL if the VM has no window device.
 */
struct kvmppc_ptw *kvmppc_ptw_get(struct kvm *kvm)
{
	return ptw_of(kvm);
}

/**
 * kvmppc_ptw_nested_resume() - resume suspended VFIO windows at @gpa
 * @p: the VM's window state
 * @gpa: an address of the VM (an L1 real address a nested leaf maps)
 *
 * As for the VM's own faults (ptw_vfio_resume()). Called with no
 * spinlock held; the nested fault holds its guest's tlb_lock, which
 * comes before vfio-pci's memory_lock.
 */
void kvmppc_ptw_nested_resume(struct kvmppc_ptw *p, unsigned long gpa)
{
	ptw_vfio_resume(p, gpa);
}

/**
 * kvmppc_ptw_nested_page() - the class of a VM's window page, for a
 *	nested guest's 4K leaf onto it
 * @p: the VM's window state
 * @gpa: the VM's address (the L1 real address)
 * @hpa: set to the host 4K page that holds the page's bytes, for
 *	%KVMPPC_PTW_DIRECT and %KVMPPC_PTW_MAP4K
 *
 * Called with kvm->mmu_lock held.
 *
 * Return: the class; %KVMPPC_PTW_EXIT if no window holds @gpa or it is
 * dead or suspended.
 */
enum kvmppc_ptw_class kvmppc_ptw_nested_page(struct kvmppc_ptw *p, u64 gpa,
					     u64 *hpa)
{
	struct kvmppc_ptw_window *w;
	enum kvmppc_ptw_class class;
	unsigned int shift = 0;
	u64 page = 0;

	lockdep_assert_held(&p->kvm->mmu_lock);
	w = ptw_find(p, gpa);
	if (!w || p->torn_down)
		return KVMPPC_PTW_EXIT;
	class = ptw_page_class(w, gpa, &page, &shift);
	if (ptw_class_maps(class))
		*hpa = page + (gpa & ((1UL << shift) - 1) &
			       ~((1UL << KVMPPC_PTW_SHIFT_4K) - 1));
	return class;
}

/**
 * kvmppc_ptw_nested_account() - count a nested guest's fault on a window
 * @p: the VM's window state
 * @nested_lpid: the nested guest's (shadow) LPID
 * @n_gpa: the nested guest's address
 * @class: from kvmppc_ptw_nested_page()
 * @gpa: the VM's address (the L1 leaf's)
 * @hpa: the host 4K page a shadow leaf maps (0 if none)
 * @mapped: a shadow leaf now maps it
 *
 * Counted with the VM's own: the window served an access either way.
 * Called with kvm->mmu_lock held.
 */
void kvmppc_ptw_nested_account(struct kvmppc_ptw *p, unsigned int nested_lpid,
			       u64 n_gpa, enum kvmppc_ptw_class class,
			       u64 gpa, u64 hpa, bool mapped)
{
	lockdep_assert_held(&p->kvm->mmu_lock);
	if (!ptw_find(p, gpa))
		return;
	ptw_count_fault(p, class);
	if (ptw_class_maps(class))
		ptw_count_map(p, class, mapped ? 0 : -EAGAIN);
	trace_kvm_ptw_nested_fault(p->kvm->arch.lpid, nested_lpid, n_gpa, gpa,
				   class, mapped ? hpa : 0);
}

/**
 * kvmppc_ptw_window_bytes() - bytes of a VM's address range in windows
 * @kvm: the VM
 * @start: first address
 * @end: end of the range
 *
 * Return: how many bytes of [@start, @end) windows of @kvm hold (they
 * never overlap each other).
 */
u64 kvmppc_ptw_window_bytes(struct kvm *kvm, u64 start, u64 end)
{
	struct kvmppc_ptw *p = ptw_of(kvm);
	u64 bytes = 0, s, e;
	int i;

	if (!p)
		return 0;
	spin_lock(&kvm->mmu_lock);
	for (i = 0; i < KVM_PPC_PTW_MAX_WINDOWS; i++) {
		struct kvmppc_ptw_window *w = p->windows[i];

		if (!w)
			continue;
		s = max(start, w->layout.guest_addr);
		e = min(end, ptw_guest_end(w));
		if (s < e)
			bytes += e - s;
	}
	spin_unlock(&kvm->mmu_lock);
	return bytes;
}

/*
 * What a hash fault at @gpa through a guest HPTE (@hpte as the fault path
 * read it) maps: the HPTE keeps the guest's page size, so a 4K one maps
 * the host 4K page, a 64K one the host 64K page of a DIRECT page; other
 * sizes stay emulated MMIO. Return: 4K pages mapped (0: none); @hpa is
 * then the host page.
 */
static unsigned int ptw_hpt_pages(enum kvmppc_ptw_class class, u64 gpa,
				  const unsigned long *hpte, unsigned int shift,
				  u64 *hpa)
{
	if (class != KVMPPC_PTW_DIRECT && class != KVMPPC_PTW_MAP4K)
		return 0;
	if (kvmppc_ptw_hpte_is_4k(hpte[0], hpte[2])) {
		*hpa += gpa & ((1UL << shift) - 1) &
			~((1UL << KVMPPC_PTW_SHIFT_4K) - 1);
		return 1;
	}
	if (class == KVMPPC_PTW_DIRECT && shift == KVMPPC_PTW_SHIFT_64K &&
	    kvmppc_ptw_hpte_is_64k(hpte[0], hpte[2]))
		return 1U << (shift - KVMPPC_PTW_SHIFT_4K);
	return 0;
}

/**
 * kvmppc_ptw_hpt_fault() - serve a hash guest fault with no memslot
 * @vcpu: the faulting vCPU
 * @index: the guest HPTE the access went through
 * @hpte: its first doubleword and real second doubleword (old format,
 *	HVLOCK clear) and rev->guest_rpte, as kvmppc_book3s_hv_page_fault()
 *	read them
 * @gpa: the guest physical address
 *
 * Called by kvmppc_book3s_hv_page_fault() before it emulates MMIO. The
 * HPTE is filled under kvm->mmu_lock, like the radix path; the record
 * unmap will find it by is stored first, with the lock dropped (it may
 * allocate).
 *
 * Return: true if the guest should retry the access (now mapped, or the
 * HPTE changed meanwhile); false to let it go on to MMIO emulation, as
 * today.
 */
bool kvmppc_ptw_hpt_fault(struct kvm_vcpu *vcpu, unsigned long index,
			  const unsigned long *hpte, unsigned long gpa)
{
	struct kvm *kvm = vcpu->kvm;
	struct kvmppc_ptw *p = ptw_of(kvm);
	enum kvmppc_ptw_class class;
	struct kvmppc_ptw_window *w;
	unsigned int shift = 0, npages = 0;
	u64 hpa = 0;
	int ret = 0, prepared = 0;

	/* G forbids instruction fetches: keep today's path for them. */
	if (!p || vcpu->arch.trap == BOOK3S_INTERRUPT_H_INST_STORAGE)
		return false;
	ptw_vfio_resume(p, gpa);
	spin_lock(&kvm->mmu_lock);
	w = ptw_find(p, gpa);
	if (!w) {
		spin_unlock(&kvm->mmu_lock);
		return false;
	}
	class = ptw_page_class(w, gpa, &hpa, &shift);
	npages = ptw_hpt_pages(class, gpa, hpte, shift, &hpa);
	if (npages && !xa_load(&p->hpt_maps, index)) {
		/* The record unmap finds the HPTE by: it may allocate. */
		spin_unlock(&kvm->mmu_lock);
		prepared = kvmppc_ptw_hpt_prepare(p, index);
		spin_lock(&kvm->mmu_lock);
		w = ptw_find(p, gpa);
		if (!w) {
			spin_unlock(&kvm->mmu_lock);
			return false;
		}
		hpa = 0;
		class = ptw_page_class(w, gpa, &hpa, &shift);
		npages = ptw_hpt_pages(class, gpa, hpte, shift, &hpa);
	}
	ptw_count_fault(p, class);
	if (ptw_class_maps(class)) {
		ret = -EOPNOTSUPP;
		if (npages)
			ret = prepared ? prepared :
			      kvmppc_ptw_hpt_map(p, index, hpte, hpa);
		if (ret != -EAGAIN)
			ptw_count_map(p, class, ret);
		if (ret)
			npages = 0;
	}
	trace_kvm_ptw_fault(kvm->arch.lpid, gpa, class, hpa, npages, ret);
	spin_unlock(&kvm->mmu_lock);
	return npages || ret == -EAGAIN;
}

/**
 * kvmppc_ptw_vm_destroy() - the VM is being torn down
 * @kvm: the VM; no vCPU runs any more, kvm->lock is held
 *
 * Called by kvmppc_core_destroy_vm_hv() before it frees the HPT or the
 * radix tree and the LPID. Stops everything that could still reach the
 * VM from outside: the MMU notifier (its release unmaps every window)
 * and the eventfds of MSI-X vectors (a late interrupt would otherwise be
 * delivered into an interrupt controller the VM is about to free).
 */
void kvmppc_ptw_vm_destroy(struct kvm *kvm)
{
	struct kvmppc_ptw *p = ptw_of(kvm);
	int i;

	if (!p)
		return;
	mmu_notifier_unregister(&p->mn, kvm->mm);
	mutex_lock(&p->lock);
	spin_lock(&kvm->mmu_lock);
	kvmppc_ptw_hpt_forget(p);
	spin_unlock(&kvm->mmu_lock);
	for (i = 0; i < KVM_PPC_PTW_MAX_WINDOWS; i++)
		if (p->windows[i] && p->windows[i]->msix)
			kvmppc_ptw_msix_release_irqs(p->windows[i]->msix);
	mutex_unlock(&p->lock);
}

/**
 * kvmppc_ptw_hpt_free() - forget the window HPTEs of an HPT being freed
 * @kvm: the VM, whose HPT is about to be freed or cleared
 *	(KVM_PPC_ALLOCATE_HTAB, switch to radix); no vCPU runs
 */
void kvmppc_ptw_hpt_free(struct kvm *kvm)
{
	struct kvmppc_ptw *p = ptw_of(kvm);

	if (!p)
		return;
	spin_lock(&kvm->mmu_lock);
	kvmppc_ptw_hpt_forget(p);
	spin_unlock(&kvm->mmu_lock);
}

static bool ptw_hull_overlaps(struct kvmppc_ptw *p, u64 s, u64 e)
{
	int i;

	for (i = 0; i < KVM_PPC_PTW_MAX_WINDOWS; i++) {
		struct kvmppc_ptw_window *w = p->windows[i];
		u64 hs, he;

		if (!w)
			continue;
		ptw_hull(w->layout.guest_addr, w->layout.size, &hs, &he);
		if (s < he && hs < e)
			return true;
	}
	return false;
}

/* Does a window hold any byte of [@s, @e)? */
static bool ptw_bytes_overlap(struct kvmppc_ptw *p, u64 s, u64 e,
			      const struct kvmppc_ptw_window *self)
{
	int i;

	for (i = 0; i < KVM_PPC_PTW_MAX_WINDOWS; i++) {
		struct kvmppc_ptw_window *w = p->windows[i];

		if (w && w != self && s < ptw_guest_end(w) &&
		    w->layout.guest_addr < e)
			return true;
	}
	return false;
}

/**
 * kvmppc_ptw_memslot_conflict() - may this memslot be created or moved?
 * @kvm: the VM
 * @slot: the memslot as it will be
 *
 * A memslot may share 2M (and 1G) regions with windows: its pages there
 * live in the window's 4K table (kvmppc_ptw_radix_ram_set()). It may not
 * hold a window's byte: a guest address is either RAM or a window.
 * Called under kvm->slots_lock, which ADD and MOVE hold too.
 *
 * Return: true if the memslot would overlap a window.
 */
bool kvmppc_ptw_memslot_conflict(struct kvm *kvm,
				 const struct kvm_memory_slot *slot)
{
	struct kvmppc_ptw *p = ptw_of(kvm);
	u64 s = slot->base_gfn << PAGE_SHIFT;
	u64 e = s + (slot->npages << PAGE_SHIFT);
	bool conflict;

	if (!p)
		return false;
	spin_lock(&kvm->mmu_lock);
	conflict = ptw_bytes_overlap(p, s, e, NULL);
	spin_unlock(&kvm->mmu_lock);
	return conflict;
}

/**
 * kvmppc_ptw_radix_region_busy() - may KVM map guest RAM here with a leaf
 *	of 2^@shift bytes?
 * @kvm: the VM
 * @gpa: a guest address in the region
 * @shift: PUD_SHIFT (1G leaf) or PMD_SHIFT (2M leaf)
 *
 * A large leaf replaces the whole subtree under its entry
 * (kvmppc_create_pte() frees it with KVM's own caches), and maps guest
 * RAM over the whole region: it must not cover a 2M region where a
 * window's 4K tables live or may live, nor one whose table of ours still
 * holds guest RAM after the window left. Called by
 * kvmppc_book3s_instantiate_page() when it chooses the leaf size; the
 * choice is checked again against kvm->mmu_invalidate_seq under
 * kvm->mmu_lock, which ADD and MOVE bump (ptw_windows_changed()); our
 * tables are only ever hooked in within a window's 2M regions.
 *
 * Return: true if the leaf must be smaller.
 */
bool kvmppc_ptw_radix_region_busy(struct kvm *kvm, unsigned long gpa,
				  unsigned int shift)
{
	struct kvmppc_ptw *p = ptw_of(kvm);
	u64 s = gpa & ~((1UL << shift) - 1);
	unsigned long idx = s >> PMD_SHIFT;
	bool busy;

	if (!p)
		return false;
	spin_lock(&kvm->mmu_lock);
	busy = ptw_hull_overlaps(p, s, s + (1UL << shift)) ||
	       xa_find(&p->tables, &idx,
		       ((s + (1UL << shift)) >> PMD_SHIFT) - 1, XA_PRESENT);
	spin_unlock(&kvm->mmu_lock);
	return busy;
}

/**
 * kvmppc_ptw_radix_set_ram() - kvmppc_create_pte() found our table
 * @kvm: the VM
 * @pmdp: the PMD entry, pointing to one of our 4K tables
 * @pte: the 64K leaf KVM would install
 * @gpa: the guest address
 *
 * Called with kvm->mmu_lock held.
 *
 * Return: 0, or -EBUSY if the page is not KVM's to map.
 */
int kvmppc_ptw_radix_set_ram(struct kvm *kvm, pmd_t *pmdp, pte_t pte,
			     unsigned long gpa)
{
	struct kvmppc_ptw *p = ptw_of(kvm);

	if (WARN_ON_ONCE(!p))
		return -EBUSY;
	return kvmppc_ptw_radix_ram_set(p, pmdp, pte, gpa);
}

/**
 * kvmppc_ptw_radix_ram() - a KVM walker's request for a page of guest RAM
 * @kvm: the VM
 * @memslot: the memslot of @gfn
 * @gfn: the guest page
 * @op: what the walker does (see kvmppc_ptw_radix_ram_op())
 *
 * Called by kvm_unmap_radix(), kvmppc_radix_flush_memslot(),
 * kvm_age_radix() and kvm_test_age_radix() with kvm->mmu_lock held,
 * before they walk the tree themselves: where this acts,
 * find_kvm_secondary_pte() finds nothing.
 *
 * Return: 0 if the page is not in a window table, else the result of
 * kvmppc_ptw_radix_ram_op().
 */
int kvmppc_ptw_radix_ram(struct kvm *kvm,
			 const struct kvm_memory_slot *memslot,
			 unsigned long gfn, enum kvmppc_ptw_ram_op op)
{
	struct kvmppc_ptw *p;

	if (!kvm->arch.pgtable)
		return 0;
	p = ptw_of(kvm);
	if (!p)
		return 0;
	lockdep_assert_held(&kvm->mmu_lock);
	return kvmppc_ptw_radix_ram_op(p, memslot, gfn, op);
}

/**
 * kvmppc_ptw_radix_clear_dirty() - kvm_radix_test_clear_dirty() for a VM
 *	with windows
 * @kvm: the VM
 * @memslot: the memslot of @gfn, dirty-logged
 * @gfn: the guest page
 * @npages: set to the number of host pages that were dirty (0 or 1)
 *
 * KVM harvests C with an unlocked walk, which is safe for KVM alone: with
 * dirty logging on, it never frees a PTE table. A VM with windows frees
 * tables a walker may be in (a region converted to our format when a
 * window maps there, one of our tables emptied), so for such a VM the
 * whole step runs here, under kvm->mmu_lock: in one of our regions on the
 * 16 4K leaves of the page, else on KVM's own leaf exactly as KVM does
 * (C cleared, the TLB entry invalidated so the next store faults to set
 * it again, nested guests' copies cleaned).
 *
 * Return: true if done (the VM has a window device); false: KVM walks.
 */
bool kvmppc_ptw_radix_clear_dirty(struct kvm *kvm,
				  const struct kvm_memory_slot *memslot,
				  unsigned long gfn, int *npages)
{
	unsigned long gpa = gfn << PAGE_SHIFT, old, *rmapp;
	struct kvmppc_ptw *p;
	unsigned int shift;
	pte_t *ptep;

	if (!kvm->arch.pgtable)
		return false;
	p = ptw_of(kvm);
	if (!p)
		return false;
	*npages = 0;
	spin_lock(&kvm->mmu_lock);
	if (kvmppc_ptw_radix_hides(kvm, gpa)) {
		*npages = kvmppc_ptw_radix_ram_op(p, memslot, gfn,
						  KVMPPC_PTW_RAM_DIRTY);
		goto out;
	}
	ptep = find_kvm_secondary_pte(kvm, gpa, &shift);
	if (!ptep || !pte_present(*ptep) || !pte_dirty(*ptep))
		goto out;
	old = __radix_pte_update(ptep, _PAGE_DIRTY, 0);
	kvmppc_radix_tlbie_page(kvm, gpa, shift, kvm->arch.lpid);
	rmapp = &memslot->arch.rmap[gfn - memslot->base_gfn];
	kvmhv_update_nest_rmap_rc_list(kvm, rmapp, _PAGE_DIRTY, 0,
				       old & PTE_RPN_MASK, 1UL << shift);
	*npages = 1;
out:
	spin_unlock(&kvm->mmu_lock);
	return true;
}

/**
 * kvmppc_ptw_radix_free() - take our tables out of a radix tree
 * @kvm: the VM, whose partition-scoped tree is about to be freed
 *
 * Called by kvmppc_free_radix(), which frees the tree with KVM's own PTE
 * cache and 32-entry layout: our tables must be gone by then. A VM that
 * switches to HPT (kvm->arch.radix already 0) maps its windows with HPTEs
 * from now on, and with 4K tables again in a new tree should it switch
 * back; a VM going away maps nothing any more.
 */
void kvmppc_ptw_radix_free(struct kvm *kvm)
{
	struct kvmppc_ptw *p = ptw_of(kvm);

	if (!p)
		return;
	spin_lock(&kvm->mmu_lock);
	if (!p->torn_down)
		kvmppc_ptw_radix_free_tables(p, true);
	if (kvm_is_radix(kvm))
		p->torn_down = true;
	spin_unlock(&kvm->mmu_lock);
}

/*
 * Is [@hpa, @hpa + @size) inside one memory BAR of a PCI device? Only
 * such bytes may become a window: a PFN mapping of anything else (RAM
 * carve-outs, another driver's registers, /dev/mem) is refused.
 */
static bool ptw_pci_bar_holds(u64 hpa, u64 size)
{
	struct pci_dev *pdev = NULL;
	int i;

	for_each_pci_dev(pdev) {
		for (i = 0; i < PCI_STD_NUM_BARS; i++) {
			const struct resource *r = &pdev->resource[i];

			if (resource_type(r) == IORESOURCE_MEM &&
			    r->start <= hpa && hpa + size - 1 <= r->end) {
				pci_dev_put(pdev);
				return true;
			}
		}
	}
	return false;
}

/*
 * Resolve the host physical address of the VMM's mapping of a host BAR.
 * Only writable IO PFN mappings (VFIO regions, sysfs resource files) of
 * one PCI memory BAR qualify, and the whole range must be one physically
 * contiguous device range. Takes mmap_lock: the caller holds no lock the
 * MMU notifier or the fault path take.
 */
static int ptw_resolve_host(u64 uaddr, u64 size, u64 *host_addr)
{
	struct mm_struct *mm = current->mm;
	unsigned long first_pfn = 0, pfn, a;
	u64 start = ALIGN_DOWN(uaddr, PAGE_SIZE);
	struct vm_area_struct *vma;
	int ret = 0;

	/* A range that wraps would skip the walk and resolve to nothing. */
	if (!size || uaddr + size < uaddr)
		return -EINVAL;
	mmap_read_lock(mm);
	for (a = start; a < uaddr + size; a += PAGE_SIZE) {
		vma = vma_lookup(mm, a);
		if (!vma) {
			ret = -EFAULT;
			break;
		}
		if ((vma->vm_flags & (VM_IO | VM_PFNMAP)) !=
		    (VM_IO | VM_PFNMAP)) {
			ret = -EINVAL;
			break;
		}
		/*
		 * Window leaves are writable: the VMM must be allowed to
		 * write the bytes itself (read-only windows do not exist).
		 */
		if (!(vma->vm_flags & VM_WRITE)) {
			ret = -EACCES;
			break;
		}
		ret = kvmppc_ptw_follow_pfn(vma, a, &pfn);
		if (ret) {
			/* VFIO fills its BAR mappings on first touch. */
			ret = fixup_user_fault(mm, a, FAULT_FLAG_WRITE, NULL);
			vma = ret ? NULL : vma_lookup(mm, a);
			ret = vma ? kvmppc_ptw_follow_pfn(vma, a, &pfn) : -EFAULT;
			if (ret)
				break;
		}
		if (a == start)
			first_pfn = pfn;
		if (pfn_valid(pfn) ||
		    pfn != first_pfn + ((a - start) >> PAGE_SHIFT)) {
			ret = -EINVAL;
			break;
		}
		cond_resched();
	}
	mmap_read_unlock(mm);
	if (ret)
		return ret;
	*host_addr = ((u64)first_pfn << PAGE_SHIFT) + (uaddr - start);
	return ptw_pci_bar_holds(*host_addr, size) ? 0 : -EPERM;
}

/* Called with @p->lock and slots_lock held. */
static int ptw_check_placement(struct kvmppc_ptw *p, u64 guest_addr,
			       u64 size, const struct kvmppc_ptw_window *self)
{
	struct kvm_memslots *slots = kvm_memslots(p->kvm);
	struct kvm_memory_slot *slot;
	int bkt;

	if (guest_addr + size > PTW_GPA_LIMIT)
		return -EINVAL;
	if (ptw_bytes_overlap(p, guest_addr, guest_addr + size, self))
		return -EEXIST;
	/* Memslots may share its 2M regions, not its bytes. */
	kvm_for_each_memslot(slot, bkt, slots) {
		u64 s = slot->base_gfn << PAGE_SHIFT;
		u64 e = s + (slot->npages << PAGE_SHIFT);

		if (s < guest_addr + size && guest_addr < e)
			return -EEXIST;
	}
	return 0;
}

/*
 * KVM may already map guest RAM with a 1G leaf whose region takes in the
 * window's 2M regions (a memslot elsewhere in that 1G, backed by a 1G
 * host page), or with a 2M leaf over one of them (a memslot beside the
 * window, backed by a 2M host page): it would hide the window, and our
 * tables could not be hooked under it. Unmap it; the RAM faults back in
 * with 64K pages (kvmppc_ptw_radix_region_busy()), which go into our
 * table where the region has one. Called with slots_lock and
 * kvm->mmu_lock held.
 */
static void ptw_unmap_large(struct kvm *kvm, u64 gpa, unsigned int want)
{
	struct kvm_memory_slot *slot;
	unsigned int shift;
	pte_t *ptep;
	int bkt;

	ptep = find_kvm_secondary_pte(kvm, gpa, &shift);
	if (!ptep || !pte_present(*ptep) || shift != want)
		return;
	gpa &= ~((1UL << shift) - 1);
	/* The memslot it maps, for KVM's dirty and rmap tracking. */
	kvm_for_each_memslot(slot, bkt, kvm_memslots(kvm)) {
		u64 s = slot->base_gfn << PAGE_SHIFT;

		if (s < gpa + (1UL << shift) &&
		    gpa < s + (slot->npages << PAGE_SHIFT)) {
			kvm_unmap_radix(kvm, slot, max(s, gpa) >> PAGE_SHIFT);
			return;
		}
	}
}

static void ptw_split_large_leaves(struct kvmppc_ptw *p, u64 guest_addr,
				   u64 size)
{
	struct kvm *kvm = p->kvm;
	struct kvm_memory_slot *slot;
	u64 hs, he, gpa;
	int bkt;

	if (!kvm_is_radix(kvm) || !kvm->arch.pgtable || p->torn_down)
		return;
	ptw_hull(guest_addr, size, &hs, &he);
	for (gpa = ALIGN_DOWN(hs, PUD_SIZE); gpa < he; gpa += PUD_SIZE)
		ptw_unmap_large(kvm, gpa, PUD_SHIFT);
	/* 2M leaves only where a memslot meets the hull. */
	kvm_for_each_memslot(slot, bkt, kvm_memslots(kvm)) {
		u64 s = slot->base_gfn << PAGE_SHIFT;
		u64 e = s + (slot->npages << PAGE_SHIFT);

		for (gpa = ALIGN_DOWN(max(s, hs), PMD_SIZE);
		     gpa < min(e, he); gpa += PMD_SIZE)
			ptw_unmap_large(kvm, max(gpa, s), PMD_SHIFT);
	}
}

static int ptw_copy_window(struct kvm_ppc_pt_window *uw, u64 uaddr)
{
	if (copy_from_user(uw, u64_to_user_ptr(uaddr), sizeof(*uw)))
		return -EFAULT;
	if (uw->flags || uw->pad[0] || uw->pad[1] || uw->pad[2])
		return -EINVAL;
	return 0;
}

/* An unused window id, or -ENOSPC. Called with @p->lock held. */
static int ptw_free_id(struct kvmppc_ptw *p)
{
	int id;

	for (id = 0; id < KVM_PPC_PTW_MAX_WINDOWS; id++)
		if (!p->windows[id])
			return id;
	return -ENOSPC;
}

/*
 * Make a new window visible to the fault path and the MMU notifier, if no
 * invalidation of the VMM's address space ran since @seq was read (before
 * the host bytes were resolved). Called with kvm->mmu_lock held.
 *
 * Return: 0, -EAGAIN (resolve again) or -EBUSY (VM being torn down).
 */
static int ptw_publish_locked(struct kvmppc_ptw *p,
			      struct kvmppc_ptw_window *w, unsigned long seq)
{
	struct kvm *kvm = p->kvm;

	if (p->torn_down)
		return -EBUSY;
	if (p->mmu_invalidating || p->mmu_seq != seq)
		return -EAGAIN;
	ptw_split_large_leaves(p, w->layout.guest_addr, w->layout.size);
	p->windows[w->id] = w;
	if (w->msix)
		kvmppc_ptw_msix_set_live(w->msix, true);
	ptw_windows_changed(p);
	trace_kvm_ptw_window(kvm->arch.lpid, w->id, "add",
			     w->layout.guest_addr, w->layout.host_addr,
			     w->layout.size);
	return 0;
}

/*
 * Publish a new window: resolve its host bytes, check its placement, trap
 * its MSI-X pages, and make it visible to the fault path and the MMU
 * notifier only if no invalidation of the VMM's address space ran since
 * the host bytes were resolved (else resolve again). Called with @p->lock
 * held.
 */
static int ptw_publish(struct kvmppc_ptw *p, struct kvmppc_ptw_window *w,
		       u64 host_uaddr)
{
	struct kvm *kvm = p->kvm;
	unsigned long seq;
	int ret;

	for (;;) {
		spin_lock(&kvm->mmu_lock);
		seq = p->mmu_seq;
		spin_unlock(&kvm->mmu_lock);
		/* A window named via VFIO has its host bytes already. */
		ret = w->vfio ? 0 : ptw_resolve_host(host_uaddr, w->layout.size,
						     &w->layout.host_addr);
		if (!ret)
			ret = kvmppc_ptw_layout_check(&w->layout);
		if (ret)
			return ret;

		mutex_lock(&kvm->slots_lock);
		ret = ptw_check_placement(p, w->layout.guest_addr,
					  w->layout.size, NULL);
		if (!ret && w->msix)
			ret = kvmppc_ptw_msix_attach(w->msix, w);
		if (ret) {
			mutex_unlock(&kvm->slots_lock);
			return ret;
		}
		spin_lock(&kvm->mmu_lock);
		ret = ptw_publish_locked(p, w, seq);
		if (!ret) {
			spin_unlock(&kvm->mmu_lock);
			if (w->msix)
				kvmppc_ptw_msix_commit(w->msix);
			mutex_unlock(&kvm->slots_lock);
			return 0;
		}
		spin_unlock(&kvm->mmu_lock);
		if (w->msix)
			kvmppc_ptw_msix_detach(w->msix, true);
		mutex_unlock(&kvm->slots_lock);
		if (ret != -EAGAIN)
			return ret;
		/* The VMM's address space changed meanwhile: again. */
		if (signal_pending(current))
			return -EINTR;
		cond_resched();
	}
}

static int ptw_remove_id(struct kvmppc_ptw *p, u32 id);

/* A window's memory; what a window named via VFIO holds goes with it. */
static void ptw_window_free(struct kvmppc_ptw_window *w)
{
	if (!w)
		return;
	if (w->vfio_pdev)
		kvmppc_ptw_vfio_put(w);
	kfree(w);
}

static struct kvmppc_ptw_window *ptw_window_alloc(u64 guest_addr, u64 size,
						  u64 table_offset,
						  u64 pba_offset, u16 nvec)
{
	struct kvmppc_ptw_window *w;

	/* Offsets of a table that is not there are a VMM bug, not noise. */
	if (!nvec && (table_offset || pba_offset))
		return ERR_PTR(-EINVAL);
	w = kzalloc(sizeof(*w), GFP_KERNEL_ACCOUNT);
	if (!w)
		return ERR_PTR(-ENOMEM);
	w->layout = (struct kvmppc_ptw_layout) {
		.guest_addr = guest_addr,
		.size = size,
		.msix_table_offset = table_offset,
		.msix_table_size = (u64)nvec * PCI_MSIX_ENTRY_SIZE,
		.msix_pba_offset = pba_offset,
		.msix_pba_size = nvec ?
			DIV_ROUND_UP(nvec, 64) * sizeof(u64) : 0,
		.host_page_shift = PAGE_SHIFT,
	};
	return w;
}

/*
 * Register @w, whose geometry is checked, and write its id to the VMM's
 * struct at @uaddr. @host_uaddr is the VMM's mapping of the host bytes,
 * unused if @w has them already (named via VFIO). @w is freed on failure.
 */
static int ptw_add_window(struct kvmppc_ptw *p, struct kvmppc_ptw_window *w,
			  u16 nvec, u64 host_uaddr, u64 uaddr)
{
	int ret, id;

	if (nvec) {
		w->msix = kvmppc_ptw_msix_create(p, w);
		ret = PTR_ERR_OR_ZERO(w->msix);
		if (ret) {
			w->msix = NULL;
			goto out_free;
		}
	}

	mutex_lock(&p->lock);
	id = ptw_free_id(p);
	ret = id;
	if (id >= 0) {
		w->id = id;
		ret = ptw_publish(p, w, host_uaddr);
	}
	mutex_unlock(&p->lock);
	if (ret)
		goto out_free;
	/*
	 * The id goes back with no lock held: the store may fault, and
	 * the fault may run the MMU notifier. Should it fail, the window
	 * goes again: the VMM could never name it.
	 */
	if (put_user(id, (u32 __user *)u64_to_user_ptr(uaddr))) {
		ptw_remove_id(p, id);
		return -EFAULT;
	}
	return 0;

out_free:
	if (w->msix)
		kvmppc_ptw_msix_destroy(w->msix, NULL);
	ptw_window_free(w);
	return ret;
}

static int ptw_add(struct kvmppc_ptw *p, u64 uaddr)
{
	struct kvm_ppc_pt_window uw;
	struct kvmppc_ptw_window *w;
	int ret;

	ret = ptw_copy_window(&uw, uaddr);
	if (ret)
		return ret;
	w = ptw_window_alloc(uw.guest_addr, uw.size, uw.msix_table_offset,
			     uw.msix_pba_offset, uw.msix_nvec);
	if (IS_ERR(w))
		return PTR_ERR(w);
	w->host_uaddr = uw.host_uaddr;
	/* Validate the geometry before touching the VMM's address space. */
	w->layout.host_addr = uw.host_uaddr & (PAGE_SIZE - 1);
	ret = kvmppc_ptw_layout_check(&w->layout);
	if (ret) {
		ptw_window_free(w);
		return ret;
	}
	return ptw_add_window(p, w, uw.msix_nvec, uw.host_uaddr, uaddr);
}

static int ptw_add_vfio(struct kvmppc_ptw *p, u64 uaddr)
{
	struct kvm_ppc_pt_window_vfio uv;
	struct kvmppc_ptw_window *w;
	int ret;

	if (copy_from_user(&uv, u64_to_user_ptr(uaddr), sizeof(uv)))
		return -EFAULT;
	if (uv.flags || uv.pad8 || uv.pad32 || uv.pad[0] || uv.pad[1] ||
	    uv.pad[2])
		return -EINVAL;
	w = ptw_window_alloc(uv.guest_addr, uv.size, uv.msix_table_offset,
			     uv.msix_pba_offset, uv.msix_nvec);
	if (IS_ERR(w))
		return PTR_ERR(w);
	ret = kvmppc_ptw_vfio_resolve(p, &uv, w);
	if (!ret)
		ret = kvmppc_ptw_layout_check(&w->layout);
	if (ret) {
		ptw_window_free(w);
		return ret;
	}
	/* Before the window can fault: see ptw_vfio_resume(). */
	WRITE_ONCE(p->vfio_used, true);
	return ptw_add_window(p, w, uv.msix_nvec, 0, uaddr);
}

/**
 * kvmppc_ptw_vfio_file_del() - a VFIO file left the VM's KVM-VFIO device
 * @kvm: the VM
 * @file: the file, compared only
 *
 * The VMM no longer lets KVM reach what the file grants: the windows it
 * named die (no mapping, no passthrough access, every access exits to
 * the VMM) until the VMM removes them. Called by KVM-VFIO with none of
 * its locks held.
 */
void kvmppc_ptw_vfio_file_del(struct kvm *kvm, struct file *file)
{
	struct kvmppc_ptw *p = ptw_of(kvm);
	int i;

	if (!p)
		return;
	mutex_lock(&p->lock);
	spin_lock(&kvm->mmu_lock);
	for (i = 0; i < KVM_PPC_PTW_MAX_WINDOWS; i++) {
		struct kvmppc_ptw_window *w = p->windows[i];

		if (w && w->vfio_file == file) {
			ptw_kill_window(p, w, "vfio-del");
			w->vfio_file = NULL;
		}
	}
	spin_unlock(&kvm->mmu_lock);
	mutex_unlock(&p->lock);
}

/*
 * MOVE changes the guest address only: other fields must be 0 or what
 * the window already has, so a VMM that means another change hears so.
 */
static bool ptw_move_fields_ok(const struct kvm_ppc_pt_window *uw,
			       const struct kvmppc_ptw_window *w)
{
	const struct kvmppc_ptw_layout *l = &w->layout;
	u16 nvec = l->msix_table_size / PCI_MSIX_ENTRY_SIZE;

	return (!uw->size || uw->size == l->size) &&
	       (!uw->host_uaddr || uw->host_uaddr == w->host_uaddr) &&
	       (!uw->msix_nvec || uw->msix_nvec == nvec) &&
	       (!uw->msix_table_offset ||
		uw->msix_table_offset == l->msix_table_offset) &&
	       (!uw->msix_pba_offset ||
		uw->msix_pba_offset == l->msix_pba_offset);
}

static int ptw_move(struct kvmppc_ptw *p, u64 uaddr)
{
	struct kvm *kvm = p->kvm;
	struct kvmppc_ptw_layout moved;
	struct kvm_ppc_pt_window uw;
	struct kvmppc_ptw_window *w;
	int ret;

	ret = ptw_copy_window(&uw, uaddr);
	if (ret)
		return ret;
	if (uw.id >= KVM_PPC_PTW_MAX_WINDOWS)
		return -EINVAL;
	mutex_lock(&p->lock);
	mutex_lock(&kvm->slots_lock);
	w = p->windows[uw.id];
	ret = -ENOENT;
	if (!w)
		goto out;
	ret = -EINVAL;
	if (!ptw_move_fields_ok(&uw, w))
		goto out;
	moved = w->layout;
	moved.guest_addr = uw.guest_addr;
	ret = kvmppc_ptw_layout_check(&moved);
	if (!ret)
		ret = ptw_check_placement(p, uw.guest_addr, w->layout.size, w);
	/*
	 * The MSI-X trap at the new place first: if it cannot be had,
	 * nothing has changed. The table keeps its state: moving a BAR
	 * does not reset MSI-X.
	 */
	if (!ret && w->msix) {
		struct kvmppc_ptw_window tmp = *w;

		tmp.layout = moved;
		ret = kvmppc_ptw_msix_attach(w->msix, &tmp);
	}
	if (ret)
		goto out;
	spin_lock(&kvm->mmu_lock);
	/* The old guest range must not keep a single mapping. */
	ptw_unmap_window(p, w);
	w->layout = moved;
	ptw_split_large_leaves(p, moved.guest_addr, moved.size);
	ptw_windows_changed(p);
	trace_kvm_ptw_window(kvm->arch.lpid, w->id, "move",
			     moved.guest_addr, moved.host_addr, moved.size);
	spin_unlock(&kvm->mmu_lock);
	if (w->msix)
		kvmppc_ptw_msix_commit(w->msix);
out:
	mutex_unlock(&kvm->slots_lock);
	mutex_unlock(&p->lock);
	return ret;
}

static void ptw_stats_add_msix(struct kvm_ppc_pt_window_stats *dst,
			       const struct kvm_ppc_pt_window_stats *src)
{
	dst->msix_table_accesses += src->msix_table_accesses;
	dst->msix_invalid_accesses += src->msix_invalid_accesses;
	dst->msix_passthrough += src->msix_passthrough;
	dst->msix_routed += src->msix_routed;
	dst->msix_invalid_msgs += src->msix_invalid_msgs;
	dst->msix_unrouted += src->msix_unrouted;
	dst->msix_delivered += src->msix_delivered;
	dst->msix_pending += src->msix_pending;
}

static int ptw_remove_id(struct kvmppc_ptw *p, u32 id)
{
	struct kvm *kvm = p->kvm;
	struct kvm_ppc_pt_window_stats last = { 0 };
	struct kvmppc_ptw_window *w;

	mutex_lock(&p->lock);
	mutex_lock(&kvm->slots_lock);
	spin_lock(&kvm->mmu_lock);
	w = p->windows[id];
	if (w) {
		ptw_unmap_window(p, w);
		p->windows[id] = NULL;
		if (w->msix)
			kvmppc_ptw_msix_set_live(w->msix, false);
		ptw_windows_changed(p);
		trace_kvm_ptw_window(kvm->arch.lpid, id, "remove",
				     w->layout.guest_addr, w->layout.host_addr,
				     w->layout.size);
	}
	spin_unlock(&kvm->mmu_lock);
	if (w && w->msix) {
		/* The MMIO bus waits for its SRCU readers here. */
		kvmppc_ptw_msix_detach(w->msix, true);
		kvmppc_ptw_msix_destroy(w->msix, &last);
		/* Its MSI-X counters stay in the VM's. */
		spin_lock(&kvm->mmu_lock);
		ptw_stats_add_msix(&p->stats, &last);
		spin_unlock(&kvm->mmu_lock);
	}
	mutex_unlock(&kvm->slots_lock);
	mutex_unlock(&p->lock);
	ptw_window_free(w);
	return w ? 0 : -ENOENT;
}

static int ptw_remove(struct kvmppc_ptw *p, u64 uaddr)
{
	u32 id;

	if (get_user(id, (u32 __user *)u64_to_user_ptr(uaddr)))
		return -EFAULT;
	if (id >= KVM_PPC_PTW_MAX_WINDOWS)
		return -EINVAL;
	return ptw_remove_id(p, id);
}

/*
 * The VMM's mapping of a host BAR is going away (munmap, mprotect, VFIO
 * zapping it for a reset or with memory decode off, exit): the physical
 * address we resolved may stop being the device's, so the window stops
 * mapping, and reaching the device, for good. Only kvm->mmu_lock is
 * taken, never a lock held across allocation, mmap_lock or user access;
 * nothing sleeps, so a non-blockable invalidation is served too.
 */
static int ptw_invalidate_range_start(struct mmu_notifier *mn,
				      const struct mmu_notifier_range *range)
{
	struct kvmppc_ptw *p = container_of(mn, struct kvmppc_ptw, mn);
	int i;

	spin_lock(&p->kvm->mmu_lock);
	p->mmu_invalidating++;
	for (i = 0; i < KVM_PPC_PTW_MAX_WINDOWS; i++) {
		struct kvmppc_ptw_window *w = p->windows[i];

		if (w && w->host_uaddr &&
		    range->start < w->host_uaddr + w->layout.size &&
		    w->host_uaddr < range->end)
			ptw_kill_window(p, w, "host-gone");
	}
	spin_unlock(&p->kvm->mmu_lock);
	return 0;
}

static void ptw_invalidate_range_end(struct mmu_notifier *mn,
				     const struct mmu_notifier_range *range)
{
	struct kvmppc_ptw *p = container_of(mn, struct kvmppc_ptw, mn);

	spin_lock(&p->kvm->mmu_lock);
	p->mmu_seq++;
	p->mmu_invalidating--;
	spin_unlock(&p->kvm->mmu_lock);
}

static void ptw_mm_release(struct mmu_notifier *mn, struct mm_struct *mm)
{
	struct kvmppc_ptw *p = container_of(mn, struct kvmppc_ptw, mn);
	int i;

	spin_lock(&p->kvm->mmu_lock);
	for (i = 0; i < KVM_PPC_PTW_MAX_WINDOWS; i++)
		if (p->windows[i])
			ptw_kill_window(p, p->windows[i], "host-gone");
	spin_unlock(&p->kvm->mmu_lock);
}

static const struct mmu_notifier_ops ptw_mmu_notifier_ops = {
	.invalidate_range_start = ptw_invalidate_range_start,
	.invalidate_range_end = ptw_invalidate_range_end,
	.release = ptw_mm_release,
};

/* MSI-X Message Control or a vector's eventfd, for a window with a table. */
static int ptw_set_msix(struct kvmppc_ptw *p, struct kvm_device_attr *attr)
{
	void __user *uaddr = u64_to_user_ptr(attr->addr);
	bool ctrl = attr->group == KVM_DEV_PPC_PTW_GRP_MSIX_CTRL;
	u64 id = ctrl ? attr->attr : attr->attr >> 16;
	struct kvmppc_ptw_window *w;
	u16 msg_ctrl = 0;
	s32 fd = 0;
	int ret;

	if (ctrl ? get_user(msg_ctrl, (u16 __user *)uaddr) :
		   get_user(fd, (s32 __user *)uaddr))
		return -EFAULT;
	if (id >= KVM_PPC_PTW_MAX_WINDOWS)
		return -EINVAL;
	mutex_lock(&p->lock);
	w = p->windows[id];
	ret = w ? 0 : -ENOENT;
	if (w && !w->msix)
		ret = -EINVAL;
	if (!ret && ctrl)
		kvmppc_ptw_msix_set_ctrl(w->msix, msg_ctrl);
	else if (!ret)
		ret = kvmppc_ptw_msix_set_irq(w->msix, attr->attr & 0xffff, fd);
	mutex_unlock(&p->lock);
	return ret;
}

static int ptw_set_attr(struct kvm_device *dev, struct kvm_device_attr *attr)
{
	struct kvmppc_ptw *p = dev->private;
	u64 msi_window;

	switch (attr->group) {
	case KVM_DEV_PPC_PTW_GRP_CTRL:
		break;
	case KVM_DEV_PPC_PTW_GRP_MSIX_CTRL:
	case KVM_DEV_PPC_PTW_GRP_MSIX_IRQ:
		return ptw_set_msix(p, attr);
	case KVM_DEV_PPC_PTW_GRP_MSIX_ENTRY:
	case KVM_DEV_PPC_PTW_GRP_MSIX_PBA:
	case KVM_DEV_PPC_PTW_GRP_MSIX_RESET:
	case KVM_DEV_PPC_PTW_GRP_MSIX_STATE:
		return kvmppc_ptw_msix_vmm_set(p, attr);
	case KVM_DEV_PPC_PTW_GRP_MSI_WINDOW:
		if (attr->attr)
			return -ENXIO;
		if (get_user(msi_window, (u64 __user *)u64_to_user_ptr(attr->addr)))
			return -EFAULT;
		WRITE_ONCE(p->msi_window, msi_window);
		return 0;
	default:
		return -ENXIO;
	}
	switch (attr->attr) {
	case KVM_DEV_PPC_PTW_ADD:
		return ptw_add(p, attr->addr);
	case KVM_DEV_PPC_PTW_MOVE:
		return ptw_move(p, attr->addr);
	case KVM_DEV_PPC_PTW_REMOVE:
		return ptw_remove(p, attr->addr);
	case KVM_DEV_PPC_PTW_ADD_VFIO:
		return ptw_add_vfio(p, attr->addr);
	}
	return -ENXIO;
}

static int ptw_get_attr(struct kvm_device *dev, struct kvm_device_attr *attr)
{
	struct kvmppc_ptw *p = dev->private;
	struct kvm_ppc_pt_window_stats stats;
	u64 flags;
	int i;

	switch (attr->group) {
	case KVM_DEV_PPC_PTW_GRP_MSIX_CTRL:
	case KVM_DEV_PPC_PTW_GRP_MSIX_ENTRY:
	case KVM_DEV_PPC_PTW_GRP_MSIX_PBA:
	case KVM_DEV_PPC_PTW_GRP_MSIX_STATE:
		return kvmppc_ptw_msix_vmm_get(p, attr);
	case KVM_DEV_PPC_PTW_GRP_INFO:
		if (attr->attr != KVM_DEV_PPC_PTW_INFO_FLAGS)
			return -ENXIO;
		/* map_4k is decided at creation and never changes. */
		flags = p->map_4k ? KVM_PPC_PTW_INFO_MAP_4K : 0;
		return put_user(flags, (u64 __user *)u64_to_user_ptr(attr->addr));
	}
	if (attr->group != KVM_DEV_PPC_PTW_GRP_STATS ||
	    attr->attr != KVM_DEV_PPC_PTW_STATS)
		return -ENXIO;
	mutex_lock(&p->lock);
	spin_lock(&p->kvm->mmu_lock);
	stats = p->stats;
	spin_unlock(&p->kvm->mmu_lock);
	for (i = 0; i < KVM_PPC_PTW_MAX_WINDOWS; i++)
		if (p->windows[i] && p->windows[i]->msix)
			kvmppc_ptw_msix_add_stats(p->windows[i]->msix, &stats);
	mutex_unlock(&p->lock);
	if (copy_to_user(u64_to_user_ptr(attr->addr), &stats, sizeof(stats)))
		return -EFAULT;
	return 0;
}

static int ptw_has_attr(struct kvm_device *dev, struct kvm_device_attr *attr)
{
	switch (attr->group) {
	case KVM_DEV_PPC_PTW_GRP_CTRL:
		if (attr->attr >= KVM_DEV_PPC_PTW_ADD &&
		    attr->attr <= KVM_DEV_PPC_PTW_ADD_VFIO)
			return 0;
		break;
	case KVM_DEV_PPC_PTW_GRP_STATS:
		if (attr->attr == KVM_DEV_PPC_PTW_STATS)
			return 0;
		break;
	case KVM_DEV_PPC_PTW_GRP_INFO:
		if (attr->attr == KVM_DEV_PPC_PTW_INFO_FLAGS)
			return 0;
		break;
	case KVM_DEV_PPC_PTW_GRP_MSIX_CTRL:
	case KVM_DEV_PPC_PTW_GRP_MSIX_IRQ:
	case KVM_DEV_PPC_PTW_GRP_MSIX_ENTRY:
	case KVM_DEV_PPC_PTW_GRP_MSIX_PBA:
	case KVM_DEV_PPC_PTW_GRP_MSIX_RESET:
	case KVM_DEV_PPC_PTW_GRP_MSIX_STATE:
		return 0;
	case KVM_DEV_PPC_PTW_GRP_MSI_WINDOW:
		return attr->attr ? -ENXIO : 0;
	}
	return -ENXIO;
}

/*
 * Does our KVM L0 serve 4K leaves of our nested guests? It answers
 * H_PTW_NESTED_4K itself if it can (book3s_hv_ptw_nested.c); an L0
 * without it leaves the hcall to its VMM, which answers H_FUNCTION. The
 * answer is logged when it changes.
 */
static bool ptw_l0_serves_4k(void)
{
	static long last_rc = LONG_MIN;
	unsigned long ret[PLPAR_HCALL_BUFSIZE] = { };
	bool yes;
	long rc;

	rc = plpar_hcall(H_PTW_NESTED_4K, ret, 0, 0, 0);
	yes = rc == H_SUCCESS && (ret[0] & H_PTW_NESTED_4K_SERVED);
	if (xchg(&last_rc, rc) != rc)
		pr_info("kvm-hv: ptw: L0 (linux,kvm) answers H_PTW_NESTED_4K with %ld, flags 0x%lx: window pages %s\n",
			rc, rc == H_SUCCESS ? ret[0] : 0,
			yes ? "map with 4K leaves" : "exit to the VMM");
	return yes;
}

/*
 * May the partition-scoped tree hold 4K leaves? On bare metal the MMU
 * walks it. Nested, the L0 hypervisor builds its shadow tree from ours:
 * a KVM L0 with 64K pages refuses leaves smaller than its own pages
 * (kvmhv_nested_page_fault()) unless it is ours and says it serves them
 * (H_PTW_NESTED_4K); an L0 that is not KVM (a full-system emulator walks
 * the tree itself) is trusted.
 */
static bool ptw_tree_takes_4k(void)
{
	struct device_node *hyp;
	bool kvm_l0;

	if (!kvmhv_on_pseries())
		return true;
	if (ptw_nested_4k >= 0)
		return ptw_nested_4k;
	hyp = of_find_node_by_path("/hypervisor");
	kvm_l0 = hyp && of_device_is_compatible(hyp, "linux,kvm");
	of_node_put(hyp);
	return !kvm_l0 || ptw_l0_serves_4k();
}

/* Called with kvm->lock held, by the VMM (current->mm is the VM's mm). */
static int ptw_create(struct kvm_device *dev, u32 type)
{
	struct kvm *kvm = dev->kvm;
	struct kvmppc_ptw *p;
	int ret;

	if (current->mm != kvm->mm)
		return -EIO;
	/* Only kvm-hv serves window faults (a PR VM has none of ours). */
	if (!is_kvmppc_hv_enabled(kvm))
		return -EINVAL;
	p = kzalloc(sizeof(*p), GFP_KERNEL_ACCOUNT);
	if (!p)
		return -ENOMEM;
	p->kvm = kvm;
	p->msi_window = KVM_PPC_PTW_DEFAULT_MSI_WINDOW;
	p->map_4k = ptw_tree_takes_4k();
	mutex_init(&p->lock);
	xa_init(&p->tables);
	xa_init(&p->hpt_maps);
	p->mn.ops = &ptw_mmu_notifier_ops;
	ret = mmu_notifier_register(&p->mn, kvm->mm);
	if (ret)
		goto out_free;
	/* One device per VM. */
	spin_lock(&ptw_vms_lock);
	ret = ptw_of(kvm) ? -EEXIST : 0;
	if (!ret)
		hash_add_rcu(ptw_vms, &p->node, (unsigned long)kvm);
	spin_unlock(&ptw_vms_lock);
	if (ret)
		goto out_unregister;
	/*
	 * kvm_destroy_vm() drops the VM's reference on kvm-hv before it
	 * destroys the devices: hold our own until ptw_destroy() is done.
	 */
	__module_get(THIS_MODULE);
	dev->private = p;
	return 0;

out_unregister:
	mmu_notifier_unregister(&p->mn, kvm->mm);
out_free:
	kfree(p);
	return ret;
}

/*
 * VM teardown: no vCPU runs; kvmppc_ptw_vm_destroy() stopped the notifier
 * and the eventfds; the radix tree (with our tables) or the HPT (with our
 * HPTEs) is gone already, and so is the MMIO bus. Only memory is left to
 * free.
 */
static void ptw_destroy(struct kvm_device *dev)
{
	struct kvmppc_ptw *p = dev->private;
	struct kvm *kvm = p->kvm;
	int i;

	spin_lock(&ptw_vms_lock);
	hash_del_rcu(&p->node);
	spin_unlock(&ptw_vms_lock);
	spin_lock(&kvm->mmu_lock);
	kvmppc_ptw_radix_free_tables(p, false);
	kvmppc_ptw_hpt_forget(p);
	spin_unlock(&kvm->mmu_lock);
	for (i = 0; i < KVM_PPC_PTW_MAX_WINDOWS; i++) {
		struct kvmppc_ptw_window *w = p->windows[i];

		if (w && w->msix) {
			kvmppc_ptw_msix_detach(w->msix, false);
			kvmppc_ptw_msix_destroy(w->msix, NULL);
		}
		ptw_window_free(w);
	}
	xa_destroy(&p->tables);
	mutex_destroy(&p->lock);
	kfree_rcu(p, rcu);
	kfree(dev);
	module_put(THIS_MODULE);
}

static struct kvm_device_ops kvmppc_ptw_ops = {
	.name = "kvm-ppc-pt-window",
	.create = ptw_create,
	.destroy = ptw_destroy,
	.set_attr = ptw_set_attr,
	.get_attr = ptw_get_attr,
	.has_attr = ptw_has_attr,
};

int kvmppc_ptw_init(void)
{
	int ret;

	ret = kvmppc_ptw_radix_init();
	if (ret)
		return ret;
	ret = kvm_register_device_ops(&kvmppc_ptw_ops,
				      KVM_DEV_TYPE_PPC_PT_WINDOW);
	if (ret)
		kvmppc_ptw_radix_exit();
	return ret;
}

void kvmppc_ptw_exit(void)
{
	kvm_unregister_device_ops(KVM_DEV_TYPE_PPC_PT_WINDOW);
	kvmppc_ptw_radix_exit();
	kvmppc_ptw_vfio_exit();
}
