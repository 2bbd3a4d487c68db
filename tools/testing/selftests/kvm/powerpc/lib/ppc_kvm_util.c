// SPDX-License-Identifier: GPL-2.0-only
/*
 * Small KVM library for book3s HV selftests. See ppc_kvm_util.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/time.h>

#include "ppc_kvm_util.h"
#include "ppc_asm.h"

#define PPC_RUN_TIMEOUT_S	60

static char errmsg[512];

const char *ppc_errmsg(void)
{
	return errmsg;
}

/*
 * Record a message, with strerror(err) appended when err is not 0. Returns
 * -err, or -EPROTO when err is 0, so callers can "return ppc_set_err()".
 */
int ppc_set_err(int err, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(errmsg, sizeof(errmsg), fmt, ap);
	va_end(ap);
	if (err && n >= 0 && (size_t)n < sizeof(errmsg))
		snprintf(errmsg + n, sizeof(errmsg) - n, ": %s", strerror(err));
	return err ? -err : -EPROTO;
}

bool ppc_host_on_pseries(void)
{
	char buf[4096];
	FILE *f = fopen("/proc/cpuinfo", "r");
	bool yes = false;

	while (f && fgets(buf, sizeof(buf), f))
		yes |= !strncmp(buf, "platform", 8) && strstr(buf, "pSeries");
	if (f)
		fclose(f);
	return yes;
}

bool ppc_host_l0_is_kvm(void)
{
	char buf[64] = "";
	int fd = open("/proc/device-tree/hypervisor/compatible", O_RDONLY);

	if (fd >= 0) {
		if (read(fd, buf, sizeof(buf) - 1) < 0)
			buf[0] = 0;
		close(fd);
	}
	return strstr(buf, "linux,kvm");
}

int ppc_kvm_open(void)
{
	int fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);

	if (fd < 0)
		return ppc_set_err(errno, "open /dev/kvm");
	return fd;
}

int ppc_check_cap(int fd, long cap)
{
	int r = ioctl(fd, KVM_CHECK_EXTENSION, cap);

	if (r < 0)
		return ppc_set_err(errno, "KVM_CHECK_EXTENSION %ld", cap);
	return r;
}

long long ppc_vm_stat(struct ppc_vm *vm, const char *name)
{
	char path[128], buf[32];
	long long v;
	FILE *f;

	snprintf(path, sizeof(path), "/sys/kernel/debug/kvm/%d-%d/%s",
		 getpid(), vm->fd, name);
	f = fopen(path, "r");
	if (!f)
		return ppc_set_err(errno, "%s", path);
	if (!fgets(buf, sizeof(buf), f) || sscanf(buf, "%lld", &v) != 1)
		v = ppc_set_err(EIO, "%s: not a number", path);
	fclose(f);
	return v;
}

static const char * const exit_names[] = {
	[KVM_EXIT_UNKNOWN] = "UNKNOWN",
	[KVM_EXIT_EXCEPTION] = "EXCEPTION",
	[KVM_EXIT_IO] = "IO",
	[KVM_EXIT_HYPERCALL] = "HYPERCALL",
	[KVM_EXIT_DEBUG] = "DEBUG",
	[KVM_EXIT_HLT] = "HLT",
	[KVM_EXIT_MMIO] = "MMIO",
	[KVM_EXIT_IRQ_WINDOW_OPEN] = "IRQ_WINDOW_OPEN",
	[KVM_EXIT_SHUTDOWN] = "SHUTDOWN",
	[KVM_EXIT_FAIL_ENTRY] = "FAIL_ENTRY",
	[KVM_EXIT_INTR] = "INTR",
	[KVM_EXIT_SET_TPR] = "SET_TPR",
	[KVM_EXIT_TPR_ACCESS] = "TPR_ACCESS",
	[KVM_EXIT_NMI] = "NMI",
	[KVM_EXIT_INTERNAL_ERROR] = "INTERNAL_ERROR",
	[KVM_EXIT_OSI] = "OSI",
	[KVM_EXIT_PAPR_HCALL] = "PAPR_HCALL",
	[KVM_EXIT_WATCHDOG] = "WATCHDOG",
	[KVM_EXIT_EPR] = "EPR",
	[KVM_EXIT_SYSTEM_EVENT] = "SYSTEM_EVENT",
	[KVM_EXIT_IOAPIC_EOI] = "IOAPIC_EOI",
	[KVM_EXIT_HYPERV] = "HYPERV",
};

