/*
 * socklab-join: puts the rest of its command line into a session, in one
 * exec. The session's holder, every start of a student program, every
 * read of the work dir and every socket agent go through it; before, each
 * took up to four execs (sh to join the cgroups, prlimit, setpriv,
 * nsenter), and on a machine where a bare exec costs milliseconds those
 * were much of the time from Run to the program's first byte.
 *
 * In this order, each step as the tool it replaces did it:
 *  1. --cgroup FILE (repeatable): writes "0" (itself) to each file (a
 *     cgroup v1 `tasks` or v2 `cgroup.procs`, cgroups.ts joinFiles), so
 *     everything it becomes and starts is born inside the session's
 *     cgroups. It has one thread: in `tasks` that thread alone moves, which
 *     on v1 spares the kernel's global lock and its wait (see joinFiles).
 *  2. --nproc N: RLIMIT_NPROC (soft and hard), set before the namespaces
 *     are joined so it bounds all processes of the session together.
 *  3. --uid N: becomes uid and gid N with no supplementary groups and
 *     empty inheritable and ambient capability sets (setpriv --reuid
 *     --regid --clear-groups --inh-caps=-all): as root it gives up every
 *     capability at the uid change, and the program it runs gets none.
 *  4. --target PID --ns LIST: joins those namespaces of PID (LIST of user,
 *     ipc, uts, net, pid, mnt), the user namespace first, keeping its
 *     credentials (nsenter --preserve-credentials); with --root also PID's
 *     root and working directory (nsenter -r -w).
 *  5. execs PROGRAM; after joining a pid namespace, in a child (setns()
 *     only moves the children, and the kernel refuses a new user or pid
 *     namespace to a process whose children are born in another one than
 *     its own), while it waits and exits as the child did (nsenter's way).
 *
 * Any failure prints why and exits 126 before PROGRAM runs.
 *
 * Usage: socklab-join [--cgroup FILE]... [--nproc N] [--uid N]
 *                     [--target PID --ns LIST [--root]] -- PROGRAM [ARGS...]
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/capability.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define MAX_CGROUPS 8

static void die(const char *what, const char *detail) {
  int e = errno;
  if (detail) dprintf(2, "socklab-join: %s %s: %s\n", what, detail, strerror(e));
  else dprintf(2, "socklab-join: %s: %s\n", what, strerror(e));
  _exit(126);
}

static void usage(const char *why) {
  dprintf(2, "socklab-join: %s\nusage: socklab-join [--cgroup FILE]... [--nproc N] [--uid N] [--target PID --ns LIST [--root]] -- PROGRAM [ARGS...]\n", why);
  _exit(126);
}

static unsigned long number(const char *flag, const char *value) {
  char *end;
  errno = 0;
  // strtoul takes "-1" as ULONG_MAX: only plain digits, and nothing a
  // pid, uid or rlimit could not be.
  if (*value < '0' || *value > '9') usage(flag);
  unsigned long v = strtoul(value, &end, 10);
  if (errno || *end != '\0' || v > 0x7fffffffUL) usage(flag);
  return v;
}

static void join_cgroup(const char *procs) {
  int fd = open(procs, O_WRONLY | O_CLOEXEC);
  if (fd < 0) die("join cgroup", procs);
  if (write(fd, "0\n", 2) != 2) die("join cgroup", procs);
  close(fd);
}

static void drop_to(uid_t uid) {
  /* The inheritable set first, while we may still change it; ambient follows it. */
  struct __user_cap_header_struct head = { _LINUX_CAPABILITY_VERSION_3, 0 };
  struct __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3];
  if (syscall(SYS_capget, &head, data) != 0) die("capget", NULL);
  for (int i = 0; i < _LINUX_CAPABILITY_U32S_3; i++) data[i].inheritable = 0;
  if (syscall(SYS_capset, &head, data) != 0) die("capset", NULL);
  if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) != 0 && errno != EINVAL) die("clear ambient capabilities", NULL);
  if (setgroups(0, NULL) != 0) die("setgroups", NULL);
  if (setresgid(uid, uid, uid) != 0) die("setresgid", NULL);
  if (setresuid(uid, uid, uid) != 0) die("setresuid", NULL);
}

/* The namespaces a caller may ask for, in the order they are joined after the user namespace (nsenter's). */
static const struct { const char *name; int type; } KINDS[] = {
  { "ipc", CLONE_NEWIPC }, { "uts", CLONE_NEWUTS }, { "net", CLONE_NEWNET }, { "pid", CLONE_NEWPID }, { "mnt", CLONE_NEWNS },
};
#define NKINDS (sizeof KINDS / sizeof KINDS[0])

static int open_ns(long target, const char *name) {
  char path[64];
  snprintf(path, sizeof path, "/proc/%ld/ns/%s", target, name);
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) die("open", path);
  return fd;
}

