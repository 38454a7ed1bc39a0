/**
 * Process groups of child processes: signalling a whole group, telling whether it still has a
 * live member, and killing the groups still running when Node exits.
 *
 * `fromChildProcess` spawns each process as the leader of a group of its own, so the group id
 * is the process's pid and a signal to `-pgid` reaches everything the process started.
 */
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

/** Process groups still running, killed if Node exits before they end. */
const liveGroups = new Set<number>();

function killLiveGroups(): void {
  for (const pgid of liveGroups) signalGroup(pgid, 'SIGKILL');
}

/** Records a running group, to be killed if Node exits before it ends. */
export function trackGroup(pgid: number): void {
  if (liveGroups.size === 0) process.on('exit', killLiveGroups);
  liveGroups.add(pgid);
}

/** Forgets a group that has ended. */
export function untrackGroup(pgid: number): void {
  liveGroups.delete(pgid);
  if (liveGroups.size === 0) process.off('exit', killLiveGroups);
}
