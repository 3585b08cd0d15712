/*
 * socklab-forker: starts the runner's terminal programs (the joiner of a
 * student program, see bwrap.ts spawnPlan) so that each start costs a fork
 * of this small process instead of a fork of the runner; and the session
 * holders (bwrap.ts), each with pipes of its own. node-pty forks the
 * whole runner (a Node process of 100+ MB) per program: the page tables
 * copied, the copy torn down again at exec, and the runner's pages
 * copied-on-write in between; over a class's grades that was about a tenth
 * of all the CPU. This process is forked once, by the runner; it runs on the
 * host as the runner's own user, never in a sandbox, and starts nothing but
 * what the runner asks (forker.ts).
 *
 * It makes each program's terminal too, and a relay process of the
 * terminal's own that alone reads and writes its master end, through two
 * pipes the runner opens (see "term"). The runner's event loop never waits
 * on a terminal: when epoll looks again at a terminal it has drained, the
 * kernel (n_tty_poll) first waits for the terminal's pending flush work,
 * queued on a kernel worker thread that, beside many flooding programs,
 * waits for a core itself: the runner's main thread slept there a third of
 * the time beside 16 floods, up to 68 ms at once, and every keystroke's echo
 * with it. A relay that sleeps there holds up its own terminal only.
 *
 * The program gets the terminal's other end by its path, exactly as
 * node-pty's forkpty child did: a new session whose controlling
 * terminal it is, node-pty's terminal settings, the signals as they were at
 * exec, the working directory and environment asked for; and unlike that
 * child, no descriptor of ours or of the runner's (every one above 2 is
 * closed before the exec).
 *
 * Channels (each set up at start, before "ready"):
 *   fd 3  requests, read here; the runner writes them, blocking, through
 *         /proc/<our pid>/fd/4 (the pipe's other end, which we keep open)
 *   fd 6  answers, written here; the runner reads them, blocking, through
 *         /proc/<our pid>/fd/5: a start is a synchronous call for the runner
 *   fd 1  events, as lines: "ready" once, then "exit <pid> <code> <signal>"
 *         for every program that ended (reaped here)
 *   fd 0  the runner's end: when it closes (the runner died), we exit, and
 *         with us every program still running (PR_SET_PDEATHSIG as well)
 *
 * A request: a decimal length and a newline, then that many bytes of
 * NUL-terminated fields, the first its kind:
 *   "pipes", working directory, file, the argument count, the arguments
 *     (argv[0] first), the environment count, the environment
 *     ("NAME=value"): a program of the runner's own (a session's holder)
 *     with four new pipes as its descriptors 0 (read) and 1, 2, 3
 *     (written), as node's spawn with stdio 'pipe' gives them. The answer:
 *     "<pid> <fd> <fd> <fd> <fd>\n", the descriptors here of the runner's
 *     ends of those pipes in that order, which the runner opens through
 *     /proc/<our pid>/fd/N; or "-<errno>\n" when no process could be made.
 *   "term", columns, rows, then the fields of "pipes": a program on a new
 *     terminal of that size, and the terminal's relay. The answer:
 *     "<pid> <fd> <fd>\n", the program's pid and the descriptors here of
 *     the runner's ends of the relay's pipes (its output, read; its input,
 *     written), opened and released as a "pipes" answer's; or "-<errno>\n".
 *     The terminal's settings are applied before the answer, and the
 *     terminal stays open here until the program has its own end (its exec,
 *     or its end), so it never looks hung up in between. The relay writes to
 *     the output pipe what the program writes to its terminal (no more while
 *     the runner does not read it); the runner writes frames to the input
 *     pipe, each whole (at most PIPE_BUF bytes), which the relay applies in
 *     order: 'i', a 16-bit big-endian length and that many bytes typed;
 *     'r', 16-bit columns and rows, a new size (its foreground programs get
 *     SIGWINCH). Once the terminal has hung up (every end of the program's
 *     side closed) and its last output is in the pipe, the relay closes the
 *     pipe and ends. Its end is not reported.
 *   "release", then descriptor numbers: the runner has opened those ends of
 *     a "pipes" or "term" start (or gave up on them); they are closed here,
 *     so the other side sees the end when the runner closes its own. No
 *     answer. Only descriptors handed over by an answer are closed.
 *
 * Usage: socklab-forker
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#define REQUESTS 3
#define ANSWERS 6
/* A request's most bytes: argv and environment of a program start are a few KiB. */
#define MAX_REQUEST (256 * 1024)
#define MAX_FIELDS 4096
/* Starts whose program has not yet exec'd (the terminal is held open for them meanwhile). */
#define MAX_STARTING 256

