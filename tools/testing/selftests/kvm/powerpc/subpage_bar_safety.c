// SPDX-License-Identifier: GPL-2.0-only
/*
 * Host safety of the window device (issue: crashes, deadlocks, lifetime
 * races and isolation holes):
 *
 * - ADD writes the window id back into a page that faults copy-on-write
 *   (a read-faulted MAP_PRIVATE file page; a page shared with a forked
 *   child): the fault runs the MMU notifier, which must not wait on any
 *   lock ADD holds. Each ADD runs in a child that must finish in time.
 * - A read-only mapping of a BAR is refused (-EACCES); so are host bytes
 *   that are not all one PCI memory BAR's (-EPERM).
 * - MOVE refuses fields it does not use that differ from the window's,
 *   and leaves the window as it was.
 * - The device holds kvm-hv until the VM's teardown has destroyed it.
 * - Nested (pseries), 4K leaves only when the L0 can walk them: with
 *   kvm_hv.ptw_nested_4k=0 a MAP4K page exits to the VMM, counted.
 * - KVM's 1G leaves and our 4K tables: RAM backed by a 1G host page in the
 *   same 1G region as a window, touched after the window (KVM must map it
 *   with smaller leaves, not free our table) and before it (ADD takes the
 *   1G leaf out); guest reads of both stay right.
 * - ADD racing with the munmap of its host mapping: once the munmap has
 *   returned, no window maps or reaches the device beside its MSI-X
 *   table (ADD either fails or its window is dead).
 * - VM churn: VMs with and without windows come and go; each sees its
 *   own state only (pci-testdev's header through the window, exits
 *   without one).
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/wait.h>

#include "../../kselftest.h"
#include "ppc_kvm_util.h"
#include "ppc_msix_util.h"
#include "ppc_ptw_util.h"

#define GW		0x80002000ULL	/* pci-testdev at +0x2000: MAP4K */
#define GW2		0x90002000ULL
#define CHILD_TIMEOUT_S	30
/* A window in the 1G region [4G, 5G) and RAM at its 256M..512M */
#define GW_1G		0x100002000ULL
#define RAM_1G		0x110000000ULL
#define RAM_1G_SIZE	0x10000000ULL
#define SZ_1G		0x40000000ULL
#ifndef MAP_HUGE_1GB
#define MAP_HUGE_1GB	(30 << 26)
#endif
#define NESTED_4K	"/sys/module/kvm_hv/parameters/ptw_nested_4k"
#define KVM_HV_REFCNT	"/sys/module/kvm_hv/refcnt"

static struct ppc_ptw_bed bed;
static struct ppc_pci_bar *td = &bed.testdev;
static struct ppc_prog prog;

/* The VMM: a load that exits is answered with this fill, and counted. */
struct vmm {
	u64 exits;
};

static int vmm_mmio(struct ppc_vcpu *vcpu, struct kvm_run *run, void *opaque)
{
	struct vmm *v = opaque;

	v->exits++;
	if (!run->mmio.is_write)
		memset(run->mmio.data, 0xa5, sizeof(run->mmio.data));
	return 0;
}

/*
 * A fresh VM with a window device and a window over pci-testdev's BAR0 at
 * @gpa. Returns the device fd (window id in *id) or a negative errno.
 */
static int vm_with_window(struct ppc_vm **vm, struct ppc_vcpu **vcpu,
			  u64 gpa, u32 *id)
{
	struct kvm_ppc_pt_window w = ppc_ptw_window(td, 0, td->size, gpa);
	int dev, r;

	*vm = ppc_guest_create(vcpu);
	if (!*vm)
		return -EIO;
	dev = ppc_ptw_create(*vm);
	if (dev < 0)
		return dev;
	r = ppc_ptw_add(dev, &w);
	if (r)
		return r;
	*id = w.id;
	return dev;
}

/*
 * Guest loads of pci-testdev's 48-byte header at @gpa; true if each
 * equals the host's own read of the device (a wrong page or a wrong
 * offset reads other bytes).
 */
