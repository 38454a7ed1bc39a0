/**
 * Process groups of child processes: signalling a whole group, telling whether it still has a
 * live member, and killing the groups still running when Node exits.
 *
 * `fromChildProcess` spawns each process as the leader of a group of its own, so the group id
 * is the process's pid and a signal to `-pgid` reaches everything the process started.
 *
 * The groups must not outlive Node, however it ends. A normal exit (`process.exit` included)
 * SIGKILLs them from `process.on('exit')`. For the ends no handler sees (SIGKILL, the OOM
 * killer, a crash of Node itself), a watchdog keeps the list of live groups: a tiny `/bin/sh`
 * process, in a session of its own, that reads the list from a pipe whose other end only this
 * process holds. When this process dies by any means the kernel closes that end, the watchdog
 * reads end-of-file, SIGKILLs every group still on its list and exits. It runs only while there
 * are live groups, and keeps nothing alive: Node can exit while it runs.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

/** Sends a signal to a process group; a group that is already gone is not an error. */
export function signalGroup(pgid: number, signal: NodeJS.Signals): boolean {
  try {
    process.kill(-pgid, signal);
    return true;
  } catch {
    // ESRCH: the group is gone. EPERM: not ours to signal (it cannot be, but never throw here).
    return false;
  }
}

/**
 * Whether a process group has a live member. Members that have ended but were not reaped yet
 * (zombies, as happens to orphans when PID 1 does not reap them, as in many containers) do not
 * count; on Linux they are told apart through `/proc`.
 */
export function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
  } catch (error) {
    return (error as { code?: string }).code === 'EPERM';
  }
  if (process.platform !== 'linux') return true;
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return true;
  }
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
    } catch {
      continue;
    }
    // pid (comm) state ppid pgrp …; comm may contain spaces and parentheses.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (Number(fields[2]) === pgid && fields[0] !== 'Z' && fields[0] !== 'X') return true;
  }
  return false;
}

/**
 * The watchdog's program: `+ pgid` and `- pgid` lines add and remove a group; at end-of-file it
 * SIGKILLs the groups left. It ignores the signals a terminal or a service manager sends, so
 * only its pipe ends it.
 */
export const WATCHDOG_SCRIPT = [
  "trap '' INT TERM HUP QUIT PIPE",
  'groups=',
  'while read -r op pgid; do',
  '  case $op in',
  '    +) groups="$groups $pgid" ;;',
  '    -) kept=; for g in $groups; do [ "$g" = "$pgid" ] || kept="$kept $g"; done; groups=$kept ;;',
  '  esac',
  'done',
  'for g in $groups; do kill -9 -"$g" 2>/dev/null; done',
].join('\n');

let watchdog: ChildProcess | undefined;
/** Set when `/bin/sh` cannot be run: the exit handler is then the only safeguard. */
let watchdogUnavailable = false;

/**
 * Starts the watchdog when none runs, telling it every live group; returns whether one runs.
 * A watchdog that dies while groups are live (killed by someone) is replaced at once.
 */
function ensureWatchdog(): boolean {
  if (watchdog) return true;
  if (watchdogUnavailable || process.platform === 'win32') return false;
  let started: ChildProcess;
  try {
    started = spawn('/bin/sh', ['-c', WATCHDOG_SCRIPT], {
      detached: true,
      stdio: ['pipe', 'ignore', 'ignore'],
    });
  } catch {
    watchdogUnavailable = true;
    return false;
  }
  watchdog = started;
  started.once('error', () => {
    // No /bin/sh (a distroless image): the exit handler still kills the groups on a normal exit.
    watchdogUnavailable = true;
    if (watchdog === started) watchdog = undefined;
  });
  started.once('exit', () => {
    if (watchdog !== started) return;
    watchdog = undefined;
    if (liveGroups.size > 0) ensureWatchdog();
  });
  started.stdin?.on('error', () => {
    // The watchdog is gone; its 'exit' starts the next one if groups are live.
  });
  started.unref();
  (started.stdin as unknown as { unref?: () => void } | null)?.unref?.();
  for (const pgid of liveGroups) started.stdin?.write(`+ ${pgid}\n`);
  return true;
}

/** Tells the running watchdog a line. */
function tellWatchdog(line: string): void {
  watchdog?.stdin?.write(`${line}\n`);
}

/** Ends the watchdog: it reads end-of-file with no group left on its list, and exits. */
function releaseWatchdog(): void {
  const ending = watchdog;
  watchdog = undefined;
  ending?.stdin?.end();
}

/** The pid of the watchdog while one runs (for tests and diagnostics). */
export function watchdogPid(): number | undefined {
  return watchdog?.pid;
}

/** Process groups still running, killed if Node exits before they end. */
const liveGroups = new Set<number>();

function killLiveGroups(): void {
  for (const pgid of liveGroups) signalGroup(pgid, 'SIGKILL');
}

/** Records a running group, to be killed if Node ends before it does, however it ends. */
export function trackGroup(pgid: number): void {
  if (liveGroups.size === 0) process.on('exit', killLiveGroups);
  liveGroups.add(pgid);
  // A new watchdog is told every live group as it starts; a running one only the new group.
  if (watchdog) tellWatchdog(`+ ${pgid}`);
  else ensureWatchdog();
}

/** Forgets a group that has ended. */
export function untrackGroup(pgid: number): void {
  if (!liveGroups.delete(pgid)) return;
  tellWatchdog(`- ${pgid}`);
  if (liveGroups.size > 0) return;
  process.off('exit', killLiveGroups);
  releaseWatchdog();
}