static struct {
  int exec_fd; /* read end of the child's close-on-exec pipe: EOF once it exec'd or ended */
  int tty_fd;  /* our hold on its terminal */
} starting[MAX_STARTING];
static int n_starting;

/* Runner's ends of "pipes" starts, held here until it says it has its own (a "release"). */
#define MAX_HANDED (4 * 64)
static int handed[MAX_HANDED];
static int n_handed;

static void write_all(int fd, const char *s, size_t len) {
  while (len > 0) {
    ssize_t n = write(fd, s, len);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) _exit(0); /* the runner is gone */
    s += n;
    len -= (size_t)n;
  }
}

static int read_all(int fd, char *buf, size_t len) {
  while (len > 0) {
    ssize_t n = read(fd, buf, len);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return -1;
    buf += n;
    len -= (size_t)n;
  }
  return 0;
}

static void close_from(unsigned first) {
#ifdef SYS_close_range
  if (syscall(SYS_close_range, first, ~0U, 0U) == 0) return;
#endif
  for (int fd = (int)first; fd < 65536; fd++) close(fd);
}

/* node-pty's settings for a new terminal (pty.cc PtyFork; utf8 off, as the runner asks for raw bytes). */
static void terminal_settings(struct termios *t) {
  memset(t, 0, sizeof *t);
  t->c_iflag = ICRNL | IXON | IXANY | IMAXBEL | BRKINT;
  t->c_oflag = OPOST | ONLCR;
  t->c_cflag = CREAD | CS8 | HUPCL;
  t->c_lflag = ICANON | ISIG | IEXTEN | ECHO | ECHOE | ECHOK | ECHOKE | ECHOCTL;
  t->c_cc[VEOF] = 4;
  t->c_cc[VEOL] = -1;
  t->c_cc[VEOL2] = -1;
  t->c_cc[VERASE] = 0x7f;
  t->c_cc[VWERASE] = 23;
  t->c_cc[VKILL] = 21;
  t->c_cc[VREPRINT] = 18;
  t->c_cc[VINTR] = 3;
  t->c_cc[VQUIT] = 0x1c;
  t->c_cc[VSUSP] = 26;
  t->c_cc[VSTART] = 17;
  t->c_cc[VSTOP] = 19;
  t->c_cc[VLNEXT] = 22;
  t->c_cc[VDISCARD] = 15;
  t->c_cc[VMIN] = 1;
  t->c_cc[VTIME] = 0;
  cfsetispeed(t, B38400);
  cfsetospeed(t, B38400);
}

/* In the child: the signals as they were at our exec (default, none blocked). */
static void default_signals(void) {
  sigset_t none;
  sigemptyset(&none);
  struct sigaction dfl;
  memset(&dfl, 0, sizeof dfl);
  dfl.sa_handler = SIG_DFL;
  for (int s = 1; s < NSIG; s++) sigaction(s, &dfl, NULL);
  sigprocmask(SIG_SETMASK, &none, NULL);
  prctl(PR_SET_PDEATHSIG, 0);
}

/* In the child: runs the program in `cwd` with `envp` (never returns). */
static void run_program(const char *cwd, const char *file, char **argv, char **envp) {
  if (*cwd && chdir(cwd) < 0) {
    perror("chdir(2) failed.");
    _exit(1);
  }
  /* As node-pty: the program's PATH is the one its file is looked up in. */
  environ = envp;
  execvp(file, argv);
  perror("execvp(3) failed.");
  _exit(1);
}

/* In the child: becomes the program on terminal `tty` (never returns). */
static void become(const char *tty, const char *cwd, const char *file, char **argv, char **envp, int exec_fd) {
  default_signals();
  if (setsid() < 0) _exit(1);
  /* Opened without O_NOCTTY by a session leader: the session's controlling terminal. */
  int fd = open(tty, O_RDWR);
  if (fd < 0 || ioctl(fd, TIOCSCTTY, 0) < 0) _exit(1);
  if (dup2(fd, 0) < 0 || dup2(fd, 1) < 0 || dup2(fd, 2) < 0) _exit(1);
  /* Keep the exec pipe: it closes at exec (O_CLOEXEC), telling the forker the program has its terminal. */
  int keep = exec_fd > 2 ? exec_fd : -1;
  if (keep >= 0 && keep != 3) {
    if (dup3(keep, 3, O_CLOEXEC) < 0) _exit(1);
    keep = 3;
  }
  close_from(keep >= 0 ? 4 : 3);
  run_program(cwd, file, argv, envp);
}