static bool header_matches(struct ppc_vcpu *vcpu, u64 gpa, struct vmm *v,
			   unsigned int *mismatch)
{
	unsigned int idx[PPC_TESTDEV_HDR_LEN / 8], i;

	*mismatch = 0;
	ppc_prog_init(&prog);
	for (i = 0; i < ARRAY_SIZE(idx); i++)
		idx[i] = ppc_prog_ld(&prog, 8, gpa + 8 * i);
	if (ppc_prog_run(vcpu, &prog, vmm_mmio, NULL, v))
		return false;
	for (i = 0; i < ARRAY_SIZE(idx); i++)
		*mismatch += prog.s[idx[i]].val != ppc_bar_rd(td, 8 * i, 8);
	return !*mismatch;
}

/* Run fn() in a child; it must exit 0 within CHILD_TIMEOUT_S seconds. */
static int in_child(int (*fn)(void), const char *what)
{
	int status, i;
	pid_t pid = fork();

	if (pid < 0)
		return -errno;
	if (!pid)
		_exit(fn() ? 1 : 0);
	for (i = 0; i < CHILD_TIMEOUT_S * 10; i++) {
		if (waitpid(pid, &status, WNOHANG) == pid)
			return WIFEXITED(status) && !WEXITSTATUS(status) ?
			       0 : -EIO;
		usleep(100000);
	}
	ksft_print_msg("%s: still running after %d s (deadlocked?)\n", what,
		       CHILD_TIMEOUT_S);
	kill(pid, SIGKILL);
	return -ETIMEDOUT;
}

/* ADD with its struct at @w; the id must come back there. */
static int add_at(struct kvm_ppc_pt_window *w)
{
	struct ppc_vcpu *vcpu;
	struct ppc_vm *vm;
	int dev, r;

	vm = ppc_guest_create(&vcpu);
	if (!vm)
		return -EIO;
	dev = ppc_ptw_create(vm);
	if (dev < 0)
		return dev;
	/* Not a byte written here: the kernel's store must fault. */
	r = ppc_ptw_add(dev, w);
	if (r) {
		printf("# ADD: %s\n", ppc_errmsg());
		return r;
	}
	if (w->id)
		printf("# ADD: id %u written back, expected 0\n", w->id);
	return w->id == 0 ? 0 : -EINVAL;
}

static int add_in_private_file_page(void)
{
	struct kvm_ppc_pt_window w = ppc_ptw_window(td, 0, td->size, GW);
	char path[] = "/ptw-add-XXXXXX";
	struct kvm_ppc_pt_window *pw;
	volatile u8 sink;
	int fd = mkstemp(path);

	if (fd < 0 || write(fd, &w, sizeof(w)) != sizeof(w)) {
		printf("# %s: %s\n", path, strerror(errno));
		return -errno;
	}
	unlink(path);
	pw = mmap(NULL, getpagesize(), PROT_READ | PROT_WRITE, MAP_PRIVATE,
		  fd, 0);
	if (pw == MAP_FAILED)
		return -errno;
	/* Read-faulted: the page cache page, mapped read-only until CoW. */
	sink = *(volatile u8 *)pw;
	(void)sink;
	return add_at(pw);
}

