/*-------------------------------------------------------------------------
 *
 * numa_syscalls_fail.c
 *		Run a command with the kernel refusing its NUMA system calls.
 *
 *		numa_syscalls_fail EPERM|ENOSYS command [args...]
 *
 * Installs a seccomp filter that makes get_mempolicy, set_mempolicy,
 * mbind, migrate_pages and move_pages fail with the given errno, then
 * execs the command; its children (a postmaster and its backends) inherit
 * the filter.  This is what a container's seccomp profile does (EPERM), or
 * a kernel without the calls (ENOSYS): the test suite uses it to run a
 * real server in those conditions, with no mock of the kernel.
 *
 * IDENTIFICATION
 *	  test/tools/numa_syscalls_fail.c
 *
 *-------------------------------------------------------------------------
 */
#include <errno.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#if defined(__x86_64__)
#define FILTER_ARCH AUDIT_ARCH_X86_64
#elif defined(__aarch64__)
#define FILTER_ARCH AUDIT_ARCH_AARCH64
#else
#error "numa_syscalls_fail: add this architecture's AUDIT_ARCH"
#endif

/* if (nr == syscall) return ERRNO(err) */
#define REFUSE(nr) \
	BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (nr), 0, 1), \
	BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | (err & SECCOMP_RET_DATA))

int
main(int argc, char **argv)
{
	int			err;

	if (argc < 3 || (strcmp(argv[1], "EPERM") != 0 && strcmp(argv[1], "ENOSYS") != 0))
	{
		fprintf(stderr, "usage: %s EPERM|ENOSYS command [args...]\n", argv[0]);
		return 2;
	}
	err = strcmp(argv[1], "EPERM") == 0 ? EPERM : ENOSYS;

	{
		struct sock_filter filter[] = {
			BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
			BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, FILTER_ARCH, 1, 0),
			BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
			BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
			REFUSE(__NR_get_mempolicy),
			REFUSE(__NR_set_mempolicy),
			REFUSE(__NR_mbind),
			REFUSE(__NR_migrate_pages),
			REFUSE(__NR_move_pages),
			BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
		};
		struct sock_fprog prog = {
			.len = sizeof(filter) / sizeof(filter[0]),
			.filter = filter,
		};

		if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0)
		{
			perror("prctl(PR_SET_NO_NEW_PRIVS)");
			return 1;
		}
		if (prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog) != 0)
		{
			perror("prctl(PR_SET_SECCOMP)");
			return 1;
		}
	}
	execvp(argv[2], argv + 2);
	perror(argv[2]);
	return 127;
}
