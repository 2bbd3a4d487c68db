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

#include <linux/kvm_host.h>
#include <linux/mm.h>
#include <linux/pci_regs.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <asm/kvm_book3s.h>
#include <asm/kvm_ppc.h>
#include <asm/kvm_ptw.h>

#include "book3s_hv_ptw.h"

#define CREATE_TRACE_POINTS
#include "trace_ptw.h"

/* The VMs that have a window device, by LPID: the fault path looks here. */
static DEFINE_XARRAY(ptw_vms);

static struct kvmppc_ptw *ptw_of(struct kvm *kvm)
{
	return xa_load(&ptw_vms, kvm->arch.lpid);
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

static void ptw_unmap_window(struct kvmppc_ptw *p, struct kvmppc_ptw_window *w)
{
	u64 start = ALIGN_DOWN(w->layout.guest_addr, 1UL << KVMPPC_PTW_SHIFT_4K);
	u64 end = ALIGN(ptw_guest_end(w), 1UL << KVMPPC_PTW_SHIFT_4K);

	kvmppc_ptw_radix_unmap(p, start, end);
	kvmppc_ptw_hpt_unmap(p, start, end);
}

/*
 * A vCPU that cached an emulated-MMIO HPTE (mmio_cache_search()) sends
 * its faults straight to MMIO emulation: when a window appears at a guest
 * address, those caches must miss so its pages reach the fault path.
 */
static void ptw_hpt_caches_stale(struct kvmppc_ptw *p)
{
	atomic64_inc(&p->kvm->arch.mmio_update);
}

/*
 * Look up the faulting page and count the fault. Called with @p->lock
 * held. Return: its class; for DIRECT and MAP4K, @hpa and @shift give the
 * host page (of 2^@shift bytes) that holds its bytes.
 */
static enum kvmppc_ptw_class ptw_fault_class(struct kvmppc_ptw *p,
					      struct kvmppc_ptw_window *w,
					      u64 gpa, u64 *hpa,
					      unsigned int *shift)
{
	enum kvmppc_ptw_class class = KVMPPC_PTW_EXIT;

	p->stats.faults++;
	if (!w->dead)
		class = kvmppc_ptw_classify(&w->layout, gpa, hpa, shift);
	if (class == KVMPPC_PTW_MSIX)
		p->stats.msix_traps++;
	else if (class == KVMPPC_PTW_EXIT)
		p->stats.vmm_exits++;
	return class;
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

/**
 * kvmppc_ptw_radix_fault() - serve a radix guest fault with no memslot
 * @vcpu: the faulting vCPU
 * @gpa: the guest physical address
 *
 * Called by kvmppc_book3s_radix_page_fault() before it emulates MMIO.
 *
 * Return: true if a mapping now covers @gpa and the guest should retry;
 * false to let the access go on to MMIO emulation (in-kernel devices on
 * KVM_MMIO_BUS such as the MSI-X emulator, then the VMM), as today.
 */
bool kvmppc_ptw_radix_fault(struct kvm_vcpu *vcpu, unsigned long gpa)
{
	struct kvmppc_ptw *p = ptw_of(vcpu->kvm);
	enum kvmppc_ptw_class class;
	struct kvmppc_ptw_window *w;
	unsigned int shift = 0, npages = 0;
	u64 hpa = 0, page;
	int ret = 0;

	/*
	 * Our leaves are no-execute device memory: an instruction fetch
	 * would fault on them forever, so it goes where it goes today.
	 */
	if (!p || vcpu->arch.trap == BOOK3S_INTERRUPT_H_INST_STORAGE)
		return false;
	mutex_lock(&p->lock);
	w = ptw_find(p, gpa);
	if (!w || p->torn_down) {
		mutex_unlock(&p->lock);
		return false;
	}
	class = ptw_fault_class(p, w, gpa, &hpa, &shift);
	if (class == KVMPPC_PTW_DIRECT || class == KVMPPC_PTW_MAP4K) {
		/*
		 * A host page (DIRECT) goes in as its 4K pieces: a 2M region
		 * holds one table format, and ours is the 4K one.
		 */
		page = gpa & ~((1UL << shift) - 1);
		npages = 1U << (shift - KVMPPC_PTW_SHIFT_4K);
		ret = kvmppc_ptw_radix_map(p, page, hpa, npages);
		ptw_count_map(p, class, ret);
	}
	trace_kvm_ptw_fault(vcpu->kvm->arch.lpid, gpa, class, hpa, npages, ret);
	mutex_unlock(&p->lock);
	return npages && !ret;
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
 * Called by kvmppc_book3s_hv_page_fault() before it emulates MMIO.
 *
 * Return: true if the guest should retry the access (now mapped, or the
 * HPTE changed meanwhile); false to let it go on to MMIO emulation, as
 * today.
 */
bool kvmppc_ptw_hpt_fault(struct kvm_vcpu *vcpu, unsigned long index,
			  const unsigned long *hpte, unsigned long gpa)
{
	struct kvmppc_ptw *p = ptw_of(vcpu->kvm);
	enum kvmppc_ptw_class class;
	struct kvmppc_ptw_window *w;
	unsigned int shift = 0, npages = 0;
	u64 hpa = 0;
	int ret = 0;

	/* G forbids instruction fetches: keep today's path for them. */
	if (!p || vcpu->arch.trap == BOOK3S_INTERRUPT_H_INST_STORAGE)
		return false;
	mutex_lock(&p->lock);
	w = ptw_find(p, gpa);
	if (!w) {
		mutex_unlock(&p->lock);
		return false;
	}
	class = ptw_fault_class(p, w, gpa, &hpa, &shift);
	if (class == KVMPPC_PTW_DIRECT || class == KVMPPC_PTW_MAP4K) {
		/*
		 * The HPTE keeps the guest's page size: a 4K one maps the
		 * host 4K page; a 64K one the host 64K page of a DIRECT
		 * page. Other sizes stay emulated MMIO.
		 */
		ret = -EOPNOTSUPP;
		if (kvmppc_ptw_hpte_is_4k(hpte[0], hpte[2])) {
			hpa += gpa & ((1UL << shift) - 1) &
			       ~((1UL << KVMPPC_PTW_SHIFT_4K) - 1);
			npages = 1;
		} else if (class == KVMPPC_PTW_DIRECT &&
			   shift == KVMPPC_PTW_SHIFT_64K &&
			   kvmppc_ptw_hpte_is_64k(hpte[0], hpte[2])) {
			npages = 1U << (shift - KVMPPC_PTW_SHIFT_4K);
		}
		if (npages)
			ret = kvmppc_ptw_hpt_map(p, index, hpte, hpa);
		if (ret != -EAGAIN)
			ptw_count_map(p, class, ret);
		if (ret)
			npages = 0;
	}
	trace_kvm_ptw_fault(vcpu->kvm->arch.lpid, gpa, class, hpa, npages,
			    ret);
	mutex_unlock(&p->lock);
	return npages || ret == -EAGAIN;
}

/**
 * kvmppc_ptw_hpt_free() - forget the window HPTEs of an HPT being freed
 * @kvm: the VM, whose HPT is about to be freed or cleared (VM teardown,
 *	KVM_PPC_ALLOCATE_HTAB, switch to radix); no vCPU runs
 */
void kvmppc_ptw_hpt_free(struct kvm *kvm)
{
	struct kvmppc_ptw *p = ptw_of(kvm);

	if (!p)
		return;
	mutex_lock(&p->lock);
	kvmppc_ptw_hpt_forget(p);
	mutex_unlock(&p->lock);
}

/**
 * kvmppc_ptw_memslot_conflict() - may this memslot be created or moved?
 * @kvm: the VM
 * @slot: the memslot as it will be
 *
 * A 2M region with one of our 512-entry 4K tables must not also hold
 * KVM's 64K mappings, so memslots stay out of the windows' 2M regions.
 * Called under kvm->slots_lock.
 *
 * Return: true if the memslot would share a 2M region with a window.
 */
bool kvmppc_ptw_memslot_conflict(struct kvm *kvm,
				 const struct kvm_memory_slot *slot)
{
	struct kvmppc_ptw *p = ptw_of(kvm);
	u64 s = slot->base_gfn << PAGE_SHIFT;
	u64 e = s + (slot->npages << PAGE_SHIFT);
	bool conflict = false;
	int i;

	if (!p)
		return false;
	mutex_lock(&p->lock);
	for (i = 0; i < KVM_PPC_PTW_MAX_WINDOWS && !conflict; i++) {
		struct kvmppc_ptw_window *w = p->windows[i];
		u64 hs, he;

		if (!w)
			continue;
		ptw_hull(w->layout.guest_addr, w->layout.size, &hs, &he);
		conflict = s < he && hs < e;
	}
	mutex_unlock(&p->lock);
	return conflict;
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
	mutex_lock(&p->lock);
	if (!p->torn_down)
		kvmppc_ptw_radix_free_tables(p, true);
	if (kvm_is_radix(kvm))
		p->torn_down = true;
	mutex_unlock(&p->lock);
}

/*
 * Resolve the host physical address of the VMM's mapping of a host BAR.
 * Only IO PFN mappings (VFIO regions, sysfs resource files) qualify, and
 * the whole range must be one physically contiguous device range.
 * Takes mmap_lock: call before any window lock (the MMU notifier takes
 * @p->lock under mmap_lock).
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
		ret = follow_pfn(vma, a, &pfn);
		if (ret) {
			/* VFIO fills its BAR mappings on first touch. */
			ret = fixup_user_fault(mm, a, 0, NULL);
			vma = ret ? NULL : vma_lookup(mm, a);
			ret = vma ? follow_pfn(vma, a, &pfn) : -EFAULT;
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
	if (!ret)
		*host_addr = ((u64)first_pfn << PAGE_SHIFT) + (uaddr - start);
	return ret;
}

/* Called with slots_lock and @p->lock held. */
static int ptw_check_placement(struct kvmppc_ptw *p, u64 guest_addr,
			       u64 size, const struct kvmppc_ptw_window *self)
{
	struct kvm_memslots *slots = kvm_memslots(p->kvm);
	struct kvm_memory_slot *slot;
	u64 hs, he;
	int i, bkt;

	if (guest_addr + size > PTW_GPA_LIMIT)
		return -EINVAL;
	for (i = 0; i < KVM_PPC_PTW_MAX_WINDOWS; i++) {
		struct kvmppc_ptw_window *w = p->windows[i];

		if (w && w != self && guest_addr < ptw_guest_end(w) &&
		    w->layout.guest_addr < guest_addr + size)
			return -EEXIST;
	}
	ptw_hull(guest_addr, size, &hs, &he);
	kvm_for_each_memslot(slot, bkt, slots) {
		u64 s = slot->base_gfn << PAGE_SHIFT;
		u64 e = s + (slot->npages << PAGE_SHIFT);

		if (s < he && hs < e)
			return -EEXIST;
	}
	return 0;
}

static int ptw_copy_window(struct kvm_ppc_pt_window *uw, u64 uaddr)
{
	if (copy_from_user(uw, u64_to_user_ptr(uaddr), sizeof(*uw)))
		return -EFAULT;
	if (uw->flags || uw->pad[0] || uw->pad[1] || uw->pad[2])
		return -EINVAL;
	return 0;
}

static int ptw_add(struct kvmppc_ptw *p, u64 uaddr)
{
	struct kvm_ppc_pt_window uw;
	struct kvmppc_ptw_window *w;
	int ret, id;

	ret = ptw_copy_window(&uw, uaddr);
	if (ret)
		return ret;
	/* Offsets of a table that is not there are a VMM bug, not noise. */
	if (!uw.msix_nvec && (uw.msix_table_offset || uw.msix_pba_offset))
		return -EINVAL;
	w = kzalloc(sizeof(*w), GFP_KERNEL_ACCOUNT);
	if (!w)
		return -ENOMEM;
	w->host_uaddr = uw.host_uaddr;
	w->layout = (struct kvmppc_ptw_layout) {
		.guest_addr = uw.guest_addr,
		.size = uw.size,
		.msix_table_offset = uw.msix_table_offset,
		.msix_table_size = (u64)uw.msix_nvec * PCI_MSIX_ENTRY_SIZE,
		.msix_pba_offset = uw.msix_pba_offset,
		.msix_pba_size = uw.msix_nvec ?
			DIV_ROUND_UP(uw.msix_nvec, 64) * sizeof(u64) : 0,
		.host_page_shift = PAGE_SHIFT,
	};
	/* Validate the geometry before touching the VMM's address space. */
	w->layout.host_addr = uw.host_uaddr & (PAGE_SIZE - 1);
	ret = kvmppc_ptw_layout_check(&w->layout);
	if (!ret)
		ret = ptw_resolve_host(uw.host_uaddr, uw.size,
				       &w->layout.host_addr);
	if (!ret)
		ret = kvmppc_ptw_layout_check(&w->layout);
	if (ret)
		goto out_free;
	if (uw.msix_nvec) {
		w->msix = kvmppc_ptw_msix_create(p, w);
		ret = PTR_ERR_OR_ZERO(w->msix);
		if (ret) {
			w->msix = NULL;
			goto out_free;
		}
	}

	mutex_lock(&p->kvm->slots_lock);
	mutex_lock(&p->lock);
	ret = -EBUSY;
	if (p->torn_down)
		goto out_unlock;
	ret = ptw_check_placement(p, uw.guest_addr, uw.size, NULL);
	if (ret)
		goto out_unlock;
	ret = -ENOSPC;
	for (id = 0; id < KVM_PPC_PTW_MAX_WINDOWS; id++) {
		if (!p->windows[id]) {
			w->id = id;
			p->windows[id] = w;
			ret = 0;
			break;
		}
	}
	if (!ret && put_user(w->id, (u32 __user *)u64_to_user_ptr(uaddr))) {
		p->windows[w->id] = NULL;
		ret = -EFAULT;
	}
	if (!ret)
		ptw_hpt_caches_stale(p);
out_unlock:
	mutex_unlock(&p->lock);
	/* The MMIO bus waits for SRCU readers: not under p->lock. */
	if (!ret && w->msix) {
		ret = kvmppc_ptw_msix_attach(w->msix, w);
		if (ret) {
			mutex_lock(&p->lock);
			ptw_unmap_window(p, w);
			p->windows[w->id] = NULL;
			mutex_unlock(&p->lock);
		}
	}
	mutex_unlock(&p->kvm->slots_lock);
	if (!ret) {
		trace_kvm_ptw_window(p->kvm->arch.lpid, w->id, "add",
				     w->layout.guest_addr, w->layout.host_addr,
				     w->layout.size);
		return 0;
	}
out_free:
	if (w->msix)
		kvmppc_ptw_msix_destroy(w->msix, NULL);
	kfree(w);
	return ret;
}

static int ptw_move(struct kvmppc_ptw *p, u64 uaddr)
{
	struct kvmppc_ptw_layout moved;
	struct kvm_ppc_pt_window uw;
	struct kvmppc_ptw_window *w;
	int ret;

	ret = ptw_copy_window(&uw, uaddr);
	if (ret)
		return ret;
	if (uw.id >= KVM_PPC_PTW_MAX_WINDOWS)
		return -EINVAL;
	mutex_lock(&p->kvm->slots_lock);
	mutex_lock(&p->lock);
	w = p->windows[uw.id];
	ret = -ENOENT;
	if (!w)
		goto out;
	moved = w->layout;
	moved.guest_addr = uw.guest_addr;
	ret = kvmppc_ptw_layout_check(&moved);
	if (!ret)
		ret = ptw_check_placement(p, uw.guest_addr, w->layout.size, w);
	if (ret)
		goto out;
	/* The old guest range must not keep a single mapping. */
	ptw_unmap_window(p, w);
	w->layout = moved;
	ptw_hpt_caches_stale(p);
	trace_kvm_ptw_window(p->kvm->arch.lpid, w->id, "move",
			     moved.guest_addr, moved.host_addr, moved.size);
	mutex_unlock(&p->lock);
	/*
	 * The table keeps its state: moving a BAR does not reset MSI-X.
	 * Should the new trap fail, table accesses exit to the VMM.
	 */
	if (w->msix) {
		kvmppc_ptw_msix_detach(w->msix, true);
		ret = kvmppc_ptw_msix_attach(w->msix, w);
	}
	mutex_unlock(&p->kvm->slots_lock);
	return ret;
out:
	mutex_unlock(&p->lock);
	mutex_unlock(&p->kvm->slots_lock);
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

static int ptw_remove(struct kvmppc_ptw *p, u64 uaddr)
{
	struct kvmppc_ptw_window *w;
	u32 id;

	if (get_user(id, (u32 __user *)u64_to_user_ptr(uaddr)))
		return -EFAULT;
	if (id >= KVM_PPC_PTW_MAX_WINDOWS)
		return -EINVAL;
	mutex_lock(&p->kvm->slots_lock);
	mutex_lock(&p->lock);
	w = p->windows[id];
	if (w) {
		ptw_unmap_window(p, w);
		p->windows[id] = NULL;
		trace_kvm_ptw_window(p->kvm->arch.lpid, id, "remove",
				     w->layout.guest_addr, w->layout.host_addr,
				     w->layout.size);
	}
	mutex_unlock(&p->lock);
	if (w && w->msix) {
		struct kvm_ppc_pt_window_stats last = { 0 };

		kvmppc_ptw_msix_detach(w->msix, true);
		kvmppc_ptw_msix_destroy(w->msix, &last);
		/* Its MSI-X counters stay in the VM's. */
		mutex_lock(&p->lock);
		ptw_stats_add_msix(&p->stats, &last);
		mutex_unlock(&p->lock);
	}
	mutex_unlock(&p->kvm->slots_lock);
	kfree(w);
	return w ? 0 : -ENOENT;
}

/*
 * The VMM's mapping of a host BAR is going away (munmap, mprotect, exit):
 * the physical address we resolved may stop being the device's, so the
 * window stops mapping for good.
 */
static int ptw_invalidate_range_start(struct mmu_notifier *mn,
				      const struct mmu_notifier_range *range)
{
	struct kvmppc_ptw *p = container_of(mn, struct kvmppc_ptw, mn);
	int i;

	if (mmu_notifier_range_blockable(range))
		mutex_lock(&p->lock);
	else if (!mutex_trylock(&p->lock))
		return -EAGAIN;
	for (i = 0; i < KVM_PPC_PTW_MAX_WINDOWS; i++) {
		struct kvmppc_ptw_window *w = p->windows[i];

		if (!w || w->dead || range->end <= w->host_uaddr ||
		    w->host_uaddr + w->layout.size <= range->start)
			continue;
		w->dead = true;
		ptw_unmap_window(p, w);
		trace_kvm_ptw_window(p->kvm->arch.lpid, w->id,
				     "host-gone", w->layout.guest_addr,
				     w->layout.host_addr, w->layout.size);
	}
	mutex_unlock(&p->lock);
	return 0;
}

static void ptw_mm_release(struct mmu_notifier *mn, struct mm_struct *mm)
{
	struct kvmppc_ptw *p = container_of(mn, struct kvmppc_ptw, mn);
	int i;

	mutex_lock(&p->lock);
	for (i = 0; i < KVM_PPC_PTW_MAX_WINDOWS; i++) {
		struct kvmppc_ptw_window *w = p->windows[i];

		if (w && !w->dead) {
			w->dead = true;
			ptw_unmap_window(p, w);
		}
	}
	mutex_unlock(&p->lock);
}

static const struct mmu_notifier_ops ptw_mmu_notifier_ops = {
	.invalidate_range_start = ptw_invalidate_range_start,
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
	}
	return -ENXIO;
}

static int ptw_get_attr(struct kvm_device *dev, struct kvm_device_attr *attr)
{
	struct kvmppc_ptw *p = dev->private;
	struct kvm_ppc_pt_window_stats stats;
	int i;

	if (attr->group != KVM_DEV_PPC_PTW_GRP_STATS ||
	    attr->attr != KVM_DEV_PPC_PTW_STATS)
		return -ENXIO;
	mutex_lock(&p->lock);
	stats = p->stats;
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
		    attr->attr <= KVM_DEV_PPC_PTW_REMOVE)
			return 0;
		break;
	case KVM_DEV_PPC_PTW_GRP_STATS:
		if (attr->attr == KVM_DEV_PPC_PTW_STATS)
			return 0;
		break;
	case KVM_DEV_PPC_PTW_GRP_MSIX_CTRL:
	case KVM_DEV_PPC_PTW_GRP_MSIX_IRQ:
		return 0;
	case KVM_DEV_PPC_PTW_GRP_MSI_WINDOW:
		return attr->attr ? -ENXIO : 0;
	}
	return -ENXIO;
}