static int add_in_cow_shared_page(void)
{
	struct kvm_ppc_pt_window *pw;
	pid_t pid;
	int r;

	pw = mmap(NULL, getpagesize(), PROT_READ | PROT_WRITE,
		  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (pw == MAP_FAILED)
		return -errno;
	*pw = ppc_ptw_window(td, 0, td->size, GW);
	/* A child shares the page copy-on-write while ADD writes to it. */
	pid = fork();
	if (pid < 0)
		return -errno;
	if (!pid) {
		pause();
		_exit(0);
	}
	r = add_at(pw);
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	return r;
}

static void test_add_cow(void)
{
	ksft_test_result(!in_child(add_in_private_file_page, "ADD"),
			 "ADD with its struct in a read-faulted MAP_PRIVATE file page returns, id written back (CoW fault runs the MMU notifier)\n");
	ksft_test_result(!in_child(add_in_cow_shared_page, "ADD"),
			 "ADD with its struct in a page shared copy-on-write with a forked child returns, id written back\n");
}

static void test_ownership(void)
{
	char path[256];
	struct kvm_ppc_pt_window w;
	struct ppc_vcpu *vcpu;
	struct ppc_vm *vm = ppc_guest_create(&vcpu);
	void *ro;
	int dev, fd, r;

	dev = vm ? ppc_ptw_create(vm) : -EIO;
	if (dev < 0)
		ksft_exit_fail_msg("device: %s\n", ppc_errmsg());
	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/resource0",
		 td->bdf);
	fd = open(path, O_RDONLY | O_SYNC);
	ro = fd < 0 ? MAP_FAILED :
	     mmap(NULL, td->map_len, PROT_READ, MAP_SHARED, fd, 0);
	if (ro == MAP_FAILED) {
		ksft_test_result_fail("read-only mapping of %s: %s\n", path,
				      strerror(errno));
	} else {
		w = ppc_ptw_window(td, 0, td->size, GW);
		w.host_uaddr = (unsigned long)ro + td->offset;
		r = ppc_ptw_add(dev, &w);
		if (r != -EACCES)
			ksft_print_msg("got %d (%s)\n", r, r ? ppc_errmsg() : "ok");
		if (!r)
			ppc_ptw_remove(dev, w.id);
		ksft_test_result(r == -EACCES,
				 "ADD of a PROT_READ mapping of an O_RDONLY resource0 is refused: -EACCES (guest stores must not reach the device)\n");
		munmap(ro, td->map_len);
	}
	if (fd >= 0)
		close(fd);

	/* 8K from pci-testdev's 4K BAR: the next 4K is virtio-net's. */
	w = ppc_ptw_window(td, 0, 2 * td->size, GW);
	r = ppc_ptw_add(dev, &w);
	if (r != -EPERM)
		ksft_print_msg("got %d (%s)\n", r, r ? ppc_errmsg() : "ok");
	ksft_test_result(r == -EPERM,
			 "ADD of host bytes beyond the BAR (into another device's BAR in the same 64K page) is refused: -EPERM\n");
	close(dev);
	ppc_vm_free(vm);
}

static void test_move_fields(void)
{
	struct kvm_ppc_pt_window w = ppc_ptw_window(td, 0, td->size, GW);
	struct kvm_ppc_pt_window_stats s0, s1;
	struct ppc_vcpu *vcpu;
	struct ppc_vm *vm = ppc_guest_create(&vcpu);
	int dev = vm ? ppc_ptw_create(vm) : -EIO, r1, r2, r3, r4;
	struct kvm_ppc_pt_window mv;
	struct kvm_device_attr a = {
		.group = KVM_DEV_PPC_PTW_GRP_CTRL, .attr = KVM_DEV_PPC_PTW_MOVE,
		.addr = (unsigned long)&mv,
	};

	if (dev < 0 || ppc_ptw_add(dev, &w))
		ksft_exit_fail_msg("window: %s\n", ppc_errmsg());
	ppc_ptw_stats(dev, &s0);
	mv = w;
	mv.guest_addr = GW2;
	mv.size = 2 * w.size;
	r1 = ioctl(dev, KVM_SET_DEVICE_ATTR, &a) ? -errno : 0;
	mv.size = w.size;
	mv.host_uaddr = w.host_uaddr + 0x10;
	r2 = ioctl(dev, KVM_SET_DEVICE_ATTR, &a) ? -errno : 0;
	mv.host_uaddr = w.host_uaddr;
	mv.msix_nvec = 4;
	r3 = ioctl(dev, KVM_SET_DEVICE_ATTR, &a) ? -errno : 0;
	ppc_ptw_stats(dev, &s1);
	ksft_test_result(r1 == -EINVAL && r2 == -EINVAL && r3 == -EINVAL &&
			 ppc_ptw_stats_eq(&s0, &s1),
			 "MOVE with size, host_uaddr or msix_nvec other than the window's: -EINVAL, nothing moved (%d %d %d)\n",
			 r1, r2, r3);
	mv.msix_nvec = 0;
	r4 = ioctl(dev, KVM_SET_DEVICE_ATTR, &a) ? -errno : 0;
	ksft_test_result(!r4 && !ppc_ptw_move(dev, w.id, GW),
			 "MOVE with the window's own fields (as ADD took them) and with them 0 both work\n");
	close(dev);
	ppc_vm_free(vm);
}

static long refcnt(void)
{
	char buf[32];

	if (ppc_sysfs_read(KVM_HV_REFCNT, buf, sizeof(buf)))
		return -1;
	return strtol(buf, NULL, 10);
}

