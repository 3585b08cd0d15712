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
 *    (see install_seccomp) that blocks TIOCSTI/TIOCLINUX (terminal input
 *    injection, CVE-2017-5226) without `bwrap --new-session`, so Ctrl-C
 *    still reaches the program as SIGINT, every socket family but Unix,
 *    IPv4, IPv6 and routing netlink, io_uring and the kernel keyring.
 *  - Under the `host` backend it is a child subreaper and, once the program
 *    has exited, kills and reaps everything the program left behind (a
 *    double-forked daemon too): there is no pid namespace to end them.
 *  - It closes every inherited descriptor above 2, and makes the program the
 *    first choice of the kernel's OOM killer.
 *
 * Usage: socklab-launch [--LIMIT N ...] -- PROGRAM [ARGS...]
 *
 * The marker tag is read from SOCKLAB_EXIT_TAG, wiped from the environment
 * block (what /proc/<pid>/environ shows) and removed from the environment
 * before the program starts. Only the launcher ever holds it, so the
 * student's program must never be able to read the launcher's memory nor
 * stop or kill it (a program that could would print a forged "exited 0"
 * while it keeps running, or keep the real marker from being printed):
 *  - The launcher makes itself non-dumpable before anything else: a process
 *    of the same uid without CAP_SYS_PTRACE in the launcher's user namespace
 *    can then neither ptrace it nor read its /proc/<pid>/{environ,mem}.
 *  - Under bwrap it runs as pid 1 of the program's pid namespace
 *    (`bwrap --as-pid-1`: no bwrap process with the tag in its environment
 *    is left inside that namespace). The kernel delivers to a namespace's
 *    pid 1 only the signals it has a handler for when they come from inside
 *    the namespace, even SIGKILL and SIGSTOP; the launcher installs no
 *    handler at all (signals it ignores are SIG_IGN, and it waits for
 *    SIGCHLD with the signal blocked), so the program cannot signal it. The
 *    runner, outside the namespace, still can. Being pid 1 it also inherits
 *    every orphan of the program and reaps them; once the program has
 *    exited it kills whatever the program left behind, so nothing can get
 *    between its repair of the terminal (see restore_terminal) and the
 *    marker.
 *  - Under the `host` backend (no isolation by design) it is an ordinary
 *    process of the student's uid.
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
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
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

#ifndef AF_NETLINK
#define AF_NETLINK 16
#endif
#define NETLINK_ROUTE_PROTOCOL 0 /* getaddrinfo(AI_ADDRCONFIG), getifaddrs, Java's NetworkInterface */

#define RET_ERRNO(e) BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | ((e) & SECCOMP_RET_DATA))
#define RET_ALLOW BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW)
/* Loads the low 32 bits of a system call argument (both architectures are little-endian). */
#define LOAD_ARG(n) BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, args[n]))
/* if (A == k) skip `t` instructions, else skip `f` */
#define IF_EQ(k, t, f) BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (k), (t), (f))

/*
 * What a student's program may not do, with the errno that makes language
 * runtimes fall back instead of failing:
 *  - TIOCSTI/TIOCLINUX ioctls (EPERM): typing into the terminal.
 *  - socket()/socketpair() of any family but AF_UNIX, AF_INET, AF_INET6 and
 *    AF_NETLINK with NETLINK_ROUTE (EAFNOSUPPORT): AF_VSOCK reaches the
 *    host past the network namespace; packet, other netlink families,
 *    bluetooth, alg... are never needed to learn sockets.
 *  - io_uring and the kernel keyring (ENOSYS, as on a kernel without them:
 *    libuv then uses its thread pool): large attack surfaces nobody needs.
 * Offsets below count instructions; each block ends in a return.
 */
