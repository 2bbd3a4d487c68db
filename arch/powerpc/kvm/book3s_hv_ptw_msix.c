// SPDX-License-Identifier: GPL-2.0
/*
 * MSI-X of a passthrough IO window: the 4K pages that hold the MSI-X
 * table or PBA are never mapped into the guest (book3s_ptw_classify.c
 * gives them their own class), so guest accesses to them reach KVM's MMIO
 * emulation, which finds them here on KVM_MMIO_BUS and serves them with
 * the arch-neutral emulator (virt/kvm/msix_emul.c) without an exit to the
 * VMM. Bytes of those pages outside table and PBA go to the device.
 *
 * The device's real MSI-X table is never written by the guest: the VMM
 * programs it (through VFIO) with the host's messages and hands us, per
 * vector, the eventfd they signal. A vector the guest enables, unmasks
 * and points at the VM's MSI window with the number of one of its
 * XICS/XIVE sources as data is routed to that source, as RTAS
 * ibm,change-msi would have done; anything else stays unrouted.
 */

#include <linux/eventfd.h>
#include <linux/file.h>
#include <linux/io.h>
#include <linux/kvm_host.h>
#include <linux/kvm_msix_emul.h>
#include <linux/pci_regs.h>
#include <linux/poll.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>
#include <kvm/iodev.h>
#include <asm/kvm_ptw.h>

#include "book3s_hv_ptw.h"
#include "trace_ptw.h"

/**
 * struct kvmppc_ptw_msix_page - the trapped bytes of one guest 4K page
 * @dev: our device on KVM_MMIO_BUS.
 * @m: the window's MSI-X state.
 * @bar_offset: window offset of the first byte served.
 * @len: bytes served, all inside the window.
 * @gpa: guest address of the first byte served.
 * @regs: the same bytes of the device, for accesses outside table/PBA.
 * @registered: @dev is on the bus.
 */
struct kvmppc_ptw_msix_page {
	struct kvm_io_device dev;
	struct kvmppc_ptw_msix *m;
	u64 bar_offset;
	u64 len;
	gpa_t gpa;
	void __iomem *regs;
	bool registered;
};

/**
 * struct kvmppc_ptw_msix_irq - the eventfd that signals one vector
 * @wait: our entry on the eventfd's wait queue.
 * @pt: used once, to find that wait queue.
 * @wqh: the eventfd's wait queue.
 * @ctx: the eventfd, referenced until detached.
 * @m: the window's MSI-X state.
 * @vector: the vector it signals.
 */
struct kvmppc_ptw_msix_irq {
	wait_queue_entry_t wait;
	poll_table pt;
	wait_queue_head_t *wqh;
	struct eventfd_ctx *ctx;
	struct kvmppc_ptw_msix *m;
	u16 vector;
};

/**
 * struct kvmppc_ptw_msix - MSI-X state of one window
 * @p: the VM's windows.
 * @emul: the table and PBA emulator.
 * @window_id: for traces.
 * @nr_pages: entries of @pages.
 * @pages: trapped pages at the window's current guest address.
 * @nr_next: entries of @next.
 * @next: trapped pages at the window's next guest address (ADD, MOVE),
 *	registered before the window changes so that a failure changes
 *	nothing; kvmppc_ptw_msix_commit() makes them @pages.
 * @pt_lock: orders device accesses against @live.
 * @live: the window's host bytes are the VMM's: accesses beside the table
 *	may reach the device. Cleared, under @pt_lock, by the MMU notifier
 *	and REMOVE; no access starts after that.
 * @irqs: eventfd per vector, NULL if none.
 * @routed: vectors currently routed (changed under the emulator's lock).
 * @nr_routed: vectors that became routed.
 * @nr_invalid_msgs: vectors activated with a message we cannot route.
 * @nr_unrouted: vectors that stopped being routed.
 */
struct kvmppc_ptw_msix {
	struct kvmppc_ptw *p;
	struct kvm_msix_emul *emul;
	u32 window_id;
	unsigned int nr_pages;
	struct kvmppc_ptw_msix_page *pages;
	unsigned int nr_next;
	struct kvmppc_ptw_msix_page *next;
	spinlock_t pt_lock;	/* orders device accesses against @live */
	bool live;
	struct kvmppc_ptw_msix_irq **irqs;
	unsigned long *routed;
	atomic64_t nr_routed;
	atomic64_t nr_invalid_msgs;
	atomic64_t nr_unrouted;
};

