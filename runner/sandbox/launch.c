/*
 * socklab-launch: the first program inside every student sandbox.
 *
 * Why it exists:
 *  - node-pty on Linux drops the tail of a fast-exiting program's output
 *    (libuv reads the pty hang-up as end of file while bytes are still
 *    buffered). The launcher keeps the pty slave open after the student's
 *    program exits and prints an exit marker; the runner knows every byte
 *    before the marker has arrived, then kills the launcher.
 *  - It applies the per-process limits (rlimits, nice) and a seccomp filter
 *    that blocks TIOCSTI/TIOCLINUX (terminal input injection,
 *    CVE-2017-5226) without `bwrap --new-session`, so Ctrl-C still reaches
 *    the program as SIGINT.
 *  - It closes every inherited descriptor above 2.
 *
 * Usage: socklab-launch [--LIMIT N ...] -- PROGRAM [ARGS...]
 * The marker tag is read from SOCKLAB_EXIT_TAG and removed from the
 * environment; the launcher makes itself non-dumpable so the student's
 * program (same uid) cannot read it from /proc/<pid>/environ.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#if defined(__x86_64__)
#define SOCKLAB_AUDIT_ARCH AUDIT_ARCH_X86_64
#elif defined(__aarch64__)
#define SOCKLAB_AUDIT_ARCH AUDIT_ARCH_AARCH64
#else
#error "socklab-launch supports x86_64 and aarch64"
#endif

#ifndef TIOCLINUX
#define TIOCLINUX 0x541C
#endif

static void die(const char *what) {
  dprintf(2, "socklab-launch: %s: %s\r\n", what, strerror(errno));
  _exit(127);
}

static void install_seccomp(void) {
  struct sock_filter filter[] = {
    BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SOCKLAB_AUDIT_ARCH, 1, 0),
    BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS),
    BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
    /* x32 system calls carry bit 30; refuse them so ioctl has one number. */
    BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, 0x40000000, 5, 0),
    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_ioctl, 0, 3),
    /* The kernel compares the request as a 32-bit value: check the low word. */
    BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, args[1])),
    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, TIOCSTI, 2, 0),
    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, TIOCLINUX, 1, 0),
    BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
    BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | (EPERM & SECCOMP_RET_DATA)),
  };
  struct sock_fprog prog = { .len = sizeof(filter) / sizeof(filter[0]), .filter = filter };
  if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) die("no_new_privs");
  if (prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog) != 0) die("seccomp");
}

static void set_limit(int resource, const char *value) {
  char *end;
  unsigned long long v = strtoull(value, &end, 10);
  if (*end != '\0') { errno = EINVAL; die("bad limit value"); }
  struct rlimit rl = { .rlim_cur = (rlim_t)v, .rlim_max = (rlim_t)v };
  if (setrlimit(resource, &rl) != 0) die("setrlimit");
}

static void close_inherited_fds(void) {
#ifdef SYS_close_range
  if (syscall(SYS_close_range, 3U, ~0U, 0U) == 0) return;
#endif
  for (int fd = 3; fd < 65536; fd++) close(fd);
}

int main(int argc, char **argv) {
  int i = 1;
  int niceness = 0;
  for (; i < argc; i += 2) {
    if (strcmp(argv[i], "--") == 0) { i++; break; }
    if (i + 1 >= argc) { errno = EINVAL; die("missing limit value"); }
    const char *flag = argv[i], *value = argv[i + 1];
    if (strcmp(flag, "--nproc") == 0) set_limit(RLIMIT_NPROC, value);
    else if (strcmp(flag, "--data") == 0) set_limit(RLIMIT_DATA, value);
    else if (strcmp(flag, "--fsize") == 0) set_limit(RLIMIT_FSIZE, value);
    else if (strcmp(flag, "--nofile") == 0) set_limit(RLIMIT_NOFILE, value);
    else if (strcmp(flag, "--cpu") == 0) set_limit(RLIMIT_CPU, value);
    else if (strcmp(flag, "--core") == 0) set_limit(RLIMIT_CORE, value);
    else if (strcmp(flag, "--nice") == 0) niceness = atoi(value);
    else { errno = EINVAL; die(flag); }
  }
  if (i >= argc) { errno = EINVAL; die("no program given"); }

  char tag[128] = "";
  const char *env_tag = getenv("SOCKLAB_EXIT_TAG");
  if (env_tag) {
    snprintf(tag, sizeof tag, "%s", env_tag);
    unsetenv("SOCKLAB_EXIT_TAG");
  }
  prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
  close_inherited_fds();
  if (niceness) setpriority(PRIO_PROCESS, 0, niceness);

  /* The launcher must survive the keys a student presses at the program. */
  signal(SIGINT, SIG_IGN);
  signal(SIGQUIT, SIG_IGN);
  signal(SIGTSTP, SIG_IGN);
  signal(SIGTTOU, SIG_IGN);
  signal(SIGTTIN, SIG_IGN);

  pid_t child = fork();
  if (child < 0) die("fork");
  if (child == 0) {
    setpgid(0, 0);
    if (isatty(0)) tcsetpgrp(0, getpid());
    signal(SIGINT, SIG_DFL);
    signal(SIGQUIT, SIG_DFL);
    signal(SIGTSTP, SIG_DFL);
    signal(SIGTTOU, SIG_DFL);
    signal(SIGTTIN, SIG_DFL);
    install_seccomp();
    execvp(argv[i], &argv[i]);
    dprintf(2, "socklab: cannot start %s: %s\r\n", argv[i], strerror(errno));
    _exit(127);
  }
  setpgid(child, child);

  int status = 0;
  while (waitpid(child, &status, 0) < 0) {
    if (errno != EINTR) die("waitpid");
  }
  int code = 0, sig = 0;
  if (WIFEXITED(status)) code = WEXITSTATUS(status);
  else if (WIFSIGNALED(status)) { sig = WTERMSIG(status); code = 128 + sig; }

  /* Everything the program wrote is already in the pty ahead of this. */
  dprintf(1, "\033]6973;%s;%d;%d\007", tag, code, sig);
  /* Hold the slave open until the runner, having read the marker, kills us. */
  alarm(30);
  for (;;) pause();
}