static void install_seccomp(void) {
  struct sock_filter filter[] = {
    /* 0 */ BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
    /* 1 */ IF_EQ(SOCKLAB_AUDIT_ARCH, 1, 0),
    /* 2 */ BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS),
    /* 3 */ BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
    /* x32 system calls carry bit 30; refuse them so each call has one number. */
    /* 4 */ BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, 0x40000000, 14, 0), /* -> 19 EPERM */
    /* 5 */ IF_EQ(__NR_ioctl, 9, 0),           /* -> 15 */
    /* 6 */ IF_EQ(__NR_socket, 14, 0),         /* -> 21 */
    /* 7 */ IF_EQ(__NR_socketpair, 13, 0),     /* -> 21 */
    /* 8 */ IF_EQ(__NR_io_uring_setup, 5, 0),  /* -> 14 ENOSYS */
    /* 9 */ IF_EQ(__NR_io_uring_enter, 4, 0),
    /* 10 */ IF_EQ(__NR_io_uring_register, 3, 0),
    /* 11 */ IF_EQ(__NR_keyctl, 2, 0),
    /* 12 */ IF_EQ(__NR_add_key, 1, 0),
    /* 13 */ IF_EQ(__NR_request_key, 0, 6),    /* -> 14 / 20 allow */
    /* 14 */ RET_ERRNO(ENOSYS),
    /* ioctl (from 5) */
    /* 15 */ LOAD_ARG(1), /* the kernel compares the request as a 32-bit value */
    /* 16 */ IF_EQ(TIOCSTI, 2, 0),             /* -> 19 */
    /* 17 */ IF_EQ(TIOCLINUX, 1, 0),           /* -> 19 */
    /* 18 */ RET_ALLOW,
    /* 19 */ RET_ERRNO(EPERM),
    /* 20 */ RET_ALLOW,
    /* socket, socketpair: args[0] is the family, args[2] the protocol */
    /* 21 */ LOAD_ARG(0),
    /* 22 */ IF_EQ(AF_UNIX, 3, 0),             /* -> 26 */
    /* 23 */ IF_EQ(AF_INET, 2, 0),             /* -> 26 */
    /* 24 */ IF_EQ(AF_INET6, 1, 0),            /* -> 26 */
    /* 25 */ IF_EQ(AF_NETLINK, 1, 3),          /* -> 27 / 29 */
    /* 26 */ RET_ALLOW,
    /* 27 */ LOAD_ARG(2),
    /* 28 */ IF_EQ(NETLINK_ROUTE_PROTOCOL, 1, 0), /* -> 30 */
    /* 29 */ RET_ERRNO(EAFNOSUPPORT),
    /* 30 */ RET_ALLOW,
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

/*
 * Undoes what the program may have done to the terminal that would garble or
 * hold back the marker: another line discipline (N_NULL swallows output),
 * lower case mapped to upper case (the tag is lower-case hex), output
 * stopped (tcflow TCOOFF). Runs once nothing of the program is left (pid 1),
 * so nothing can undo it again before the marker is written. Each change is
 * made only when needed: switching the line discipline back discards output
 * the runner has not read yet (the program's own switch already did).
 */
static void restore_terminal(int fd) {
  /* First: under another line discipline even isatty() (TCGETS) fails. */
  int ldisc = 0;
  const int n_tty = 0; /* N_TTY */
  if (ioctl(fd, TIOCGETD, &ldisc) != 0) return; /* not a terminal */
  if (ldisc != n_tty) ioctl(fd, TIOCSETD, &n_tty);
  struct termios t;
  if (tcgetattr(fd, &t) == 0 && (t.c_oflag & OLCUC)) {
    t.c_oflag &= ~OLCUC;
    tcsetattr(fd, TCSANOW, &t);
  }
  tcflow(fd, TCOON);
}

/*
 * Out of memory (its session's cgroup, or the machine), the kernel kills the
 * student's program first: never the launcher, the session's holder or
 * socket agent, nor the runner. Raising one's own score needs no privilege.
 * Called in the child, after the tag was wiped from its memory.
 */
static void prefer_for_oom_kill(void) {
  /*
   * A non-dumpable process's /proc files belong to root: become dumpable
   * (as exec would make us anyway) now that this child holds no tag.
   */
  prctl(PR_SET_DUMPABLE, 1, 0, 0, 0);
  FILE *f = fopen("/proc/self/oom_score_adj", "w");
  if (!f) return; /* no /proc: the kernel's own choice then */
  fputs("1000", f);
  fclose(f);
}

/*
 * Host backend only (a subreaper, not a namespace's pid 1): kills every
 * descendant the program left, level by level (an orphan is reparented to
 * us once its parent is dead), and reaps them all.
 */
static void kill_descendants(void) {
  char path[64];
  snprintf(path, sizeof path, "/proc/self/task/%d/children", (int)getpid());
  for (;;) {
    FILE *f = fopen(path, "r");
    if (f) {
      long pid;
      while (fscanf(f, "%ld", &pid) == 1) kill((pid_t)pid, SIGKILL);
      fclose(f);
    }
    if (waitpid(-1, NULL, 0) < 0 && errno == ECHILD) break;
  }
}