/*
 * The emulator's update(): a vector became active (enabled, function and
 * vector unmasked) with a latched message, or stopped being active. Runs
 * under the emulator's spinlock.
 */
static void ptw_msix_update(void *opaque, u16 vector, bool active,
			    u64 msg_addr, u32 msg_data)
{
	struct kvmppc_ptw_msix *m = opaque;
	struct kvm *kvm = m->p->kvm;
	bool routed = false;

	if (active) {
		routed = msg_addr == READ_ONCE(m->p->msi_window) &&
			 kvmppc_msix_source_exists(kvm, msg_data);
		atomic64_inc(routed ? &m->nr_routed : &m->nr_invalid_msgs);
	}
	if (!routed && test_bit(vector, m->routed))
		atomic64_inc(&m->nr_unrouted);
	if (routed)
		__set_bit(vector, m->routed);
	else
		__clear_bit(vector, m->routed);
	trace_kvm_ptw_msix_route(kvm->arch.lpid, m->window_id, vector,
				 msg_addr, msg_data, active, routed);
}

/* The emulator's deliver(): an interrupt for an active vector. */
static bool ptw_msix_deliver(void *opaque, u16 vector, u64 msg_addr,
			     u32 msg_data)
{
	struct kvmppc_ptw_msix *m = opaque;

	if (!test_bit(vector, m->routed))
		return false;
	return !kvmppc_msix_raise(m->p->kvm, msg_data);
}

static struct kvmppc_ptw_msix_page *ptw_msix_page(struct kvmppc_ptw_msix *m,
						  u64 bar_offset, int len)
{
	unsigned int i;

	for (i = 0; i < m->nr_pages; i++) {
		struct kvmppc_ptw_msix_page *pg = &m->pages[i];

		if (bar_offset >= pg->bar_offset &&
		    bar_offset + len <= pg->bar_offset + pg->len)
			return pg;
	}
	return NULL;
}

/*
 * Registers beside the table: the same access, same size, to the device.
 * Only naturally aligned 1/2/4/8-byte accesses: a cache-inhibited access
 * that is not aligned would take an alignment interrupt in the host.
 * Called with @m->pt_lock held (MOVE swaps the pages).
 */
static void __iomem *ptw_msix_dev_addr(struct kvmppc_ptw_msix *m,
					u64 bar_offset, int len)
{
	struct kvmppc_ptw_msix_page *pg = ptw_msix_page(m, bar_offset, len);
	void __iomem *addr;

	if (!pg)
		return NULL;
	addr = pg->regs + (bar_offset - pg->bar_offset);
	return IS_ALIGNED((unsigned long)addr, len) ? addr : NULL;
}

static int ptw_msix_dev_read(void *opaque, u64 bar_offset, int len, void *val)
{
	struct kvmppc_ptw_msix *m = opaque;
	void __iomem *addr;
	int ret = 0;

	spin_lock(&m->pt_lock);
	addr = m->live ? ptw_msix_dev_addr(m, bar_offset, len) : NULL;
	if (!addr)
		ret = -EOPNOTSUPP;
	else if (len == 1)
		*(u8 *)val = readb(addr);
	else if (len == 2)
		put_unaligned_le16(readw(addr), val);
	else if (len == 4)
		put_unaligned_le32(readl(addr), val);
	else if (len == 8)
		put_unaligned_le64(readq(addr), val);
	else
		ret = -EOPNOTSUPP;
	spin_unlock(&m->pt_lock);
	return ret;
}

static int ptw_msix_dev_write(void *opaque, u64 bar_offset, int len,
			      const void *val)
{
	struct kvmppc_ptw_msix *m = opaque;
	void __iomem *addr;
	int ret = 0;

	spin_lock(&m->pt_lock);
	addr = m->live ? ptw_msix_dev_addr(m, bar_offset, len) : NULL;
	if (!addr)
		ret = -EOPNOTSUPP;
	else if (len == 1)
		writeb(*(const u8 *)val, addr);
	else if (len == 2)
		writew(get_unaligned_le16(val), addr);
	else if (len == 4)
		writel(get_unaligned_le32(val), addr);
	else if (len == 8)
		writeq(get_unaligned_le64(val), addr);
	else
		ret = -EOPNOTSUPP;
	spin_unlock(&m->pt_lock);
	return ret;
}

