/*
 * socklab-holder: the first program of every session sandbox (bwrap.ts), the
 * "holder" whose namespaces the session's programs join.
 *
 * It starts with CAP_SYS_ADMIN and CAP_NET_ADMIN in the session's user
 * namespace (nothing outside it), which no student process ever has, and:
 *  - bounds the inodes of the session's tmpfs mounts /work, /tmp and
 *    /dev/shm (bwrap can only bound their size), keeping each mount's flags;
 *  - mounts the session's devpts at /.socklab/pts with at most PTYS ptys
 *    (bwrap's own --dev devpts has no limit: one program took 3,071 ptys of
 *    the machine);
 *  - bounds TCP buffers in the session's network namespace, through the
 *    host's /proc/sys/net bound at /.socklab/net (it shows the reader's own
 *    namespace; bwrap's /proc/sys is read-only), or says "warning ..." when
 *    it cannot;
 *  - says "ready", drops CAP_SYS_ADMIN for good, and then serves the
 *    runner's commands on stdin, one at a time, each answered with one line,
 *    "ok" or "error <message>":
 *      nft <script>      applies one nftables script (one line) with nft
 *      files <bytes>     the next <bytes> bytes are a tar archive: extracted
 *                        into /work by tar, with no capability at all
 *    It exits when the runner closes its stdin.
 *
 * It is C rather than the shell script it replaces because a grade makes a
 * sandbox per check: the script cost seven process starts (sh, four mounts,
 * setpriv, sh) before the first program, and writing the files cost four
 * more from the runner (a fork of the runner, sh, setpriv, nsenter, tar);
 * this costs one, and one tar.
 *
 * Usage: socklab-holder INODES MAX_TCP_BUFFER PTYS
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

/* The longest command line: an nft script of the runner's (loss.ts) is a few hundred bytes. */
#define MAX_LINE 8192
/* The most of a command's own output kept for its error line. */
#define MAX_OUTPUT 2000

static char in_buf[65536];
static size_t in_have, in_at;

static void say(const char *line) {
  size_t len = strlen(line);
  while (len > 0) {
    ssize_t n = write(1, line, len);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) _exit(0); /* the runner is gone */
    line += n;
    len -= (size_t)n;
  }
}

/* Fills in_buf when it is empty; 0 at end of input. */
static int fill(void) {
  if (in_at < in_have) return 1;
  for (;;) {
    ssize_t n = read(0, in_buf, sizeof in_buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return 0;
    in_at = 0;
    in_have = (size_t)n;
    return 1;
  }
}

/* One line of stdin without its newline (a longer one is cut); 0 at end of input. */
static int read_line(char *line, size_t size) {
  size_t len = 0;
  for (;;) {
    if (!fill()) return 0;
    char c = in_buf[in_at++];
    if (c == '\n') break;
    if (len + 1 < size) line[len++] = c;
  }
  line[len] = 0;
  return 1;
}

/* A whole number from 0 to max, or -1. */
static long number(const char *text, long max) {
  char *end;
  errno = 0;
  long v = strtol(text, &end, 10);
  return errno || end == text || *end || v < 0 || v > max ? -1 : v;
}

/* The mount flags of `path` (nosuid, nodev...), as mount(2) takes them; (unsigned long)-1 if it cannot tell. */
static unsigned long flags_of(const char *path) {
  struct statvfs st;
  if (statvfs(path, &st) < 0) return (unsigned long)-1;
  /* statvfs's ST_ bits are not all mount(2)'s MS_ bits (ST_RELATIME is MS_BIND's value): one by one. */
  static const unsigned long flags[][2] = {
      {ST_RDONLY, MS_RDONLY}, {ST_NOSUID, MS_NOSUID}, {ST_NODEV, MS_NODEV}, {ST_NOEXEC, MS_NOEXEC}, {ST_SYNCHRONOUS, MS_SYNCHRONOUS},
      {ST_MANDLOCK, MS_MANDLOCK}, {ST_NOATIME, MS_NOATIME}, {ST_NODIRATIME, MS_NODIRATIME}, {ST_RELATIME, MS_RELATIME},
  };
  unsigned long kept = 0;
  for (size_t i = 0; i < sizeof flags / sizeof flags[0]; i++)
    if (st.f_flag & flags[i][0]) kept |= flags[i][1];
  return kept;
}

/* Remounts a tmpfs with at most `inodes` inodes, keeping its flags and its size. */
static int bound_inodes(const char *path, long inodes) {
  unsigned long kept = flags_of(path);
  if (kept == (unsigned long)-1) return -1;
  char data[64];
  snprintf(data, sizeof data, "nr_inodes=%ld", inodes);
  return mount("none", path, NULL, MS_REMOUNT | kept, data);
}

static int write_file(const char *path, const char *text) {
  int fd = open(path, O_WRONLY | O_CLOEXEC);
  if (fd < 0) return -1;
  ssize_t n = write(fd, text, strlen(text));
  int failed = n != (ssize_t)strlen(text);
  close(fd);
  return failed ? -1 : 0;
}

/* Keeps CAP_NET_ADMIN (for nft) and nothing else: CAP_SYS_ADMIN goes from every set it is in. */
static void drop_sys_admin(void) {
  struct __user_cap_header_struct head = {_LINUX_CAPABILITY_VERSION_3, 0};
  struct __user_cap_data_struct data[2] = {{0}};
  data[0].effective = data[0].permitted = data[0].inheritable = 1u << CAP_NET_ADMIN;
  if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 || syscall(SYS_capset, &head, data) < 0 ||
      prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, CAP_NET_ADMIN, 0, 0) < 0) {
    perror("socklab-holder: dropping CAP_SYS_ADMIN");
    exit(1);
  }
}