/*
 * In the child: becomes the program with `ends` (the child's ends of its
 * four pipes) as its descriptors 0-3 and no other (never returns). Like
 * node's spawn: our session and process group, no terminal.
 */
static void become_piped(const int ends[4], const char *cwd, const char *file, char **argv, char **envp) {
  default_signals();
  /* Every end is above 6 (our channels come first): no dup2 overwrites another end. */
  for (int i = 0; i < 4; i++)
    if (dup2(ends[i], i) < 0) _exit(1);
  close_from(4);
  run_program(cwd, file, argv, envp);
}

/* Splits a request into its fields; -1 if it is not one. */
static int fields(char *buf, size_t len, char **out, int max) {
  int n = 0;
  size_t start = 0;
  for (size_t i = 0; i < len; i++) {
    if (buf[i]) continue;
    if (n >= max) return -1;
    out[n++] = buf + start;
    start = i + 1;
  }
  return start == len ? n : -1;
}

static long count(const char *s) {
  char *end;
  errno = 0;
  long v = strtol(s, &end, 10);
  return errno || end == s || *end || v < 0 || v > MAX_FIELDS ? -1 : v;
}

static void answer(long value) {
  char line[32];
  int len = snprintf(line, sizeof line, "%ld\n", value);
  write_all(ANSWERS, line, (size_t)len);
}

/* Closes the descriptors named (decimal) that a "pipes" answer handed over; any other is left alone. */
static void release(char **fds, int n) {
  for (int i = 0; i < n; i++) {
    long fd = count(fds[i]);
    for (int j = 0; j < n_handed; j++) {
      if (handed[j] != fd) continue;
      close(handed[j]);
      handed[j] = handed[--n_handed];
      break;
    }
  }
}

/* Starts a program with four pipes of its own and answers with the runner's ends (see "pipes" above). */
static void start_piped(const char *cwd, const char *file, char **argv, char **envp) {
  if (n_handed + 4 > MAX_HANDED) {
    answer(-EAGAIN);
    return;
  }
  /* For each pipe, the child's end and the runner's: its input is read by it, the rest written. */
  int child[4], runner[4], made = 0, e = 0;
  for (; made < 4; made++) {
    int p[2];
    if (pipe2(p, O_CLOEXEC) < 0) {
      e = errno;
      break;
    }
    child[made] = made == 0 ? p[0] : p[1];
    runner[made] = made == 0 ? p[1] : p[0];
  }
  pid_t pid = -1;
  if (made == 4) {
    pid = fork();
    if (pid == 0) become_piped(child, cwd, file, argv, envp);
    if (pid < 0) e = errno;
  }
  for (int i = 0; i < made; i++) close(child[i]);
  if (pid < 0) {
    for (int i = 0; i < made; i++) close(runner[i]);
    answer(-e);
    return;
  }
  for (int i = 0; i < 4; i++) handed[n_handed++] = runner[i];
  char line[96];
  int len = snprintf(line, sizeof line, "%d %d %d %d %d\n", (int)pid, runner[0], runner[1], runner[2], runner[3]);
  write_all(ANSWERS, line, (size_t)len);
}

/* The relays running (their ends are not the runner's to hear). */
#define MAX_RELAYS 4096
static pid_t relays[MAX_RELAYS];
static int n_relays;

/* What a relay holds of what the program wrote: a pipe's worth, so that the runner reads it in few reads. */
#define RELAY_OUT (64 * 1024)
/* The output pipe's size (start_term says why). */
#define RELAY_PIPE (16 * 1024)
/* What a relay reads of the runner's frames at once: a frame is at most PIPE_BUF, so the runner writes each whole. */
#define RELAY_IN 4096

/*
 * Writes what it can of the `*len` bytes at `buf + *off` to non-blocking
 * `fd`, moving `*off` past them (back to the start once all are written:
 * nothing is copied along the buffer); -1 when that end is gone.
 */