/**
 * kvmppc_ptw_msix_set_live() - may accesses beside the table reach the
 *	device?
 * @m: the window's MSI-X state
 * @live: true once the window is published with its host bytes, false
 *	for good when they stop being the VMM's
 *
 * When this returns false, no device access is in progress and none will
 * start. Called with kvm->mmu_lock held.
 */
void kvmppc_ptw_msix_set_live(struct kvmppc_ptw_msix *m, bool live)
{
	spin_lock(&m->pt_lock);
	m->live = live;
	spin_unlock(&m->pt_lock);
}

static const struct kvm_msix_emul_ops ptw_msix_emul_ops = {
	.update = ptw_msix_update,
	.deliver = ptw_msix_deliver,
	.dev_read = ptw_msix_dev_read,
	.dev_write = ptw_msix_dev_write,
};

static struct kvmppc_ptw_msix_page *to_page(struct kvm_io_device *dev)
{
	return container_of(dev, struct kvmppc_ptw_msix_page, dev);
}

static int ptw_msix_mmio_read(struct kvm_vcpu *vcpu, struct kvm_io_device *dev,
			      gpa_t addr, int len, void *val)
{
	struct kvmppc_ptw_msix_page *pg = to_page(dev);

	if (addr < pg->gpa || addr + len > pg->gpa + pg->len)
		return -EOPNOTSUPP;
	return kvm_msix_emul_read(pg->m->emul, pg->bar_offset + (addr - pg->gpa),
				  len, val);
}

static int ptw_msix_mmio_write(struct kvm_vcpu *vcpu,
			       struct kvm_io_device *dev, gpa_t addr, int len,
			       const void *val)
{
	struct kvmppc_ptw_msix_page *pg = to_page(dev);

	if (addr < pg->gpa || addr + len > pg->gpa + pg->len)
		return -EOPNOTSUPP;
	return kvm_msix_emul_write(pg->m->emul,
				   pg->bar_offset + (addr - pg->gpa), len, val);
}

/* No destructor: the window code frees its pages itself. */
static const struct kvm_io_device_ops ptw_msix_mmio_ops = {
	.read = ptw_msix_mmio_read,
	.write = ptw_msix_mmio_write,
};

/**
 * kvmppc_ptw_msix_create() - MSI-X state for a window with a table
 * @p: the VM's windows
 * @w: the window, already checked with kvmppc_ptw_layout_check()
 *
 * Return: the state, or an ERR_PTR.
 */
struct kvmppc_ptw_msix *kvmppc_ptw_msix_create(struct kvmppc_ptw *p,
					       const struct kvmppc_ptw_window *w)
{
	u16 nvec = w->layout.msix_table_size / PCI_MSIX_ENTRY_SIZE;
	struct kvmppc_ptw_msix *m;
	struct kvm_msix_emul *emul;

	m = kzalloc(sizeof(*m), GFP_KERNEL_ACCOUNT);
	if (!m)
		return ERR_PTR(-ENOMEM);
	m->p = p;
	spin_lock_init(&m->pt_lock);
	m->irqs = kcalloc(nvec, sizeof(*m->irqs), GFP_KERNEL_ACCOUNT);
	m->routed = bitmap_zalloc(nvec, GFP_KERNEL_ACCOUNT);
	if (!m->irqs || !m->routed) {
		emul = ERR_PTR(-ENOMEM);
		goto err;
	}
	emul = kvm_msix_emul_create(nvec, w->layout.msix_table_offset,
				    w->layout.msix_pba_offset,
				    &ptw_msix_emul_ops, m);
	if (IS_ERR(emul))
		goto err;
	m->emul = emul;
	return m;
err:
	bitmap_free(m->routed);
	kfree(m->irqs);
	kfree(m);
	return ERR_CAST(emul);
}

/* Unregister and unmap a set of trapped pages, and free it. */
static void ptw_msix_free_pages(struct kvmppc_ptw_msix *m,
				struct kvmppc_ptw_msix_page *pages,
				unsigned int n, bool bus_alive)
{
	unsigned int i;

	for (i = 0; i < n; i++) {
		struct kvmppc_ptw_msix_page *pg = &pages[i];

		if (pg->registered && bus_alive)
			kvm_io_bus_unregister_dev(m->p->kvm, KVM_MMIO_BUS,
						  &pg->dev);
		if (pg->regs)
			iounmap(pg->regs);
	}
	kfree(pages);
}