/* Bounds of the go message (the runner's PtyProcess.go checks them too). */
#define GO_MAX_BYTES 4096
#define GO_MAX_ARGS 64

/*
 * Prepared ahead (--wait-go 1): the runner starts a session's next program
 * while the student reads (or with the sandbox made ahead for the next
 * session), up to here, and says "go" with the program's argv when Run is
 * pressed;
 * what the press then waits for is one fork and the program's exec, not
 * the joiner, bubblewrap, its mounts and this launcher. Nothing of the
 * student's runs yet: the limits are set, the tag is wiped from the
 * environment, and the seccomp filter still comes in the child before exec
 * as for any program. The runner is the only writer of the pty's input
 * into before Run), so what is read here is the runner's: "g", then the
 * program's argv, each argument ended by a NUL, and one more NUL. The
 * terminal's own settings are put back (input not read is discarded) before
 * the program gets it. Anything else (the runner closed the pty) ends the
 * launcher without starting anything.
 */
static char go_bytes[GO_MAX_BYTES];
static char *go_argv[GO_MAX_ARGS + 1];

static char **wait_for_go(const char *tag) {
  struct termios saved, quiet;
  if (tcgetattr(0, &saved) != 0) die("wait-go: not a terminal");
  quiet = saved;
  /* Raw: no echo, no line editing, every byte as written (NUL, no flow control). */
  cfmakeraw(&quiet);
  quiet.c_cc[VMIN] = 1;
  quiet.c_cc[VTIME] = 0;
  if (tcsetattr(0, TCSANOW, &quiet) != 0) die("wait-go: terminal");
  /* Only now may the go message come (written earlier, it would be echoed). */
  dprintf(1, "\033]6973;%s;ready\007", tag);
  size_t len = 0;
  for (;;) {
    if (len == sizeof go_bytes) _exit(0);
    ssize_t n = read(0, go_bytes + len, sizeof go_bytes - len);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) _exit(0);
    len += (size_t)n;
    if (len >= 3 && go_bytes[len - 1] == '\0' && go_bytes[len - 2] == '\0') break;
  }
  if (go_bytes[0] != 'g') _exit(0);
  size_t argc = 0;
  for (size_t at = 1; at < len - 1 && go_bytes[at] != '\0';) {
    if (argc == GO_MAX_ARGS) _exit(0);
    go_argv[argc++] = &go_bytes[at];
    at += strlen(&go_bytes[at]) + 1;
  }
  if (argc == 0) _exit(0);
  go_argv[argc] = NULL;
  if (tcsetattr(0, TCSAFLUSH, &saved) != 0) die("wait-go: terminal");
  /* The terminal is the program's now: the runner holds what is typed until
     this marker, since a byte that came before it was read raw (no echo, no
     CR to NL) or thrown away by the flush above. */
  dprintf(1, "\033]6973;%s;go\007", tag);
  return go_argv;
}

/* How long the launcher holds the pty open after the marker if nobody kills it. */
#define HOLD_SECONDS 30

/* Reaps every child that has ended without waiting (orphans of the program). */
static void reap_any(void) {
  while (waitpid(-1, NULL, WNOHANG) > 0) {}
}