/* Called with kvm->lock held, by the VMM (current->mm is the VM's mm). */
static int ptw_create(struct kvm_device *dev, u32 type)
{
	struct kvm *kvm = dev->kvm;
	struct kvmppc_ptw *p;
	int ret;

	if (current->mm != kvm->mm)
		return -EIO;
	p = kzalloc(sizeof(*p), GFP_KERNEL_ACCOUNT);
	if (!p)
		return -ENOMEM;
	p->kvm = kvm;
	p->msi_window = KVM_PPC_PTW_DEFAULT_MSI_WINDOW;
	mutex_init(&p->lock);
	xa_init(&p->tables);
	xa_init(&p->hpt_maps);
	p->mn.ops = &ptw_mmu_notifier_ops;
	ret = mmu_notifier_register(&p->mn, kvm->mm);
	if (ret)
		goto out_free;
	/* One device per VM: the LPID is taken once. */
	ret = xa_insert(&ptw_vms, kvm->arch.lpid, p, GFP_KERNEL_ACCOUNT);
	if (ret == -EBUSY)
		ret = -EEXIST;
	if (ret)
		goto out_unregister;
	dev->private = p;
	return 0;

out_unregister:
	mmu_notifier_unregister(&p->mn, kvm->mm);
out_free:
	kfree(p);
	return ret;
}