/*
 * Add the MSIX-class guest 4K pages that [@off, @off + @len) of the window
 * touches to @pages (once each). Only those pages are looked at, however
 * large the window.
 */
static unsigned int ptw_msix_find_pages(const struct kvmppc_ptw_layout *l,
					u64 off, u64 len,
					struct kvmppc_ptw_msix_page *pages,
					unsigned int n)
{
	u64 gend = l->guest_addr + l->size, page, hpa;
	unsigned int shift, i;

	for (page = ALIGN_DOWN(l->guest_addr + off, SZ_4K);
	     page < l->guest_addr + off + len; page += SZ_4K) {
		u64 start = max(page, l->guest_addr);

		if (kvmppc_ptw_classify(l, start, &hpa, &shift) !=
		    KVMPPC_PTW_MSIX)
			continue;
		for (i = 0; i < n && pages[i].gpa != start; i++)
			;
		if (i < n)
			continue;
		pages[n].gpa = start;
		pages[n].len = min(page + SZ_4K, gend) - start;
		pages[n].bar_offset = start - l->guest_addr;
		n++;
	}
	return n;
}

/**
 * kvmppc_ptw_msix_attach() - trap the table and PBA pages at the window's
 *	next guest address
 * @m: the window's MSI-X state
 * @w: the window as it is to be (its id and layout)
 *
 * The pages at the current address stay trapped until
 * kvmppc_ptw_msix_commit(). Called with kvm->slots_lock held and not
 * kvm->mmu_lock: the bus update waits for SRCU readers.
 *
 * Return: 0 or a negative errno (then nothing changed).
 */
int kvmppc_ptw_msix_attach(struct kvmppc_ptw_msix *m,
			   const struct kvmppc_ptw_window *w)
{
	const struct kvmppc_ptw_layout *l = &w->layout;
	struct kvmppc_ptw_msix_page *pages;
	unsigned int n, max, i;
	int ret = 0;

	lockdep_assert_held(&m->p->kvm->slots_lock);
	/* A table is at most 32K, a PBA 256 bytes: a few pages each. */
	max = DIV_ROUND_UP(l->msix_table_size, SZ_4K) +
	      DIV_ROUND_UP(l->msix_pba_size, SZ_4K) + 2;
	pages = kcalloc(max, sizeof(*pages), GFP_KERNEL_ACCOUNT);
	if (!pages)
		return -ENOMEM;
	n = ptw_msix_find_pages(l, l->msix_table_offset, l->msix_table_size,
				pages, 0);
	n = ptw_msix_find_pages(l, l->msix_pba_offset, l->msix_pba_size,
				pages, n);
	for (i = 0; i < n; i++) {
		struct kvmppc_ptw_msix_page *pg = &pages[i];

		pg->m = m;
		pg->regs = ioremap(l->host_addr + pg->bar_offset, pg->len);
		if (!pg->regs) {
			ret = -ENOMEM;
			break;
		}
		kvm_iodevice_init(&pg->dev, &ptw_msix_mmio_ops);
		ret = kvm_io_bus_register_dev(m->p->kvm, KVM_MMIO_BUS, pg->gpa,
					      pg->len, &pg->dev);
		if (ret)
			break;
		pg->registered = true;
	}
	if (ret) {
		ptw_msix_free_pages(m, pages, n, true);
		return ret;
	}
	if (m->next)
		ptw_msix_free_pages(m, m->next, m->nr_next, true);
	m->window_id = w->id;
	m->next = pages;
	m->nr_next = n;
	return 0;
}

/**
 * kvmppc_ptw_msix_commit() - the window is at its next address now
 * @m: the window's MSI-X state
 *
 * The pages kvmppc_ptw_msix_attach() trapped replace the old ones, which
 * are untrapped. Same locking as kvmppc_ptw_msix_attach().
 */
void kvmppc_ptw_msix_commit(struct kvmppc_ptw_msix *m)
{
	struct kvmppc_ptw_msix_page *old = m->pages;
	unsigned int n = m->nr_pages;

	/* The access handlers look pages up in @pages. */
	spin_lock(&m->pt_lock);
	m->pages = m->next;
	m->nr_pages = m->nr_next;
	spin_unlock(&m->pt_lock);
	m->next = NULL;
	m->nr_next = 0;
	if (old)
		ptw_msix_free_pages(m, old, n, true);
}

