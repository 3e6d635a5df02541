import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';

// The one liveness check of the repository: the lock, temp-file cleanup and the fake Juju's state
// lock all ask it whether the process that left something behind is gone.

/** Who left a lock or a temp file behind. `start` and `host` make a reused pid tell. */
export interface ProcessIdentity {
  pid: number;
  /** Start time in clock ticks since boot (field 22 of `/proc/<pid>/stat`), when known. */
  start?: string | null | undefined;
  /** The host name the process ran on; another host's pid tells nothing. Default: this host. */
  host?: string | undefined;
}

/** Fields 3.. of /proc/<pid>/stat (state first), or null where /proc is unavailable. */
function procStat(pid: number | 'self'): string[] | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
    // The command name (field 2) may hold spaces and parentheses; fields after the last ')' are fixed.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  } catch {
    return null;
  }
}

let ownStart: string | null | undefined;

/** Start time of a process (`'self'` for this one), in clock ticks since boot, or null if unknown. */
export function processStartTime(pid: number | 'self'): string | null {
  if (pid === 'self' || pid === process.pid) {
    ownStart ??= procStat('self')?.[19] ?? null;
    return ownStart;
  }
  return procStat(pid)?.[19] ?? null;
}

/** This process's identity, as a lock file or temp file records it. */
export function currentProcess(): { pid: number; start: string | null; host: string } {
  return { pid: process.pid, start: processStartTime('self'), host: hostname() };
}

/**
 * True when the process is certainly gone: no such pid, a zombie (killed, not yet reaped), or the
 * pid now belongs to a process started later than the recorded one. False when it may be alive,
 * or when it ran on another host.
 */
export function isProcessGone(who: ProcessIdentity): boolean {
  if (who.host !== undefined && who.host !== hostname()) return false;
  if (!Number.isInteger(who.pid) || who.pid <= 0) return true;
  try {
    process.kill(who.pid, 0);
  } catch (error) {
    // EPERM: it exists, under another user.
    if ((error as NodeJS.ErrnoException).code === 'ESRCH') return true;
  }
  const stat = procStat(who.pid);
  if (stat === null) return false;
  if (stat[0] === 'Z' || stat[0] === 'X') return true;
  return who.start != null && stat[19] !== undefined && stat[19] !== who.start;
}