const char *ppc_exit_reason_str(u32 reason)
{
	if (reason < ARRAY_SIZE(exit_names) && exit_names[reason])
		return exit_names[reason];
	return "?";
}

static const char * const ucall_names[PPC_UCALL_NR_CODES] = {
	[PPC_UCALL_NONE] = "NONE",
	[PPC_UCALL_DONE] = "DONE",
	[PPC_UCALL_SYNC] = "SYNC",
	[PPC_UCALL_PRINT] = "PRINT",
	[PPC_UCALL_ASSERT_FAIL] = "ASSERT_FAIL",
	[PPC_UCALL_EXCEPTION] = "EXCEPTION",
};

const char *ppc_ucall_str(u64 code)
{
	return code < PPC_UCALL_NR_CODES ? ucall_names[code] : "?";
}

struct ppc_vm *ppc_vm_create(unsigned long type)
{
	struct ppc_vm *vm = calloc(1, sizeof(*vm));

	if (!vm) {
		ppc_set_err(ENOMEM, "allocating a VM");
		return NULL;
	}
	vm->page_size = sysconf(_SC_PAGESIZE);
	vm->type = type;
	vm->fd = -1;
	vm->kvm_fd = ppc_kvm_open();
	if (vm->kvm_fd < 0)
		goto fail;
	vm->fd = ioctl(vm->kvm_fd, KVM_CREATE_VM, type);
	if (vm->fd < 0) {
		ppc_set_err(errno, "KVM_CREATE_VM type %lu", type);
		goto fail;
	}
	return vm;
fail:
	ppc_vm_free(vm);
	return NULL;
}

static void vcpu_free(struct ppc_vcpu *vcpu)
{
	if (vcpu->run)
		munmap(vcpu->run, vcpu->run_size);
	if (vcpu->fd >= 0)
		close(vcpu->fd);
	free(vcpu);
}

void ppc_vm_free(struct ppc_vm *vm)
{
	unsigned int i;

	if (!vm)
		return;
	for (i = 0; i < vm->nr_vcpus; i++)
		vcpu_free(vm->vcpus[i]);
	if (vm->fd >= 0)
		close(vm->fd);
	if (vm->kvm_fd >= 0)
		close(vm->kvm_fd);
	/* The memory goes after the VM, so no memslot points to it */
	for (i = 0; i < vm->nr_slots; i++)
		if (vm->slots[i].owned)
			munmap(vm->slots[i].hva, vm->slots[i].size);
	free(vm);
}

static u32 free_slot_id(struct ppc_vm *vm)
{
	u32 id;
	unsigned int i;

	for (id = 0; ; id++) {
		for (i = 0; i < vm->nr_slots; i++)
			if (vm->slots[i].slot == id)
				break;
		if (i == vm->nr_slots)
			return id;
	}
}

/*
 * Add a memslot at gpa. With hva == NULL the library maps anonymous memory
 * (zeroed) and unmaps it with the VM. Returns the slot number.
 */