/**
 * kvmppc_ptw_msix_detach() - stop trapping (window removed, or ADD failed)
 * @m: the window's MSI-X state
 * @bus_alive: the MMIO bus still exists (not VM teardown, where KVM has
 *	freed the buses before the devices)
 *
 * Same locking as kvmppc_ptw_msix_attach() when @bus_alive.
 */
void kvmppc_ptw_msix_detach(struct kvmppc_ptw_msix *m, bool bus_alive)
{
	if (m->next)
		ptw_msix_free_pages(m, m->next, m->nr_next, bus_alive);
	if (m->pages)
		ptw_msix_free_pages(m, m->pages, m->nr_pages, bus_alive);
	m->next = NULL;
	m->nr_next = 0;
	m->pages = NULL;
	m->nr_pages = 0;
}

/* An eventfd of a vector fired (or is going away). Atomic context. */
static int ptw_msix_irq_wakeup(wait_queue_entry_t *wait, unsigned int mode,
			       int sync, void *key)
{
	struct kvmppc_ptw_msix_irq *irq =
		container_of(wait, struct kvmppc_ptw_msix_irq, wait);
	__poll_t flags = key_to_poll(key);
	u64 cnt;

	if (flags & EPOLLIN) {
		/* MSIs do not queue: several signals are one interrupt. */
		eventfd_ctx_do_read(irq->ctx, &cnt);
		kvm_msix_emul_signal(irq->m->emul, irq->vector);
	}
	if (flags & EPOLLHUP) {
		/* Closed: stop listening; the reference goes at detach. */
		list_del_init(&irq->wait.entry);
	}
	return 0;
}

static void ptw_msix_irq_ptable(struct file *file, wait_queue_head_t *wqh,
				poll_table *pt)
{
	struct kvmppc_ptw_msix_irq *irq =
		container_of(pt, struct kvmppc_ptw_msix_irq, pt);

	irq->wqh = wqh;
	add_wait_queue(wqh, &irq->wait);
}

static void ptw_msix_irq_free(struct kvmppc_ptw_msix_irq *irq)
{
	u64 cnt;

	eventfd_ctx_remove_wait_queue(irq->ctx, &irq->wait, &cnt);
	eventfd_ctx_put(irq->ctx);
	kfree(irq);
}

/**
 * kvmppc_ptw_msix_set_irq() - attach or detach a vector's eventfd
 * @m: the window's MSI-X state
 * @vector: the vector
 * @fd: an eventfd, or -1 to detach
 *
 * Called with the window lock held.
 *
 * Return: 0, -EINVAL (vector out of range, not an eventfd), -EBADF.
 */
int kvmppc_ptw_msix_set_irq(struct kvmppc_ptw_msix *m, u16 vector, int fd)
{
	struct kvmppc_ptw_msix_irq *irq;
	struct eventfd_ctx *ctx;
	struct file *file;
	__poll_t events;

	if (vector >= m->emul->nvec)
		return -EINVAL;
	if (fd < -1)
		return -EBADF;
	if (fd == -1) {
		if (m->irqs[vector])
			ptw_msix_irq_free(m->irqs[vector]);
		m->irqs[vector] = NULL;
		return 0;
	}
	file = fget(fd);
	if (!file)
		return -EBADF;
	ctx = eventfd_ctx_fileget(file);
	if (IS_ERR(ctx)) {
		fput(file);
		return PTR_ERR(ctx);
	}
	irq = kzalloc(sizeof(*irq), GFP_KERNEL_ACCOUNT);
	if (!irq) {
		eventfd_ctx_put(ctx);
		fput(file);
		return -ENOMEM;
	}
	irq->ctx = ctx;
	irq->m = m;
	irq->vector = vector;
	init_waitqueue_func_entry(&irq->wait, ptw_msix_irq_wakeup);
	init_poll_funcptr(&irq->pt, ptw_msix_irq_ptable);
	if (m->irqs[vector])
		ptw_msix_irq_free(m->irqs[vector]);
	m->irqs[vector] = irq;
	events = vfs_poll(file, &irq->pt);
	fput(file);
	/* Signalled before we listened: that interrupt counts too. */
	if (events & EPOLLIN)
		kvm_msix_emul_signal(m->emul, vector);
	return 0;
}