/* Joins the namespaces; returns whether one of them is a pid namespace. */
static int enter(long target, const char *list, int root) {
  int want_user = 0, want[NKINDS] = { 0 };
  char copy[128];
  if (strlen(list) >= sizeof copy) usage("--ns: too long");
  strcpy(copy, list);
  for (char *save = NULL, *name = strtok_r(copy, ",", &save); name; name = strtok_r(NULL, ",", &save)) {
    size_t k = 0;
    if (strcmp(name, "user") == 0) { want_user = 1; continue; }
    while (k < NKINDS && strcmp(name, KINDS[k].name) != 0) k++;
    if (k == NKINDS) usage("--ns: unknown namespace");
    want[k] = 1;
  }
  /* Every file is opened before any namespace is joined: the mount namespace changes what /proc shows. */
  int user_fd = want_user ? open_ns(target, "user") : -1;
  int fds[NKINDS];
  for (size_t k = 0; k < NKINDS; k++) fds[k] = want[k] ? open_ns(target, KINDS[k].name) : -1;
  int root_fd = -1, wd_fd = -1;
  if (root) {
    char path[64];
    snprintf(path, sizeof path, "/proc/%ld/root", target);
    if ((root_fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) die("open", path);
    snprintf(path, sizeof path, "/proc/%ld/cwd", target);
    if ((wd_fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) die("open", path);
  }
  /* The user namespace first: it gives the capabilities that joining the others needs. */
  if (user_fd >= 0 && setns(user_fd, CLONE_NEWUSER) != 0) die("join namespace", "user");
  for (size_t k = 0; k < NKINDS; k++) {
    if (fds[k] >= 0 && setns(fds[k], KINDS[k].type) != 0) die("join namespace", KINDS[k].name);
  }
  if (root) {
    if (fchdir(root_fd) != 0 || chroot(".") != 0) die("enter the root of", "the session");
    if (fchdir(wd_fd) != 0) die("enter the working directory of", "the session");
  }
  if (user_fd >= 0) close(user_fd);
  for (size_t k = 0; k < NKINDS; k++) if (fds[k] >= 0) close(fds[k]);
  if (root_fd >= 0) close(root_fd);
  if (wd_fd >= 0) close(wd_fd);
  int pid = 0;
  for (size_t k = 0; k < NKINDS; k++) pid |= want[k] && KINDS[k].type == CLONE_NEWPID;
  return pid;
}

/*
 * Forks; only the child returns. The parent stops when the child stops,
 * and ends as it did: its exit code, or killed by the same signal.
 */
static void continue_as_child(void) {
  signal(SIGCHLD, SIG_DFL);
  pid_t child = fork();
  if (child < 0) die("fork", NULL);
  if (child == 0) return;
  int status = 0;
  for (;;) {
    pid_t done = waitpid(child, &status, WUNTRACED);
    if (done < 0 && errno == EINTR) continue;
    if (done == child && WIFSTOPPED(status)) {
      kill(getpid(), SIGSTOP);
      kill(child, SIGCONT);
      continue;
    }
    break;
  }
  if (WIFEXITED(status)) _exit(WEXITSTATUS(status));
  if (WIFSIGNALED(status)) {
    signal(WTERMSIG(status), SIG_DFL);
    kill(getpid(), WTERMSIG(status));
  }
  _exit(1);
}

int main(int argc, char **argv) {
  const char *cgroups[MAX_CGROUPS];
  int ncgroups = 0, root = 0, has_nproc = 0, has_uid = 0;
  unsigned long nproc = 0, uid = 0, target = 0;
  const char *ns = NULL;
  int i = 1;
  for (; i < argc; i++) {
    const char *flag = argv[i];
    if (strcmp(flag, "--") == 0) { i++; break; }
    if (strcmp(flag, "--root") == 0) { root = 1; continue; }
    if (i + 1 >= argc) usage("a flag without its value");
    const char *value = argv[++i];
    if (strcmp(flag, "--cgroup") == 0) {
      if (ncgroups == MAX_CGROUPS) usage("too many --cgroup");
      cgroups[ncgroups++] = value;
    } else if (strcmp(flag, "--nproc") == 0) { nproc = number(flag, value); has_nproc = 1; }
    else if (strcmp(flag, "--uid") == 0) { uid = number(flag, value); has_uid = 1; }
    else if (strcmp(flag, "--target") == 0) target = number(flag, value);
    else if (strcmp(flag, "--ns") == 0) ns = value;
    else usage(flag);
  }
  if (i >= argc) usage("no program given");
  if ((ns != NULL) != (target != 0) || (root && !ns)) usage("--target, --ns and --root go together");
  if (has_uid && (uid == 0 || uid > 0x7fffffffUL)) usage("--uid must be a user other than root");

  for (int c = 0; c < ncgroups; c++) join_cgroup(cgroups[c]);
  if (has_nproc) {
    struct rlimit rl = { .rlim_cur = (rlim_t)nproc, .rlim_max = (rlim_t)nproc };
    if (setrlimit(RLIMIT_NPROC, &rl) != 0) die("setrlimit", "nproc");
  }
  if (has_uid) drop_to((uid_t)uid);
  if (ns && enter((long)target, ns, root)) continue_as_child();
  execvp(argv[i], &argv[i]);
  die("cannot run", argv[i]);
}