/* VM teardown: no vCPU runs, kvmppc_free_radix() has already run. */
static void ptw_destroy(struct kvm_device *dev)
{
	struct kvmppc_ptw *p = dev->private;
	int i;

	mmu_notifier_unregister(&p->mn, p->kvm->mm);
	xa_erase(&ptw_vms, p->kvm->arch.lpid);
	/*
	 * kvm_arch_destroy_vm() ran first: a radix tree is gone already and
	 * our tables with it (kvmppc_ptw_radix_free()), as is an HPT with
	 * our HPTEs (kvmppc_ptw_hpt_free()). Only memory is left to free, no
	 * PMD to clear or HPTE to restore.
	 */
	mutex_lock(&p->lock);
	kvmppc_ptw_radix_free_tables(p, false);
	kvmppc_ptw_hpt_forget(p);
	mutex_unlock(&p->lock);
	for (i = 0; i < KVM_PPC_PTW_MAX_WINDOWS; i++) {
		struct kvmppc_ptw_window *w = p->windows[i];

		/* The MMIO bus is gone already: nothing to unregister. */
		if (w && w->msix) {
			kvmppc_ptw_msix_detach(w->msix, false);
			kvmppc_ptw_msix_destroy(w->msix, NULL);
		}
		kfree(w);
	}
	xa_destroy(&p->tables);
	kfree(p);
	kfree(dev);
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
}