static void test_module_ref(void)
{
	struct ppc_vcpu *vcpu;
	struct ppc_vm *vm;
	long r0, r1, r2, r3;
	int dev;

	r0 = refcnt();
	vm = ppc_guest_create(&vcpu);
	if (!vm)
		ksft_exit_fail_msg("guest: %s\n", ppc_errmsg());
	r1 = refcnt();
	dev = ppc_ptw_create(vm);
	r2 = refcnt();
	close(dev);
	ppc_vm_free(vm);
	r3 = refcnt();
	ksft_print_msg("kvm_hv refcnt: %ld, with a VM %ld, with its window device %ld, after both closed %ld\n",
		       r0, r1, r2, r3);
	ksft_test_result(r0 >= 0 && r2 == r1 + 1 && r3 == r0,
			 "the window device holds kvm-hv until the VM's teardown destroyed it\n");
}

static void test_nested_fallback(void)
{
	struct kvm_ppc_pt_window_stats s0, s1;
	char old[16] = "";
	struct ppc_vcpu *vcpu;
	struct vmm v = { 0 };
	bool nested = ppc_host_on_pseries();
	struct ppc_vm *vm;
	unsigned int bad;
	int dev;
	u32 id;

	if (ppc_sysfs_read(NESTED_4K, old, sizeof(old))) {
		ksft_test_result_fail("%s: %s\n", NESTED_4K, ppc_errmsg());
		return;
	}
	old[strcspn(old, "\n")] = 0;
	ksft_print_msg("host: %s; L0 %s; ptw_nested_4k=%s\n",
		       nested ? "nested (pseries)" : "bare metal",
		       ppc_host_l0_is_kvm() ? "is KVM" : "is not KVM", old);
	/* This VM is created with 4K leaves forbidden. */
	ppc_sysfs_write(NESTED_4K, "0");
	dev = vm_with_window(&vm, &vcpu, GW, &id);
	ppc_sysfs_write(NESTED_4K, old);
	if (dev < 0)
		ksft_exit_fail_msg("window: %s\n", ppc_errmsg());
	ppc_ptw_stats(dev, &s0);
	header_matches(vcpu, GW, &v, &bad);
	ppc_ptw_stats(dev, &s1);
	ppc_ptw_stats_sub(&s1, &s1, &s0);
	ppc_ptw_stats_print("ptw_nested_4k=0", &s1);
	/* The device says so, and the window VMM serves those exits. */
	if (nested)
		ksft_test_result(s1.maps_4k == 0 && !ppc_ptw_maps_4k &&
				 vcpu->served_mmio == 6 && !v.exits && !bad &&
				 s1.vmm_exits == 6,
				 "nested, 4K leaves refused (no KVM_PPC_PTW_INFO_MAP_4K): every load of a MAP4K page exits to the VMM and is counted (exits %llu)\n",
				 ULL(vcpu->served_mmio));
	else
		ksft_test_result(s1.maps_4k == 1 && v.exits == 0 && !bad,
				 "bare metal: ptw_nested_4k does not apply, the MAP4K page is mapped (exits %llu)\n",
				 ULL(v.exits));
	close(dev);
	ppc_vm_free(vm);
}


/* Guest loads of 8 bytes at @gpa and @ram; each must be what it should. */
static bool ram_and_window(struct ppc_vcpu *vcpu, u64 *ram_hva, bool window,
			   unsigned int *bad)
{
	unsigned int i, w[PPC_TESTDEV_HDR_LEN / 8], r[4];
	u64 mark = vcpu->served_mmio;
	struct vmm v = { 0 };

	*bad = 0;
	ppc_prog_init(&prog);
	for (i = 0; i < ARRAY_SIZE(r); i++)
		r[i] = ppc_prog_ld(&prog, 8, RAM_1G + i * PPC_SZ_64K);
	for (i = 0; window && i < ARRAY_SIZE(w); i++)
		w[i] = ppc_prog_ld(&prog, 8, GW_1G + 8 * i);
	if (ppc_prog_run(vcpu, &prog, vmm_mmio, NULL, &v))
		return false;
	for (i = 0; i < ARRAY_SIZE(r); i++)
		*bad += prog.s[r[i]].val != ram_hva[i * PPC_SZ_64K / 8];
	for (i = 0; window && i < ARRAY_SIZE(w); i++)
		*bad += prog.s[w[i]].val != ppc_bar_rd(td, 8 * i, 8);
	/* Without 4K leaves the window VMM serves the window's loads. */
	return !*bad && !v.exits &&
	       ppc_vcpu_served_since(vcpu, &mark) ==
	       PPC_PTW_EXPECT(0, window ? ARRAY_SIZE(w) : 0);
}