/**
 * kvmppc_ptw_msix_release_irqs() - detach every vector's eventfd
 * @m: the window's MSI-X state
 *
 * VM teardown: no interrupt may reach the emulator, and through it the
 * VM's interrupt controller, once this returns. Called with the window
 * lock held.
 */
void kvmppc_ptw_msix_release_irqs(struct kvmppc_ptw_msix *m)
{
	u16 v;

	for (v = 0; v < m->emul->nvec; v++) {
		if (m->irqs[v])
			ptw_msix_irq_free(m->irqs[v]);
		m->irqs[v] = NULL;
	}
}

/**
 * kvmppc_ptw_msix_set_ctrl() - the guest wrote MSI-X Message Control
 * @m: the window's MSI-X state
 * @msg_ctrl: the register as written (PCI_MSIX_FLAGS_*)
 */
void kvmppc_ptw_msix_set_ctrl(struct kvmppc_ptw_msix *m, u16 msg_ctrl)
{
	kvm_msix_emul_set_ctrl(m->emul, msg_ctrl & PCI_MSIX_FLAGS_ENABLE,
			       msg_ctrl & PCI_MSIX_FLAGS_MASKALL);
}

/*
 * The VMM's access to the emulated table (GRP_MSIX_CTRL read, GRP_MSIX_ENTRY,
 * GRP_MSIX_PBA, GRP_MSIX_RESET, GRP_MSIX_STATE). A PAPR guest never writes
 * message address and data itself: the VMM's RTAS ibm,change-msi assigns
 * them and writes them here; the guest reads them back and unmasks. Every
 * call is atomic with respect to guest accesses and interrupt delivery
 * (the emulator's lock) and goes through the same routing as a guest write.
 * User memory is copied with no lock held; p->lock only keeps the window
 * alive while the emulator is called.
 */

/* The window's MSI-X state, for an attribute that names window @id. */
static int ptw_msix_vmm_lookup(struct kvmppc_ptw *p, u64 id,
			       struct kvmppc_ptw_msix **mp)
{
	struct kvmppc_ptw_window *w;

	lockdep_assert_held(&p->lock);
	w = p->windows[id];
	if (!w)
		return -ENOENT;
	if (!w->msix)
		return -EINVAL;
	*mp = w->msix;
	return 0;
}

/* Window id of an attribute: id << 16 | index, or the id alone. */
static bool ptw_msix_vmm_indexed(u32 group)
{
	return group == KVM_DEV_PPC_PTW_GRP_MSIX_ENTRY ||
	       group == KVM_DEV_PPC_PTW_GRP_MSIX_PBA;
}

static int ptw_msix_vmm_set_state(struct kvmppc_ptw *p, u64 id,
				  void __user *uaddr)
{
	struct kvmppc_ptw_msix *m;
	struct kvm_ppc_pt_msix_state hdr;
	ssize_t size;
	void *buf;
	int ret;

	if (copy_from_user(&hdr, uaddr, sizeof(hdr)))
		return -EFAULT;
	size = kvm_msix_emul_check_state_header(&hdr);
	if (size < 0)
		return size;
	buf = vmemdup_user(uaddr, size);
	if (IS_ERR(buf))
		return PTR_ERR(buf);
	mutex_lock(&p->lock);
	ret = ptw_msix_vmm_lookup(p, id, &m);
	if (!ret)
		ret = kvm_msix_emul_restore(m->emul, buf, size);
	mutex_unlock(&p->lock);
	kvfree(buf);
	return ret;
}

static int ptw_msix_vmm_get_state(struct kvmppc_ptw *p, u64 id,
				  void __user *uaddr)
{
	struct kvm_ppc_pt_msix_state __user *uhdr = uaddr;
	struct kvmppc_ptw_msix *m;
	void *buf = NULL;
	ssize_t need = 0;
	__le32 usize;
	int ret;

	if (copy_from_user(&usize, &uhdr->size, sizeof(usize)))
		return -EFAULT;
	mutex_lock(&p->lock);
	ret = ptw_msix_vmm_lookup(p, id, &m);
	if (!ret) {
		need = kvm_msix_emul_state_size(m->emul->nvec);
		if (le32_to_cpu(usize) < need)
			ret = -ENOSPC;
	}
	if (!ret) {
		buf = kvzalloc(need, GFP_KERNEL_ACCOUNT);
		if (!buf)
			ret = -ENOMEM;
	}
	if (!ret)
		need = kvm_msix_emul_save(m->emul, buf, need);
	mutex_unlock(&p->lock);
	usize = cpu_to_le32(need);
	if (ret == -ENOSPC &&
	    copy_to_user(&uhdr->size, &usize, sizeof(usize)))
		ret = -EFAULT;
	if (!ret && copy_to_user(uaddr, buf, need))
		ret = -EFAULT;
	kvfree(buf);
	return ret;
}