/* Drops the next `left` bytes of stdin: the rest of an archive its tar did not read is not the next command. */
static void skip_input(size_t left) {
  while (left > 0) {
    if (!fill()) _exit(0); /* the runner is gone */
    size_t skip = in_have - in_at < left ? in_have - in_at : left;
    in_at += skip;
    left -= skip;
  }
}

/*
 * Runs argv with `len` bytes on its stdin: those of `text`, or when text is
 * NULL the next `len` bytes of our own stdin. Answers "ok" when it exits 0,
 * else "error " and the start of what it printed.
 */
static void run(char *const argv[], const char *text, size_t len, int no_caps) {
  int in[2], out[2];
  if (pipe2(in, O_CLOEXEC) < 0 || pipe2(out, O_CLOEXEC) < 0) {
    if (!text) skip_input(len);
    say("error pipe failed\n");
    return;
  }
  pid_t pid = fork();
  if (pid == 0) {
    dup2(in[0], 0);
    dup2(out[1], 1);
    dup2(out[1], 2);
    /* tar writes the student's files with no capability at all, like a program of the session. */
    if (no_caps) prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
    execvp(argv[0], argv);
    _exit(127);
  }
  close(in[0]);
  close(out[1]);
  char output[MAX_OUTPUT + 1];
  size_t kept = 0, left = len;
  int in_open = 1, out_open = 1;
  /* Writing and reading at once: a child that prints a lot while we still write must not block us both. */
  while (out_open || left > 0) {
    if (in_open && left == 0) {
      close(in[1]);
      in_open = 0;
    }
    if (!in_open && left > 0) {
      /* It stopped reading (it exited, or fork failed). */
      if (!text) skip_input(left);
      left = 0;
      continue;
    }
    if (in_open && !text && in_at >= in_have && !fill()) _exit(0); /* the runner is gone mid-archive */
    struct pollfd p[2] = {{out_open ? out[0] : -1, POLLIN, 0}, {in_open ? in[1] : -1, POLLOUT, 0}};
    if (poll(p, 2, -1) < 0) {
      if (errno == EINTR) continue;
      _exit(1);
    }
    if (p[0].revents) {
      char chunk[4096];
      ssize_t n = read(out[0], chunk, sizeof chunk);
      if (n == 0 || (n < 0 && errno != EINTR)) out_open = 0;
      else if (n > 0) {
        size_t take = (size_t)n < MAX_OUTPUT - kept ? (size_t)n : MAX_OUTPUT - kept;
        memcpy(output + kept, chunk, take);
        kept += take;
      }
    }
    if (p[1].revents) {
      const char *from = text ? text + (len - left) : in_buf + in_at;
      size_t avail = text ? left : in_have - in_at;
      ssize_t n = write(in[1], from, avail < left ? avail : left);
      if (n > 0) {
        left -= (size_t)n;
        if (!text) in_at += (size_t)n;
      } else if (n < 0 && errno != EINTR && errno != EAGAIN) {
        close(in[1]);
        in_open = 0;
      }
    }
  }
  if (in_open) close(in[1]);
  close(out[0]);
  int status = 0;
  if (pid > 0)
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
  if (pid > 0 && WIFEXITED(status) && WEXITSTATUS(status) == 0) {
    say("ok\n");
    return;
  }
  output[kept] = 0;
  for (size_t i = 0; i < kept; i++)
    if (output[i] == '\n' || output[i] == '\r') output[i] = ' ';
  char line[MAX_OUTPUT + 64];
  if (pid < 0) snprintf(line, sizeof line, "error fork failed\n");
  else if (kept) snprintf(line, sizeof line, "error %s\n", output);
  else snprintf(line, sizeof line, "error %s exited %d\n", argv[0], WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
  say(line);
}

int main(int argc, char **argv) {
  if (argc != 4) {
    fprintf(stderr, "usage: socklab-holder INODES MAX_TCP_BUFFER PTYS\n");
    return 2;
  }
  long inodes = number(argv[1], 1L << 30), buffer = number(argv[2], 1L << 30), ptys = number(argv[3], 1L << 20);
  if (inodes < 0 || buffer < 0 || ptys < 0) {
    fprintf(stderr, "socklab-holder: INODES, MAX_TCP_BUFFER and PTYS are whole numbers\n");
    return 2;
  }
  signal(SIGPIPE, SIG_IGN);
  const char *mounts[] = {"/work", "/tmp", "/dev/shm"};
  for (int i = 0; i < 3; i++) {
    if (bound_inodes(mounts[i], inodes) < 0) {
      fprintf(stderr, "socklab-holder: bounding the inodes of %s: %s\n", mounts[i], strerror(errno));
      return 1;
    }
  }
  char options[128];
  snprintf(options, sizeof options, "newinstance,ptmxmode=0666,mode=0620,max=%ld", ptys);
  if (mount("devpts", "/.socklab/pts", "devpts", 0, options) < 0) {
    fprintf(stderr, "socklab-holder: mounting the session's devpts: %s\n", strerror(errno));
    return 1;
  }
  char rmem[96], wmem[96];
  snprintf(rmem, sizeof rmem, "4096 %ld %ld\n", buffer < 131072 ? buffer : 131072, buffer);
  snprintf(wmem, sizeof wmem, "4096 %ld %ld\n", buffer < 16384 ? buffer : 16384, buffer);
  if (write_file("/.socklab/net/ipv4/tcp_rmem", rmem) < 0 || write_file("/.socklab/net/ipv4/tcp_wmem", wmem) < 0)
    say("warning socket buffers unbounded: /proc/sys/net is not writable\n");
  /* The bounds are set: nothing in the session may write the network's sysctls again (a student's code that
     got into this process or its nft must not lift them), so the view goes read-only, its other flags kept. */
  unsigned long net = flags_of("/.socklab/net");
  if (net == (unsigned long)-1 || mount(NULL, "/.socklab/net", NULL, MS_REMOUNT | MS_BIND | MS_RDONLY | net, NULL) < 0) {
    fprintf(stderr, "socklab-holder: making /.socklab/net read-only: %s\n", strerror(errno));
    return 1;
  }
  /* Privileges go before "ready": the runner starts programs as soon as it reads it. */
  drop_sys_admin();
  say("ready\n");
  static char line[MAX_LINE];
  while (read_line(line, sizeof line)) {
    if (strncmp(line, "nft ", 4) == 0) {
      char *nft[] = {"nft", "-f", "-", NULL};
      char *script = line + 4;
      size_t len = strlen(script);
      script[len] = '\n'; /* nft reads one line: the line itself, its newline back */
      run(nft, script, len + 1, 0);
    } else if (strncmp(line, "files ", 6) == 0) {
      char *tar[] = {"tar", "-x", "-f", "-", "-C", "/work", "--no-same-owner", "--no-same-permissions", "--overwrite",
                     /* A program may have put a folder where a file of the student's goes: it is replaced, not a reason to fail. */
                     "--recursive-unlink", NULL};
      long bytes = number(line + 6, 1L << 40);
      if (bytes < 0) say("error bad archive size\n");
      else run(tar, NULL, (size_t)bytes, 1);
    } else {
      say("error unknown command\n");
    }
  }
  return 0;
}