static void test_large_leaf(void)
{
	struct kvm_ppc_pt_window w = ppc_ptw_window(td, 0, td->size, GW_1G);
	long long l1_first, l1_ram, l1_after;
	unsigned int bad1, bad2, bad3, i;
	struct ppc_vcpu *vcpu;
	bool ok1, ok2, ok3;
	struct ppc_vm *vm;
	u64 *ram;
	u8 *huge;
	int dev, r;

	huge = mmap(NULL, SZ_1G, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB | MAP_HUGE_1GB,
		    -1, 0);
	if (huge == MAP_FAILED) {
		ksft_test_result_skip("no 1G hugetlb page here (hugepagesz=1G hugepages=1): %s\n",
				      strerror(errno));
		ksft_test_result_skip("no 1G hugetlb page here\n");
		return;
	}
	ram = (u64 *)(huge + (RAM_1G & (SZ_1G - 1)));
	for (i = 0; i < 4; i++)
		ram[i * PPC_SZ_64K / 8] = 0x5a5a000000000000ULL | i;

	/* Window first, then the RAM beside it is touched. */
	vm = ppc_guest_create(&vcpu);
	if (!vm)
		ksft_exit_fail_msg("guest: %s\n", ppc_errmsg());
	dev = ppc_ptw_create(vm);
	if (dev < 0)
		ksft_exit_fail_msg("device: %s\n", ppc_errmsg());
	r = ppc_vm_add_memslot(vm, RAM_1G, RAM_1G_SIZE, ram, 0);
	if (r < 0)
		ksft_exit_fail_msg("memslot: %d %s\n", r, ppc_errmsg());
	r = ppc_ptw_add(dev, &w);
	if (r)
		ksft_exit_fail_msg("window: %d %s\n", r, ppc_errmsg());
	ok1 = ram_and_window(vcpu, ram, true, &bad1);
	l1_first = ppc_vm_stat(vm, "num_1G_pages");
	ok2 = ram_and_window(vcpu, ram, true, &bad2);
	ksft_test_result(ok1 && ok2 && l1_first <= 0,
			 "window first, then RAM in its 1G region from a 1G host page: RAM mapped without a 1G leaf (%lld), window still reads pci-testdev (%u, %u wrong)\n",
			 l1_first, bad1, bad2);
	close(dev);
	ppc_vm_free(vm);

	/* RAM first (a 1G leaf), then the window. */
	vm = ppc_guest_create(&vcpu);
	dev = vm ? ppc_ptw_create(vm) : -EIO;
	if (dev < 0 || ppc_vm_add_memslot(vm, RAM_1G, RAM_1G_SIZE, ram, 0) < 0)
		ksft_exit_fail_msg("setup: %s\n", ppc_errmsg());
	ok3 = ram_and_window(vcpu, ram, false, &bad3);
	l1_ram = ppc_vm_stat(vm, "num_1G_pages");
	if (ppc_ptw_add(dev, &w))
		ksft_exit_fail_msg("window: %s\n", ppc_errmsg());
	l1_after = ppc_vm_stat(vm, "num_1G_pages");
	ok1 = ram_and_window(vcpu, ram, true, &bad1);
	ksft_print_msg("1G leaves: after RAM %lld, after ADD %lld\n", l1_ram,
		       l1_after);
	ksft_test_result(ok3 && ok1 && l1_after <= 0,
			 "RAM first (1G leaf: %lld), then a window in its 1G region: ADD takes the leaf out, window reads pci-testdev, RAM still right (%u wrong)\n",
			 l1_ram, bad1);
	close(dev);
	ppc_vm_free(vm);
	munmap(huge, SZ_1G);
}

struct unmapper {
	void *map;
	size_t len;
	unsigned int delay_us;
};

static void *unmap_later(void *arg)
{
	struct unmapper *u = arg;

	usleep(u->delay_us);
	munmap(u->map, u->len);
	return NULL;
}