/**
 * kvmppc_ptw_msix_vmm_set() - KVM_SET_DEVICE_ATTR of the VMM's MSI-X groups
 * @p: the VM's windows
 * @attr: GRP_MSIX_ENTRY, GRP_MSIX_PBA, GRP_MSIX_RESET or GRP_MSIX_STATE
 *
 * Takes p->lock.
 *
 * Return: 0; -EINVAL window id >= KVM_PPC_PTW_MAX_WINDOWS, window without
 * MSI-X, vector or QWORD out of range, read-only or reserved bits set,
 * malformed state, RESET with addr not 0; -ENOENT no such window; -E2BIG
 * state of another table size; -EFAULT; -ENOMEM.
 */
int kvmppc_ptw_msix_vmm_set(struct kvmppc_ptw *p,
			    const struct kvm_device_attr *attr)
{
	void __user *uaddr = u64_to_user_ptr(attr->addr);
	bool indexed = ptw_msix_vmm_indexed(attr->group);
	u64 id = indexed ? attr->attr >> 16 : attr->attr;
	u16 index = indexed ? attr->attr & 0xffff : 0;
	struct kvm_ppc_pt_msix_entry ue;
	struct kvm_msix_emul_entry entry;
	struct kvmppc_ptw_msix *m;
	u64 bits = 0;
	int ret;

	if (id >= KVM_PPC_PTW_MAX_WINDOWS)
		return -EINVAL;
	switch (attr->group) {
	case KVM_DEV_PPC_PTW_GRP_MSIX_STATE:
		return ptw_msix_vmm_set_state(p, id, uaddr);
	case KVM_DEV_PPC_PTW_GRP_MSIX_ENTRY:
		if (copy_from_user(&ue, uaddr, sizeof(ue)))
			return -EFAULT;
		entry.msg_addr_lo = ue.msg_addr_lo;
		entry.msg_addr_hi = ue.msg_addr_hi;
		entry.msg_data = ue.msg_data;
		entry.vector_ctl = ue.vector_ctl;
		break;
	case KVM_DEV_PPC_PTW_GRP_MSIX_PBA:
		if (get_user(bits, (u64 __user *)uaddr))
			return -EFAULT;
		break;
	case KVM_DEV_PPC_PTW_GRP_MSIX_RESET:
		if (attr->addr)
			return -EINVAL;
		break;
	default:
		return -ENXIO;
	}

	mutex_lock(&p->lock);
	ret = ptw_msix_vmm_lookup(p, id, &m);
	if (!ret && attr->group == KVM_DEV_PPC_PTW_GRP_MSIX_ENTRY)
		ret = kvm_msix_emul_set_entry(m->emul, index, &entry);
	else if (!ret && attr->group == KVM_DEV_PPC_PTW_GRP_MSIX_PBA)
		ret = kvm_msix_emul_set_pba(m->emul, index, bits);
	else if (!ret)
		kvm_msix_emul_reset(m->emul);
	mutex_unlock(&p->lock);
	return ret;
}

/**
 * kvmppc_ptw_msix_vmm_get() - KVM_GET_DEVICE_ATTR of the VMM's MSI-X groups
 * @p: the VM's windows
 * @attr: GRP_MSIX_CTRL, GRP_MSIX_ENTRY, GRP_MSIX_PBA or GRP_MSIX_STATE
 *
 * Takes p->lock.
 *
 * Return: 0; -EINVAL window id >= KVM_PPC_PTW_MAX_WINDOWS, window without
 * MSI-X, vector or QWORD out of range; -ENOENT no such window; -ENOSPC
 * buffer too small for the state (the size needed is written back);
 * -EFAULT; -ENOMEM.
 */