int ppc_vm_add_memslot(struct ppc_vm *vm, u64 gpa, u64 size, void *hva,
		       u32 flags)
{
	struct kvm_userspace_memory_region mr;
	struct ppc_memslot *s;
	bool owned = false;

	if (vm->nr_slots >= PPC_MAX_MEMSLOTS)
		return ppc_set_err(ENOSPC, "too many memslots");
	if ((gpa | size) & (vm->page_size - 1))
		return ppc_set_err(EINVAL,
				   "memslot 0x%llx+0x%llx not host-page aligned",
				   (unsigned long long)gpa,
				   (unsigned long long)size);
	if (!hva) {
		hva = mmap(NULL, size, PROT_READ | PROT_WRITE,
			   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
		if (hva == MAP_FAILED)
			return ppc_set_err(errno, "mmap of 0x%llx bytes",
					   (unsigned long long)size);
		owned = true;
	}
	s = &vm->slots[vm->nr_slots];
	mr.slot = free_slot_id(vm);
	mr.flags = flags;
	mr.guest_phys_addr = gpa;
	mr.memory_size = size;
	mr.userspace_addr = (unsigned long)hva;
	if (ioctl(vm->fd, KVM_SET_USER_MEMORY_REGION, &mr) < 0) {
		int err = errno;

		if (owned)
			munmap(hva, size);
		return ppc_set_err(err,
				   "KVM_SET_USER_MEMORY_REGION slot %u gpa 0x%llx size 0x%llx",
				   mr.slot, (unsigned long long)gpa,
				   (unsigned long long)size);
	}
	s->slot = mr.slot;
	s->gpa = gpa;
	s->size = size;
	s->hva = hva;
	s->owned = owned;
	vm->nr_slots++;
	return s->slot;
}

/* Delete the memslot that starts at gpa */
int ppc_vm_del_memslot(struct ppc_vm *vm, u64 gpa)
{
	struct kvm_userspace_memory_region mr = { 0 };
	struct ppc_memslot *s;
	unsigned int i;

	for (i = 0; i < vm->nr_slots; i++)
		if (vm->slots[i].gpa == gpa)
			break;
	if (i == vm->nr_slots)
		return ppc_set_err(ENOENT, "no memslot at 0x%llx",
				   (unsigned long long)gpa);
	s = &vm->slots[i];
	mr.slot = s->slot;
	mr.guest_phys_addr = s->gpa;
	if (ioctl(vm->fd, KVM_SET_USER_MEMORY_REGION, &mr) < 0)
		return ppc_set_err(errno, "deleting memslot %u", s->slot);
	if (s->owned)
		munmap(s->hva, s->size);
	vm->slots[i] = vm->slots[--vm->nr_slots];
	return 0;
}

void *ppc_gpa_to_hva(struct ppc_vm *vm, u64 gpa)
{
	unsigned int i;

	for (i = 0; i < vm->nr_slots; i++) {
		struct ppc_memslot *s = &vm->slots[i];

		if (gpa >= s->gpa && gpa - s->gpa < s->size)
			return (char *)s->hva + (gpa - s->gpa);
	}
	return NULL;
}

/*
 * Radix MMU for the guest: the process table (2^(12 + prts) bytes, aligned
 * to its size) lives at prtb_gpa in guest memory.
 */
int ppc_vm_configure_radix(struct ppc_vm *vm, u64 prtb_gpa, u64 prts,
			   bool gtse)
{
	struct kvm_ppc_mmuv3_cfg cfg = { 0 };

	if (prts > 24 || prtb_gpa & ((1ULL << (12 + prts)) - 1))
		return ppc_set_err(EINVAL, "bad process table 0x%llx size %llu",
				   (unsigned long long)prtb_gpa,
				   (unsigned long long)prts);
	cfg.flags = KVM_PPC_MMUV3_RADIX | (gtse ? KVM_PPC_MMUV3_GTSE : 0);
	cfg.process_table = PPC_PATB_GR | prtb_gpa | prts;
	if (ioctl(vm->fd, KVM_PPC_CONFIGURE_V3_MMU, &cfg) < 0)
		return ppc_set_err(errno, "KVM_PPC_CONFIGURE_V3_MMU");
	return 0;
}

struct ppc_vcpu *ppc_vcpu_add(struct ppc_vm *vm, int id)
{
	struct kvm_enable_cap papr = { .cap = KVM_CAP_PPC_PAPR };
	struct ppc_vcpu *vcpu;
	int size;

	if (vm->nr_vcpus >= PPC_MAX_VCPUS) {
		ppc_set_err(ENOSPC, "too many vCPUs");
		return NULL;
	}
	vcpu = calloc(1, sizeof(*vcpu));
	if (!vcpu) {
		ppc_set_err(ENOMEM, "allocating a vCPU");
		return NULL;
	}
	vcpu->vm = vm;
	vcpu->id = id;
	vcpu->timeout_s = PPC_RUN_TIMEOUT_S;
	vcpu->fd = ioctl(vm->fd, KVM_CREATE_VCPU, id);
	if (vcpu->fd < 0) {
		ppc_set_err(errno, "KVM_CREATE_VCPU %d", id);
		goto fail;
	}
	size = ioctl(vm->kvm_fd, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (size < (int)sizeof(struct kvm_run)) {
		ppc_set_err(size < 0 ? errno : EINVAL, "KVM_GET_VCPU_MMAP_SIZE");
		goto fail;
	}
	vcpu->run_size = size;
	vcpu->run = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED,
			 vcpu->fd, 0);
	if (vcpu->run == MAP_FAILED) {
		vcpu->run = NULL;
		ppc_set_err(errno, "mmap of kvm_run");
		goto fail;
	}
	/*
	 * HV KVM only runs PAPR guests: without this the vCPU is not "sane"
	 * and KVM_RUN fails with EINVAL.
	 */
	if (ioctl(vcpu->fd, KVM_ENABLE_CAP, &papr) < 0) {
		ppc_set_err(errno, "KVM_ENABLE_CAP(KVM_CAP_PPC_PAPR) on vCPU %d",
			    id);
		goto fail;
	}
	vm->vcpus[vm->nr_vcpus++] = vcpu;
	return vcpu;
fail:
	vcpu_free(vcpu);
	return NULL;
}

int ppc_vcpu_get_regs(struct ppc_vcpu *vcpu, struct kvm_regs *regs)
{
	if (ioctl(vcpu->fd, KVM_GET_REGS, regs) < 0)
		return ppc_set_err(errno, "KVM_GET_REGS");
	return 0;
}

int ppc_vcpu_set_regs(struct ppc_vcpu *vcpu, const struct kvm_regs *regs)
{
	if (ioctl(vcpu->fd, KVM_SET_REGS, regs) < 0)
		return ppc_set_err(errno, "KVM_SET_REGS");
	return 0;
}

int ppc_vcpu_get_one_reg(struct ppc_vcpu *vcpu, u64 id, u64 *val)
{
	struct kvm_one_reg reg = { .id = id, .addr = (unsigned long)val };

	if (ioctl(vcpu->fd, KVM_GET_ONE_REG, &reg) < 0)
		return ppc_set_err(errno, "KVM_GET_ONE_REG 0x%llx",
				   (unsigned long long)id);
	return 0;
}

int ppc_vcpu_set_one_reg(struct ppc_vcpu *vcpu, u64 id, u64 val)
{
	struct kvm_one_reg reg = { .id = id, .addr = (unsigned long)&val };

	if (ioctl(vcpu->fd, KVM_SET_ONE_REG, &reg) < 0)
		return ppc_set_err(errno, "KVM_SET_ONE_REG 0x%llx",
				   (unsigned long long)id);
	return 0;
}

/* Real mode, little endian, GPRs cleared, stack in r1, entry at pc */
int ppc_vcpu_reset(struct ppc_vcpu *vcpu, u64 pc)
{
	struct kvm_regs regs;
	int r;

	r = ppc_vcpu_get_regs(vcpu, &regs);
	if (r)
		return r;
	memset(regs.gpr, 0, sizeof(regs.gpr));
	regs.pc = pc;
	regs.msr = PPC_GUEST_MSR;
	regs.cr = 0;
	regs.ctr = 0;
	regs.lr = 0;
	regs.xer = 0;
	regs.srr0 = 0;
	regs.srr1 = 0;
	regs.gpr[1] = PPC_GUEST_STACK_TOP - 0x1000ULL * vcpu->id;
	return ppc_vcpu_set_regs(vcpu, &regs);
}

static int run_timed_out;

static void run_alarm(int sig)
{
	__atomic_store_n(&run_timed_out, 1, __ATOMIC_RELAXED);
}

static void run_watchdog(unsigned int seconds)
{
	static bool installed;
	struct itimerval it = { 0 };

	if (!installed) {
		struct sigaction sa = { 0 };

		/* No SA_RESTART: KVM_RUN must return -EINTR */
		sa.sa_handler = run_alarm;
		sigemptyset(&sa.sa_mask);
		sigaction(SIGALRM, &sa, NULL);
		installed = true;
	}
	/* Re-fire every second in case one lands outside KVM_RUN */
	if (seconds) {
		it.it_value.tv_sec = seconds;
		it.it_interval.tv_sec = 1;
	}
	setitimer(ITIMER_REAL, &it, NULL);
}

/*
 * One KVM_RUN. Counts the exit. Returns 0, or a negative errno (-EINTR
 * when the watchdog fired: the guest ran for timeout_s seconds).
 */
int ppc_vcpu_run(struct ppc_vcpu *vcpu)
{
	u32 reason;
	int r, err;

again:
	__atomic_store_n(&run_timed_out, 0, __ATOMIC_RELAXED);
	run_watchdog(vcpu->timeout_s);
	r = ioctl(vcpu->fd, KVM_RUN, 0);
	err = errno;
	run_watchdog(0);
	vcpu->nr_runs++;
	if (r < 0) {
		struct kvm_regs regs = { 0 };

		ioctl(vcpu->fd, KVM_GET_REGS, &regs);
		if (err == EINTR &&
		    __atomic_load_n(&run_timed_out, __ATOMIC_RELAXED)) {
			ppc_set_err(0, "guest still running after %u s (pc 0x%llx)",
				    vcpu->timeout_s,
				    (unsigned long long)regs.pc);
			return -EINTR;
		}
		return ppc_set_err(err, "KVM_RUN (pc 0x%llx)",
				   (unsigned long long)regs.pc);
	}
	reason = vcpu->run->exit_reason;
	vcpu->exits[reason < PPC_NR_EXIT_REASONS ? reason :
		    PPC_NR_EXIT_REASONS - 1]++;
	if (ppc_vcpu_serve_mmio(vcpu))
		goto again;
	return 0;
}

bool ppc_vcpu_serve_mmio(struct ppc_vcpu *vcpu)
{
	struct ppc_vm *vm = vcpu->vm;

	if (vcpu->run->exit_reason != KVM_EXIT_MMIO || !vm->serve_mmio ||
	    !vm->serve_mmio(vm->serve_opaque, vcpu->run))
		return false;
	vcpu->served_mmio++;
	return true;
}

/* Decode the last exit as a ucall; returns its code or PPC_UCALL_NONE */
u64 ppc_vcpu_get_ucall(struct ppc_vcpu *vcpu, struct ppc_ucall *uc)
{
	struct kvm_run *run = vcpu->run;
	int i;

	memset(uc, 0, sizeof(*uc));
	if (run->exit_reason != KVM_EXIT_PAPR_HCALL ||
	    run->papr_hcall.nr != PPC_UCALL_HCALL)
		return PPC_UCALL_NONE;
	uc->code = run->papr_hcall.args[0];
	for (i = 0; i < PPC_UCALL_MAX_ARGS; i++)
		uc->args[i] = run->papr_hcall.args[1 + i];
	/* The guest sees H_SUCCESS in r3 when it resumes */
	run->papr_hcall.ret = 0;
	/* An invalid code is reported as PPC_UCALL_NR_CODES */
	if (uc->code == PPC_UCALL_NONE || uc->code >= PPC_UCALL_NR_CODES)
		return PPC_UCALL_NR_CODES;
	vcpu->ucalls[uc->code]++;
	return uc->code;
}

static int unexpected_exit(struct ppc_vcpu *vcpu)
{
	struct kvm_run *run = vcpu->run;
	struct kvm_regs regs = { 0 };

	ioctl(vcpu->fd, KVM_GET_REGS, &regs);
	switch (run->exit_reason) {
	case KVM_EXIT_MMIO:
		return ppc_set_err(0,
				   "unexpected MMIO %s of %u bytes at 0x%llx (pc 0x%llx)",
				   run->mmio.is_write ? "store" : "load",
				   run->mmio.len,
				   (unsigned long long)run->mmio.phys_addr,
				   (unsigned long long)regs.pc);
	case KVM_EXIT_PAPR_HCALL:
		return ppc_set_err(0,
				   "unexpected hcall 0x%llx (pc 0x%llx)",
				   (unsigned long long)run->papr_hcall.nr,
				   (unsigned long long)regs.pc);
	default:
		return ppc_set_err(0, "unexpected exit %u (%s) (pc 0x%llx)",
				   run->exit_reason,
				   ppc_exit_reason_str(run->exit_reason),
				   (unsigned long long)regs.pc);
	}
}

/*
 * Run until the guest makes a ucall other than PRINT. MMIO exits go to mmio
 * (or are an error without one). Returns the ucall code, or a negative errno
 * with ppc_errmsg() set.
 */
int ppc_vcpu_run_to_ucall(struct ppc_vcpu *vcpu, struct ppc_ucall *uc,
			  ppc_mmio_fn mmio, void *opaque)
{
	for (;;) {
		struct kvm_run *run = vcpu->run;
		u64 code;
		int r;

		r = ppc_vcpu_run(vcpu);
		if (r)
			return r;
		if (run->exit_reason == KVM_EXIT_MMIO && mmio) {
			r = mmio(vcpu, run, opaque);
			if (r)
				return r;
			continue;
		}
		code = ppc_vcpu_get_ucall(vcpu, uc);
		if (code == PPC_UCALL_NONE)
			return unexpected_exit(vcpu);
		if (code == PPC_UCALL_NR_CODES)
			return ppc_set_err(0, "bad ucall code 0x%llx",
					   (unsigned long long)uc->code);
		if (code == PPC_UCALL_PRINT) {
			printf("# guest: 0x%llx 0x%llx 0x%llx\n",
			       (unsigned long long)uc->args[0],
			       (unsigned long long)uc->args[1],
			       (unsigned long long)uc->args[2]);
			continue;
		}
		return code;
	}
}

/*
 * Run to the next ucall and require it to be "code". Returns 0, or a
 * negative errno with a message that says what the guest did instead.
 */
int ppc_vcpu_run_expect(struct ppc_vcpu *vcpu, u64 code, struct ppc_ucall *uc,
			ppc_mmio_fn mmio, void *opaque)
{
	struct ppc_ucall tmp;
	int r;

	if (!uc)
		uc = &tmp;
	r = ppc_vcpu_run_to_ucall(vcpu, uc, mmio, opaque);
	if (r < 0)
		return r;
	if ((u64)r == code)
		return 0;
	switch (r) {
	case PPC_UCALL_ASSERT_FAIL:
		return ppc_set_err(0,
				   "guest assert %llu failed: 0x%llx != 0x%llx",
				   (unsigned long long)uc->args[0],
				   (unsigned long long)uc->args[1],
				   (unsigned long long)uc->args[2]);
	case PPC_UCALL_EXCEPTION:
		return ppc_set_err(0,
				   "guest exception 0x%llx at 0x%llx (srr1 0x%llx)",
				   (unsigned long long)uc->args[0],
				   (unsigned long long)uc->args[1],
				   (unsigned long long)uc->args[2]);
	default:
		return ppc_set_err(0, "guest ucall %s, expected %s",
				   ppc_ucall_str(r), ppc_ucall_str(code));
	}
}

void ppc_vcpu_clear_stats(struct ppc_vcpu *vcpu)
{
	vcpu->nr_runs = 0;
	memset(vcpu->exits, 0, sizeof(vcpu->exits));
	vcpu->served_mmio = 0;
	memset(vcpu->ucalls, 0, sizeof(vcpu->ucalls));
}

u64 ppc_vcpu_served_since(struct ppc_vcpu *vcpu, u64 *mark)
{
	u64 n = vcpu->served_mmio - *mark;

	*mark = vcpu->served_mmio;
	return n;
}

void ppc_vcpu_print_stats(struct ppc_vcpu *vcpu)
{
	int i;

	printf("# vcpu %d: %llu runs;", vcpu->id,
	       (unsigned long long)vcpu->nr_runs);
	for (i = 0; i < PPC_NR_EXIT_REASONS; i++)
		if (vcpu->exits[i])
			printf(" %s=%llu", ppc_exit_reason_str(i),
			       (unsigned long long)vcpu->exits[i]);
	if (vcpu->served_mmio)
		printf(" (MMIO served by the window VMM: %llu)",
		       (unsigned long long)vcpu->served_mmio);
	printf("; ucalls:");
	for (i = 1; i < PPC_UCALL_NR_CODES; i++)
		if (vcpu->ucalls[i])
			printf(" %s=%llu", ppc_ucall_str(i),
			       (unsigned long long)vcpu->ucalls[i]);
	printf("\n");
}

/*
 * Each 32-byte slot of 0x0..0xfff reports PPC_UCALL_EXCEPTION with the
 * slot's address (the vector), SRR0 and SRR1, in 8 instructions.
 */
static void install_vectors(void *mem)
{
	struct ppc_asm *a = malloc(sizeof(*a));
	u64 vec;

	if (!a)
		return;
	for (vec = 0; vec < PPC_GUEST_CODE_GPA; vec += 0x20) {
		ppc_asm_init(a, vec);
		ppc_mfspr(a, 6, PPC_SPR_SRR0);
		ppc_mfspr(a, 7, PPC_SPR_SRR1);
		ppc_li(a, 5, vec);
		ppc_li(a, 4, PPC_UCALL_EXCEPTION);
		ppc_li(a, 3, PPC_UCALL_HCALL);
		ppc_sc1(a);
		ppc_b(a, vec + 12);
		ppc_nop(a);
		memcpy((char *)mem + vec, a->insns, 4 * a->n);
	}
	free(a);
}

/*
 * An HV VM with PPC_GUEST_RAM_SIZE of anonymous memory at guest address 0
 * (memslot 0), exception vectors, radix with GTSE (hpt_order == 0) or an
 * HPT of 2^hpt_order bytes, and one vCPU (id 0) with LPCR[ILE] set and
 * reset to PPC_GUEST_CODE_GPA.
 */
static struct ppc_vm *guest_create(struct ppc_vcpu **vcpup, u32 hpt_order)
{
	struct ppc_vcpu *vcpu;
	struct ppc_vm *vm;
	u64 lpcr;
	void *mem;

	vm = ppc_vm_create(KVM_VM_PPC_HV);
	if (!vm)
		return NULL;
	if (ppc_vm_add_memslot(vm, 0, PPC_GUEST_RAM_SIZE, NULL, 0) < 0)
		goto fail;
	mem = ppc_gpa_to_hva(vm, 0);
	install_vectors(mem);
	if (!hpt_order) {
		if (ppc_vm_configure_radix(vm, PPC_GUEST_PRTB_GPA,
					   PPC_GUEST_PRTB_PRTS, true))
			goto fail;
	} else if (ppc_vm_allocate_htab(vm, hpt_order)) {
		goto fail;
	}
	vcpu = ppc_vcpu_add(vm, 0);
	if (!vcpu)
		goto fail;
	/* Interrupts are taken little endian, as the guest code is */
	if (ppc_vcpu_get_one_reg(vcpu, KVM_REG_PPC_LPCR_64, &lpcr) ||
	    ppc_vcpu_set_one_reg(vcpu, KVM_REG_PPC_LPCR_64,
				 lpcr | PPC_LPCR_ILE))
		goto fail;
	if (ppc_vcpu_reset(vcpu, PPC_GUEST_CODE_GPA))
		goto fail;
	if (vcpup)
		*vcpup = vcpu;
	return vm;
fail:
	ppc_vm_free(vm);
	return NULL;
}

/* The standard guest: radix (see guest_create()) */
struct ppc_vm *ppc_guest_create(struct ppc_vcpu **vcpup)
{
	return guest_create(vcpup, 0);
}

/* The standard guest with an HPT of 2^order bytes instead of radix */
struct ppc_vm *ppc_hash_guest_create(struct ppc_vcpu **vcpup, u32 order)
{
	if (!order)
		order = PPC_HPT_ORDER_DEFAULT;
	return guest_create(vcpup, order);
}

/* KVM_PPC_ALLOCATE_HTAB: the VM stays HPT with a table of 2^order bytes */
int ppc_vm_allocate_htab(struct ppc_vm *vm, u32 order)
{
	u32 o = order;

	if (ioctl(vm->fd, KVM_PPC_ALLOCATE_HTAB, &o) < 0)
		return ppc_set_err(errno, "KVM_PPC_ALLOCATE_HTAB order %u",
				   order);
	if (o != order)
		return ppc_set_err(0, "KVM_PPC_ALLOCATE_HTAB: order %u, asked %u",
				   o, order);
	return 0;
}

/*
 * The primary hash of a 4K page in a 256M segment, for an HPT of 2^order
 * bytes (2^(order - 7) PTEGs of 8 HPTEs): the guest's pte_index is the
 * first slot of that PTEG. The AVPN in pteh is VA >> 23 at bit 7 (old
 * format: B = 0, 256M segment).
 */
void ppc_hpt_map_4k(struct ppc_hpt_map *m, u32 order, u64 vsid, u64 ea,
		    u64 gpa, u64 wimg)
{
	u64 off = ea & ((1ULL << PPC_SID_SHIFT) - 1);
	u64 hash = (vsid ^ (off >> 12)) & ((1ULL << (order - 7)) - 1);

	memset(m, 0, sizeof(*m));
	m->ea = ea;
	m->gpa = gpa;
	m->vsid = vsid;
	m->pte_index = hash * 8;
	m->pteh = (vsid << 12) | ((off >> 23) << 7) | PPC_HPTE_V_BOLTED |
		  PPC_HPTE_V_VALID;
	m->ptel = (gpa & ~0xfffULL) | wimg | PPC_HPTE_R_PP_RW;
	m->slbv = vsid << PPC_SLB_VSID_SHIFT;
	m->slbe = (ea & ~((1ULL << PPC_SID_SHIFT) - 1)) | PPC_SLB_ESID_V;
}

void ppc_hpt_map_64k(struct ppc_hpt_map *m, u32 order, u64 vsid, u64 ea,
		     u64 gpa, u64 wimg)
{
	u64 off = ea & ((1ULL << PPC_SID_SHIFT) - 1);
	u64 hash = (vsid ^ (off >> 16)) & ((1ULL << (order - 7)) - 1);

	ppc_hpt_map_4k(m, order, vsid, ea, gpa, wimg);
	m->pte_index = hash * 8;
	m->pteh |= PPC_HPTE_V_LARGE;
	m->ptel = (gpa & ~0xffffULL) | PPC_HPTE_R_LP_64K | wimg |
		  PPC_HPTE_R_PP_RW;
	m->slbv |= PPC_SLB_VSID_L | PPC_SLB_VSID_LP_64K;
}

int ppc_hash_host(void)
{
	int kvm_fd = ppc_kvm_open(), radix, hash;

	if (kvm_fd < 0)
		return kvm_fd;
	radix = ppc_check_cap(kvm_fd, KVM_CAP_PPC_MMU_RADIX);
	hash = ppc_check_cap(kvm_fd, KVM_CAP_PPC_MMU_HASH_V3);
	close(kvm_fd);
	if (radix < 0 || hash < 0)
		return radix < 0 ? radix : hash;
	if (radix || hash != 1) {
		ppc_set_err(0, "not a hash host (MMU_RADIX = %d, MMU_HASH_V3 = %d)",
			    radix, hash);
		return 0;
	}
	return 1;
}

/* Copy the code to a->base, make it visible to instruction fetch, reset */
int ppc_guest_load(struct ppc_vcpu *vcpu, const struct ppc_asm *a)
{
	char *dst;

	if (a->err)
		return ppc_set_err(EINVAL, "guest code: %s", a->err);
	if (a->base < PPC_GUEST_CODE_GPA ||
	    a->base + 4ULL * a->n > PPC_GUEST_CODE_GPA + PPC_GUEST_CODE_SIZE)
		return ppc_set_err(EINVAL, "guest code outside the code area");
	dst = ppc_gpa_to_hva(vcpu->vm, a->base);
	if (!dst)
		return ppc_set_err(EFAULT, "no memory at 0x%llx",
				   (unsigned long long)a->base);
	memcpy(dst, a->insns, 4 * a->n);
	__builtin___clear_cache(dst, dst + 4 * a->n);
	return ppc_vcpu_reset(vcpu, a->base);
}

/*
 * Run a guest that makes the accesses in order, each exactly once, then
 * reports DONE. The values loaded land in acc[i].val (zero-extended).
 * MMIO exits go to mmio. Returns 0 or a negative errno.
 */
int ppc_guest_run_accesses(struct ppc_vcpu *vcpu, struct ppc_access *acc,
			   unsigned int n, ppc_mmio_fn mmio, void *opaque)
{
	u64 *res = ppc_gpa_to_hva(vcpu->vm, PPC_GUEST_DATA_GPA);
	struct ppc_asm *a;
	unsigned int i;
	int r;

	if (!res || PPC_GUEST_DATA_GPA + 8ULL * n > PPC_GUEST_STACK_TOP - 0x10000)
		return ppc_set_err(E2BIG, "%u accesses do not fit", n);
	a = malloc(sizeof(*a));
	if (!a)
		return ppc_set_err(ENOMEM, "allocating guest code");
	ppc_asm_init(a, PPC_GUEST_CODE_GPA);
	for (i = 0; i < n; i++) {
		ppc_li64(a, 31, acc[i].gpa);
		if (acc[i].write) {
			ppc_li64(a, 14, acc[i].val);
			ppc_store(a, acc[i].size, 14, 0, 31);
		} else {
			ppc_load(a, acc[i].size, 14, 0, 31);
			ppc_li64(a, 30, PPC_GUEST_DATA_GPA + 8ULL * i);
			ppc_std(a, 14, 0, 30);
		}
	}
	ppc_sync(a);
	ppc_done(a);
	memset(res, 0xee, 8ULL * n);
	r = ppc_guest_load(vcpu, a);
	free(a);
	if (!r)
		r = ppc_vcpu_run_expect(vcpu, PPC_UCALL_DONE, NULL, mmio,
					opaque);
	if (r)
		return r;
	for (i = 0; i < n; i++)
		if (!acc[i].write)
			acc[i].val = res[i];
	return 0;
}