static ssize_t push(int fd, char *buf, size_t *off, size_t *len) {
  ssize_t n = write(fd, buf + *off, *len);
  if (n < 0) return errno == EAGAIN || errno == EINTR ? 0 : -1;
  *len -= (size_t)n;
  *off = *len ? *off + (size_t)n : 0;
  return n;
}

/*
 * True when `n` bytes just typed into the terminal hold a character that
 * makes its line discipline signal the program (Ctrl-C, Ctrl-\\, Ctrl-Z)
 * and flush what the program wrote and no one has read yet: what the relay
 * holds of that output goes too, as if it had been in the terminal still.
 */
static int interrupts(int master, const char *typed, size_t n) {
  struct termios t;
  if (!memchr(typed, 3, n) && !memchr(typed, 0x1c, n) && !memchr(typed, 26, n)) {
    /* The usual characters are not there: any others only if the program chose others. */
    if (tcgetattr(master, &t) < 0) return 0;
    if (t.c_cc[VINTR] == 3 && t.c_cc[VQUIT] == 0x1c && t.c_cc[VSUSP] == 26) return 0;
  } else if (tcgetattr(master, &t) < 0) {
    return 0;
  }
  if (!(t.c_lflag & ISIG) || (t.c_lflag & NOFLSH)) return 0;
  for (size_t i = 0; i < n; i++) {
    cc_t c = (cc_t)typed[i];
    if (c != _POSIX_VDISABLE && (c == t.c_cc[VINTR] || c == t.c_cc[VQUIT] || c == t.c_cc[VSUSP])) return 1;
  }
  return 0;
}

/*
 * The runner's frames in `buf` (`*len` bytes) to the terminal, in order,
 * as far as they go: 'i', a 16-bit length (big-endian) and that many bytes
 * typed; 'r', 16-bit columns and rows, a new size. What the terminal does
 * not take yet stays (`*left`: the typed bytes of the current 'i' frame not
 * yet written); `*flush` is set when what was typed interrupts the program.
 * With `drop` (the terminal hung up) the typed bytes are skipped instead.
 * Returns 1 when the terminal is full, -1 on a frame that is not one (the
 * runner's own bug: nothing can be read in step after it).
 */
static int apply(int master, char *buf, size_t *len, size_t *left, int *flush, int drop) {
  size_t at = 0;
  int full = 0;
  for (;;) {
    size_t have = *len - at;
    if (*left) {
      size_t n = *left < have ? *left : have;
      if (!n) break;
      if (drop) {
        at += n, *left -= n;
        continue;
      }
      ssize_t w = write(master, buf + at, n);
      if (w < 0 && errno == EINTR) continue;
      if (w <= 0) {
        /* EAGAIN: the program has not read what it was given; anything else: the terminal is going, the rest with it. */
        if (w < 0 && errno == EAGAIN) full = 1;
        else at += n, *left -= n;
        if (full) break;
        continue;
      }
      if (interrupts(master, buf + at, (size_t)w)) *flush = 1;
      at += (size_t)w;
      *left -= (size_t)w;
      continue;
    }
    if (have < 1) break;
    const uint8_t *f = (const uint8_t *)buf + at;
    if (f[0] == 'r') {
      if (have < 5) break;
      struct winsize size = {.ws_col = (unsigned short)(f[1] << 8 | f[2]), .ws_row = (unsigned short)(f[3] << 8 | f[4])};
      ioctl(master, TIOCSWINSZ, &size);
      at += 5;
    } else if (f[0] == 'i') {
      if (have < 3) break;
      *left = (size_t)(f[1] << 8 | f[2]);
      at += 3;
    } else {
      return -1;
    }
  }
  memmove(buf, buf + at, *len - at);
  *len -= at;
  return full;
}

/*
 * In the relay (never returns): the terminal's master end, non-blocking,
 * and the relay's ends of its pipes (output written, input read). Output
 * is read only while the runner takes it; frames are read only as the
 * terminal takes what came before, so both stay bounded.
 */