int kvmppc_ptw_msix_vmm_get(struct kvmppc_ptw *p,
			    const struct kvm_device_attr *attr)
{
	void __user *uaddr = u64_to_user_ptr(attr->addr);
	bool indexed = ptw_msix_vmm_indexed(attr->group);
	u64 id = indexed ? attr->attr >> 16 : attr->attr;
	u16 index = indexed ? attr->attr & 0xffff : 0;
	struct kvm_ppc_pt_msix_entry ue;
	struct kvm_msix_emul_entry entry;
	struct kvmppc_ptw_msix *m;
	bool enable, maskall;
	u16 ctrl = 0;
	u64 bits = 0;
	int ret;

	if (id >= KVM_PPC_PTW_MAX_WINDOWS)
		return -EINVAL;
	if (attr->group == KVM_DEV_PPC_PTW_GRP_MSIX_STATE)
		return ptw_msix_vmm_get_state(p, id, uaddr);

	mutex_lock(&p->lock);
	ret = ptw_msix_vmm_lookup(p, id, &m);
	if (ret)
		goto out;
	switch (attr->group) {
	case KVM_DEV_PPC_PTW_GRP_MSIX_CTRL:
		/* As config space shows it: Table Size is N - 1 encoded. */
		kvm_msix_emul_get_ctrl(m->emul, &enable, &maskall);
		ctrl = (m->emul->nvec - 1) & PCI_MSIX_FLAGS_QSIZE;
		if (enable)
			ctrl |= PCI_MSIX_FLAGS_ENABLE;
		if (maskall)
			ctrl |= PCI_MSIX_FLAGS_MASKALL;
		break;
	case KVM_DEV_PPC_PTW_GRP_MSIX_ENTRY:
		ret = kvm_msix_emul_get_entry(m->emul, index, &entry);
		break;
	case KVM_DEV_PPC_PTW_GRP_MSIX_PBA:
		ret = kvm_msix_emul_get_pba(m->emul, index, &bits);
		break;
	default:
		ret = -ENXIO;
	}
out:
	mutex_unlock(&p->lock);
	if (ret)
		return ret;
	switch (attr->group) {
	case KVM_DEV_PPC_PTW_GRP_MSIX_CTRL:
		return put_user(ctrl, (u16 __user *)uaddr);
	case KVM_DEV_PPC_PTW_GRP_MSIX_ENTRY:
		ue.msg_addr_lo = entry.msg_addr_lo;
		ue.msg_addr_hi = entry.msg_addr_hi;
		ue.msg_data = entry.msg_data;
		ue.vector_ctl = entry.vector_ctl;
		return copy_to_user(uaddr, &ue, sizeof(ue)) ? -EFAULT : 0;
	default:
		return put_user(bits, (u64 __user *)uaddr);
	}
}

/**
 * kvmppc_ptw_msix_add_stats() - add a window's MSI-X counters to @s
 * @m: the window's MSI-X state
 * @s: the counters to add to
 */
void kvmppc_ptw_msix_add_stats(struct kvmppc_ptw_msix *m,
			       struct kvm_ppc_pt_window_stats *s)
{
	struct kvm_msix_emul_stats es;

	kvm_msix_emul_get_stats(m->emul, &es);
	s->msix_table_accesses += es.table_reads + es.table_writes +
				  es.pba_reads;
	s->msix_invalid_accesses += es.invalid_accesses;
	s->msix_passthrough += es.passthrough_reads + es.passthrough_writes;
	s->msix_delivered += es.delivered;
	s->msix_pending += es.pending_set;
	s->msix_routed += atomic64_read(&m->nr_routed);
	s->msix_invalid_msgs += atomic64_read(&m->nr_invalid_msgs);
	s->msix_unrouted += atomic64_read(&m->nr_unrouted);
}

/**
 * kvmppc_ptw_msix_destroy() - free a window's MSI-X state
 * @m: the state, detached from the bus
 * @last: if not NULL, its final counters are added here
 *
 * Eventfds go first, so no signal reaches the emulator as it goes.
 */
void kvmppc_ptw_msix_destroy(struct kvmppc_ptw_msix *m,
			     struct kvm_ppc_pt_window_stats *last)
{
	kvmppc_ptw_msix_release_irqs(m);
	if (last)
		kvmppc_ptw_msix_add_stats(m, last);
	kvm_msix_emul_destroy(m->emul);
	bitmap_free(m->routed);
	kfree(m->irqs);
	kfree(m);
}