int main(int argc, char **argv) {
  /* First of all: nobody of our uid may trace us or read our memory. */
  if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0) die("dumpable");
  /* Under bwrap the binary is /.socklab/launch; one name in ps everywhere. */
  prctl(PR_SET_NAME, "socklab-launch", 0, 0, 0);

  char tag[128] = "";
  char *env_tag = getenv("SOCKLAB_EXIT_TAG");
  if (env_tag) {
    snprintf(tag, sizeof tag, "%s", env_tag);
    /* unsetenv only drops the pointer: wipe the bytes of the original block. */
    memset(env_tag, 'x', strlen(env_tag));
    unsetenv("SOCKLAB_EXIT_TAG");
  }

  int i = 1;
  int niceness = 0;
  int wait_go = 0;
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
    else if (strcmp(flag, "--wait-go") == 0) wait_go = strcmp(value, "1") == 0;
    else { errno = EINVAL; die(flag); }
  }
  /* Ahead, the program comes with the go (wait_for_go), never on the command line. */
  if (wait_go ? i < argc : i >= argc) { errno = EINVAL; die(wait_go ? "--wait-go takes the program from the runner" : "no program given"); }

  /* Not pid 1 (the host backend): orphans of the program come to us, not to init. */
  if (getpid() != 1 && prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0) die("subreaper");
  close_inherited_fds();
  if (niceness) setpriority(PRIO_PROCESS, 0, niceness);

  /*
   * The launcher must survive the keys a student presses at the program.
   * SIG_IGN, never a handler: as pid 1 a handler would let the program
   * signal us.
   */
  signal(SIGINT, SIG_IGN);
  signal(SIGQUIT, SIG_IGN);
  signal(SIGTSTP, SIG_IGN);
  signal(SIGTTOU, SIG_IGN);
  signal(SIGTTIN, SIG_IGN);
  signal(SIGCHLD, SIG_DFL); /* SIG_IGN would reap children behind our back */
  sigset_t chld, none;
  sigemptyset(&chld);
  sigaddset(&chld, SIGCHLD);
  sigemptyset(&none);
  sigprocmask(SIG_BLOCK, &chld, NULL);
  /* After SIGTTOU is ignored: the terminal may be set from any process group. */
  char **program = wait_go ? wait_for_go(tag) : &argv[i];

  pid_t child = fork();
  if (child < 0) die("fork");
  if (child == 0) {
    memset(tag, 0, sizeof tag);
    setpgid(0, 0);
    if (isatty(0)) tcsetpgrp(0, getpid());
    signal(SIGINT, SIG_DFL);
    signal(SIGQUIT, SIG_DFL);
    signal(SIGTSTP, SIG_DFL);
    signal(SIGTTOU, SIG_DFL);
    signal(SIGTTIN, SIG_DFL);
    sigprocmask(SIG_SETMASK, &none, NULL);
    prefer_for_oom_kill();
    install_seccomp();
    execvp(program[0], program);
    dprintf(2, "socklab: cannot start %s: %s\r\n", program[0], strerror(errno));
    _exit(127);
  }
  setpgid(child, child);

  /* Reap everything (as pid 1 the program's orphans are ours) until the program ends. */
  int status = 0;
  for (;;) {
    int st;
    pid_t done = waitpid(-1, &st, 0);
    if (done == child) { status = st; break; }
    if (done < 0 && errno != EINTR) die("waitpid");
  }
  int code = 0, sig = 0;
  if (WIFEXITED(status)) code = WEXITSTATUS(status);
  else if (WIFSIGNALED(status)) { sig = WTERMSIG(status); code = 128 + sig; }

  /*
   * As pid 1 of the program's namespace, end what the program left behind
   * (a background child, a daemon) now: the runner would kill it right
   * after the marker anyway, and none of it may touch the terminal between
   * restore_terminal() and the marker. Never kill(-1) on the `host`
   * backend (it would hit every process of the uid): there the launcher, a
   * subreaper, ends its own descendants.
   */
  if (getpid() == 1) {
    kill(-1, SIGKILL);
    for (;;) {
      if (waitpid(-1, NULL, 0) < 0 && errno != EINTR) break; /* ECHILD: all gone */
    }
  } else {
    kill_descendants();
  }
  restore_terminal(1);

  /* Everything the program wrote is already in the pty ahead of this. */
  dprintf(1, "\033]6973;%s;%d;%d\007", tag, code, sig);
  memset(tag, 0, sizeof tag);

  /*
   * Hold the slave open until the runner, having read the marker, kills us.
   * Not alarm(): as a namespace's pid 1 without a handler, SIGALRM would be
   * dropped. Leftover children keep being reaped meanwhile. If nobody came,
   * exit with the program's status: what the runner reads without a marker.
   */
  struct timespec now, end;
  clock_gettime(CLOCK_MONOTONIC, &end);
  end.tv_sec += HOLD_SECONDS;
  for (;;) {
    reap_any();
    clock_gettime(CLOCK_MONOTONIC, &now);
    if (now.tv_sec > end.tv_sec || (now.tv_sec == end.tv_sec && now.tv_nsec >= end.tv_nsec)) _exit(code & 0xff);
    struct timespec left = { end.tv_sec - now.tv_sec, end.tv_nsec - now.tv_nsec };
    if (left.tv_nsec < 0) { left.tv_sec--; left.tv_nsec += 1000000000L; }
    sigtimedwait(&chld, NULL, &left);
  }
}