static void relay(int master, int out, int in) {
  static char obuf[RELAY_OUT], ibuf[RELAY_IN];
  /* The output waiting is obuf[ooff, ooff + olen): read into the room after it, written from its start. */
  size_t ooff = 0, olen = 0, ilen = 0, left = 0;
  int hung_up = 0, in_open = 1, full = 0, gone = 0;
  for (;;) {
    if (hung_up && !olen) _exit(0);
    short want = (short)((!hung_up && ooff + olen < RELAY_OUT ? POLLIN : 0) | (full && !hung_up ? POLLOUT : 0));
    struct pollfd p[3] = {
        {.fd = want ? master : -1, .events = want},
        /* Always: a pipe whose reader is gone says so (POLLERR) whatever was asked, and the relay then ends. */
        {.fd = out, .events = (short)(olen ? POLLOUT : 0)},
        {.fd = in_open && ilen < RELAY_IN && !full ? in : -1, .events = POLLIN},
    };
    if (poll(p, 3, -1) < 0) {
      if (errno == EINTR) continue;
      _exit(1);
    }
    if (p[1].revents & (POLLERR | POLLHUP)) _exit(0); /* the runner let go of the output */
    /*
     * Hung up while only typed bytes waited for it (the output full): no one
     * will read them, and a write would only say EAGAIN again. What is typed
     * from now on is dropped, frame by frame, so that the frames stay in step.
     */
    if ((p[0].revents & (POLLHUP | POLLERR)) && !(want & POLLIN)) full = 0, gone = 1;
    if (want & POLLIN && p[0].revents & (POLLIN | POLLHUP | POLLERR)) {
      /* As much as there is, so that the runner gets it in few reads. */
      while (ooff + olen < RELAY_OUT) {
        ssize_t n = read(master, obuf + ooff + olen, RELAY_OUT - ooff - olen);
        if (n > 0) {
          olen += (size_t)n;
          continue;
        }
        if (n < 0 && errno == EINTR) continue;
        if (n == 0 || errno != EAGAIN) hung_up = 1; /* EIO: every end of the program's side is closed */
        break;
      }
    }
    if (olen && push(out, obuf, &ooff, &olen) < 0) _exit(0);
    if (p[2].revents) {
      ssize_t n = read(in, ibuf + ilen, RELAY_IN - ilen);
      if (n > 0) ilen += (size_t)n;
      else if (n == 0 || (errno != EAGAIN && errno != EINTR)) in_open = 0;
    }
    int flush = 0;
    if (hung_up) ilen = left = 0, full = 0; /* the terminal is gone: what was typed goes with it */
    else if (ilen && (full = apply(master, ibuf, &ilen, &left, &flush, gone)) < 0) _exit(2);
    if (flush) ooff = olen = 0;
  }
}

static int open_tty(const char *tty, int *tty_fd);
static void track_starting(int exec_fd, int tty_fd);

/* In the child: becomes the relay of `master` with its two pipes' ends (never returns); `forker` is our pid. */
static void become_relay(pid_t forker, int master, int out, int in) {
  /* The relay ends with us (and we with the runner): it never outlives the program's runner. */
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  /* Named so in ps and /proc: the runner's share of a terminal's relaying (bench/terminal.ts counts it). */
  prctl(PR_SET_NAME, "socklab-relay");
  if (getppid() != forker) _exit(0); /* we died before the death signal was asked for */
  /* Nothing of ours but these three (not even our standard descriptors: the runner's pipes). */
  int keep[3] = {master, out, in};
  for (int fd = 0; fd < 65536; fd++) {
    if (fd == keep[0] || fd == keep[1] || fd == keep[2]) continue;
    if (fd > keep[0] && fd > keep[1] && fd > keep[2]) {
      close_from((unsigned)fd);
      break;
    }
    close(fd);
  }
  relay(master, out, in);
}