static void test_add_munmap_race(void)
{
	unsigned int i, added = 0, refused = 0, live = 0, bad;
	char path[256];
	struct ppc_vcpu *vcpu;
	struct ppc_vm *vm = ppc_guest_create(&vcpu);
	int dev = vm ? ppc_ptw_create(vm) : -EIO, fd;

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/resource0",
		 td->bdf);
	fd = open(path, O_RDWR | O_SYNC);
	if (dev < 0 || fd < 0)
		ksft_exit_fail_msg("setup: %s\n", ppc_errmsg());
	srand(42);
	for (i = 0; i < 300; i++) {
		struct kvm_ppc_pt_window w;
		struct unmapper u = { .len = td->map_len };
		struct kvm_ppc_pt_window_stats s0, s1;
		struct vmm v = { 0 };
		u64 mark, exits;
		pthread_t t;
		int r;

		u.map = mmap(NULL, td->map_len, PROT_READ | PROT_WRITE,
			     MAP_SHARED, fd, 0);
		if (u.map == MAP_FAILED)
			ksft_exit_fail_msg("mmap: %s\n", strerror(errno));
		/* ADD takes tens of microseconds here: land inside it */
		u.delay_us = rand() % 80;
		w = ppc_ptw_window(td, 0, td->size, GW);
		w.host_uaddr = (unsigned long)u.map + td->offset;
		/*
		 * Every other ADD with a fake MSI-X table at 0x800: its trap
		 * (MMIO bus registration, an SRCU wait) makes ADD long, and
		 * the header loads then go to the device beside the table.
		 */
		if (i % 2) {
			w.msix_nvec = 4;
			w.msix_table_offset = 0x800;
			w.msix_pba_offset = 0xc00;
		}
		pthread_create(&t, NULL, unmap_later, &u);
		r = ppc_ptw_add(dev, &w);
		pthread_join(t, NULL);
		if (r) {
			refused++;
			continue;
		}
		added++;
		/*
		 * The host mapping is gone: the window must not map, every
		 * load exits (to this test, or without 4K leaves maybe to
		 * the window VMM, which maps the BAR itself).
		 */
		ppc_ptw_stats(dev, &s0);
		mark = vcpu->served_mmio;
		header_matches(vcpu, GW, &v, &bad);
		exits = v.exits + ppc_vcpu_served_since(vcpu, &mark);
		ppc_ptw_stats(dev, &s1);
		if (exits != 6 || s1.maps_4k != s0.maps_4k) {
			live++;
			ksft_print_msg("iteration %u (munmap after %u us): window live after munmap, %llu exits\n",
				       i, u.delay_us, ULL(exits));
		}
		ppc_ptw_remove(dev, w.id);
	}
	close(fd);
	ksft_print_msg("ADD vs munmap: %u added (then dead), %u refused\n",
		       added, refused);
	ksft_test_result(!live && added + refused == 300,
			 "ADD racing with the munmap of its host mapping: no window maps after the munmap (%u live of %u added)\n",
			 live, added);
	close(dev);
	ppc_vm_free(vm);
}

static void test_churn(void)
{
	unsigned int i, bad, fails = 0;

	for (i = 0; i < 24; i++) {
		struct ppc_vcpu *vcpu;
		struct vmm v = { 0 };
		struct ppc_vm *vm;
		int dev = -1;
		u32 id;

		if (i % 2) {
			vm = ppc_guest_create(&vcpu);
			if (!vm)
				ksft_exit_fail_msg("guest: %s\n", ppc_errmsg());
			/* No window here: the loads exit, with the fill. */
			header_matches(vcpu, GW, &v, &bad);
			fails += v.exits != 6 || bad != 6;
		} else {
			dev = vm_with_window(&vm, &vcpu, GW, &id);
			if (dev < 0)
				ksft_exit_fail_msg("window: %s\n", ppc_errmsg());
			fails += !header_matches(vcpu, GW, &v, &bad) ||
				 v.exits ||
				 vcpu->served_mmio != PPC_PTW_EXPECT(0, 6);
		}
		if (dev >= 0)
			close(dev);
		ppc_vm_free(vm);
	}
	ksft_test_result(!fails,
			 "24 VMs created and destroyed, every other one with a window: each reads pci-testdev's header through its own window, or exits without one (%u wrong)\n",
			 fails);
}

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	ksft_print_header();
	if (ppc_ptw_bed_open(&bed))
		ksft_exit_fail_msg("test bed: %s\n", ppc_errmsg());
	ksft_set_plan(12);
	test_add_cow();
	test_ownership();
	test_move_fields();
	test_module_ref();
	test_nested_fallback();
	test_large_leaf();
	test_add_munmap_race();
	test_churn();
	ppc_ptw_bed_close(&bed);
	ksft_finished();
}