/* Starts a program on a new terminal with its relay, and answers (see "term" above). */
static void start_term(long cols, long rows, const char *cwd, const char *file, char **argv, char **envp) {
  if (n_handed + 2 > MAX_HANDED || n_relays >= MAX_RELAYS || n_starting >= MAX_STARTING) {
    answer(-EAGAIN);
    return;
  }
  int master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC | O_NONBLOCK);
  char tty[64];
  if (master < 0 || grantpt(master) < 0 || unlockpt(master) < 0 || ptsname_r(master, tty, sizeof tty) != 0) {
    int e = errno ? errno : EIO;
    if (master >= 0) close(master);
    answer(-e);
    return;
  }
  struct winsize size = {.ws_col = (unsigned short)cols, .ws_row = (unsigned short)rows};
  ioctl(master, TIOCSWINSZ, &size);
  int tty_fd, e = open_tty(tty, &tty_fd);
  /* The relay's pipes: output (the relay writes, the runner reads), input (the runner writes, the relay reads). */
  int outp[2] = {-1, -1}, inp[2] = {-1, -1}, exec_pipe[2] = {-1, -1};
  if (!e && (pipe2(outp, O_CLOEXEC) < 0 || pipe2(inp, O_CLOEXEC) < 0 || pipe2(exec_pipe, O_CLOEXEC) < 0)) e = errno;
  /*
   * What the output pipe holds has left the relay: an interrupt no longer
   * flushes it, and it is drawn after the ^C. A quarter of the default 64
   * KiB, which the runner still reads in few reads.
   */
  if (!e) fcntl(outp[0], F_SETPIPE_SZ, RELAY_PIPE);
  /*
   * What the input pipe holds is typed input the program has not read, on
   * top of the runner's own bound of it (maxPendingInputBytes): a page, the
   * least a pipe can be, which still takes a whole frame.
   */
  if (!e) fcntl(inp[0], F_SETPIPE_SZ, RELAY_IN);
  pid_t pid = -1, relay_pid = -1;
  if (!e) {
    pid = fork();
    if (pid == 0) become(tty, cwd, file, argv, envp, exec_pipe[1]);
    if (pid < 0) e = errno;
  }
  if (!e) {
    pid_t forker = getpid();
    relay_pid = fork();
    if (relay_pid == 0) {
      fcntl(outp[1], F_SETFL, O_NONBLOCK);
      fcntl(inp[0], F_SETFL, O_NONBLOCK);
      become_relay(forker, master, outp[1], inp[0]);
    }
    if (relay_pid < 0) {
      e = errno;
      kill(pid, SIGKILL); /* reaped and reported as any other: the runner was told nothing of it */
    }
  }
  if (exec_pipe[1] >= 0) close(exec_pipe[1]);
  if (outp[1] >= 0) close(outp[1]);
  if (inp[0] >= 0) close(inp[0]);
  if (e) {
    int fds[] = {outp[0], inp[1], exec_pipe[0], tty_fd, master};
    for (unsigned i = 0; i < sizeof fds / sizeof *fds; i++)
      if (fds[i] >= 0) close(fds[i]);
    answer(-e);
    return;
  }
  close(master); /* the relay's alone now: the terminal goes once it ends */
  track_starting(exec_pipe[0], tty_fd);
  relays[n_relays++] = relay_pid;
  handed[n_handed++] = outp[0];
  handed[n_handed++] = inp[1];
  char line[64];
  int len = snprintf(line, sizeof line, "%d %d %d\n", (int)pid, outp[0], inp[1]);
  write_all(ANSWERS, line, (size_t)len);
}

/* True when `pid` was a relay: its end is not the runner's to hear. */
static int relay_ended(pid_t pid) {
  for (int i = 0; i < n_relays; i++) {
    if (relays[i] != pid) continue;
    relays[i] = relays[--n_relays];
    return 1;
  }
  return 0;
}

static char request[MAX_REQUEST];
static char *field[MAX_FIELDS + 8];

/* Reads and serves one request; 0 when the runner closed the channel. */
static int serve(void) {
  char head[16];
  size_t have = 0;
  for (;;) {
    if (have >= sizeof head - 1) _exit(2);
    ssize_t n = read(REQUESTS, head + have, 1);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return 0;
    if (head[have] == '\n') break;
    have++;
  }
  head[have] = 0;
  long len = strtol(head, NULL, 10);
  if (len <= 0 || len > MAX_REQUEST) _exit(2); /* the runner's own bug: nothing can be read in step after it */
  if (read_all(REQUESTS, request, (size_t)len) < 0) return 0;
  int n = fields(request, (size_t)len, field, MAX_FIELDS + 7);
  if (n >= 1 && strcmp(field[0], "release") == 0) {
    release(field + 1, n - 1);
    return 1;
  }
  int piped = n >= 1 && strcmp(field[0], "pipes") == 0;
  if (n < 1 || (!piped && strcmp(field[0], "term") != 0)) _exit(2); /* not a request of ours: out of step */
  /* The fields after the kind (and a terminal's size): cwd, file, argc, argv..., envc, env... */
  char **f = field + (piped ? 1 : 3);
  int m = n - (piped ? 1 : 3);
  long cols = piped ? 0 : n >= 3 ? count(field[1]) : -1, rows = piped ? 0 : n >= 3 ? count(field[2]) : -1;
  long argc = m >= 3 ? count(f[2]) : -1;
  long envc = argc >= 1 && m >= 4 + argc ? count(f[3 + argc]) : -1;
  if (envc < 0 || m != 4 + argc + envc || (!piped && (cols < 1 || rows < 1))) {
    answer(-EINVAL);
    return 1;
  }
  const char *cwd = f[0], *file = f[1];
  char **argv = f + 3;
  char **envp = f + 4 + argc;
  /* argv and envp are NULL-terminated in place: the count that follows argv was read already. */
  f[3 + argc] = NULL;
  field[n] = NULL;
  if (piped) start_piped(cwd, file, argv, envp);
  else start_term(cols, rows, cwd, file, argv, envp);
  return 1;
}

/* Opens the program's side of terminal `tty` (our hold on it) with node-pty's settings; 0, or an errno. */
static int open_tty(const char *tty, int *tty_fd) {
  *tty_fd = open(tty, O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (*tty_fd < 0) return errno;
  struct termios t;
  terminal_settings(&t);
  if (!isatty(*tty_fd) || tcsetattr(*tty_fd, TCSANOW, &t) < 0) {
    int e = errno ? errno : ENOTTY;
    close(*tty_fd);
    *tty_fd = -1;
    return e;
  }
  return 0;
}

/* Holds the program's terminal open until it has exec'd (`exec_fd` reads EOF then), so it never looks hung up meanwhile. */
static void track_starting(int exec_fd, int tty_fd) {
  starting[n_starting].exec_fd = exec_fd;
  starting[n_starting].tty_fd = tty_fd;
  n_starting++;
}

int main(void) {
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (getppid() == 1) return 0;
  /* Nothing of the runner's but our three standard descriptors. */
  close_from(3);
  int req[2], ans[2];
  if (pipe2(req, O_CLOEXEC) < 0 || pipe2(ans, O_CLOEXEC) < 0 || req[0] != REQUESTS || ans[1] != ANSWERS) {
    perror("socklab-forker: pipes");
    return 1;
  }
  fcntl(0, F_SETFD, FD_CLOEXEC);
  fcntl(1, F_SETFD, FD_CLOEXEC);
  fcntl(2, F_SETFD, FD_CLOEXEC);
  sigset_t chld;
  sigemptyset(&chld);
  sigaddset(&chld, SIGCHLD);
  sigaddset(&chld, SIGPIPE);
  sigprocmask(SIG_BLOCK, &chld, NULL);
  sigdelset(&chld, SIGPIPE);
  int sfd = signalfd(-1, &chld, SFD_CLOEXEC);
  if (sfd < 0) {
    perror("socklab-forker: signalfd");
    return 1;
  }
  write_all(1, "ready\n", 6);
  struct pollfd p[3 + MAX_STARTING];
  for (;;) {
    p[0] = (struct pollfd){.fd = REQUESTS, .events = POLLIN};
    p[1] = (struct pollfd){.fd = sfd, .events = POLLIN};
    p[2] = (struct pollfd){.fd = 0, .events = POLLIN};
    for (int i = 0; i < n_starting; i++) p[3 + i] = (struct pollfd){.fd = starting[i].exec_fd, .events = POLLIN};
    if (poll(p, (nfds_t)(3 + n_starting), -1) < 0) {
      if (errno == EINTR) continue;
      return 1;
    }
    if (p[2].revents) return 0; /* the runner is gone (or wrote to our stdin, which it never does) */
    /* Programs that have their own terminal now (or ended): let go of ours. */
    for (int i = n_starting - 1; i >= 0; i--) {
      if (!p[3 + i].revents) continue;
      close(starting[i].exec_fd);
      close(starting[i].tty_fd);
      starting[i] = starting[--n_starting];
    }
    if (p[1].revents) {
      struct signalfd_siginfo info;
      while (read(sfd, &info, sizeof info) < 0 && errno == EINTR) {}
      int status;
      pid_t pid;
      while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
        if (relay_ended(pid)) continue;
        char line[64];
        int code = WIFEXITED(status) ? WEXITSTATUS(status) : 0;
        int sig = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
        int len = snprintf(line, sizeof line, "exit %d %d %d\n", (int)pid, code, sig);
        write_all(1, line, (size_t)len);
      }
    }
    if (p[0].revents && !serve()) return 0;
  }
}
