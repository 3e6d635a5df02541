import { type FSWatcher, lstatSync, readdirSync, watch } from 'node:fs';
import { join } from 'node:path';

/**
 * Watches directories (inotify events plus a fast poll) and records every file seen with a mode
 * wider than 0600: the state file, its temp files and the lock files must never be.
 */
export class ModeWatcher {
  readonly violations: string[] = [];
  seen = 0;
  readonly #watchers: FSWatcher[] = [];
  readonly #timer: NodeJS.Timeout;

  constructor(readonly dirs: readonly string[]) {
    for (const dir of dirs) {
      this.#watchers.push(
        watch(dir, (_event, name) => {
          if (name) this.#check(join(dir, name.toString()));
        }),
      );
    }
    this.#timer = setInterval(() => this.#poll(), 2);
  }

  #check(path: string): void {
    try {
      const st = lstatSync(path);
      if (!st.isFile()) return;
      this.seen++;
      if ((st.mode & 0o077) !== 0) this.violations.push(`${path} ${(st.mode & 0o777).toString(8)}`);
    } catch {
      // renamed or removed between the event and the lstat
    }
  }

  #poll(): void {
    for (const dir of this.dirs) {
      let names: string[] = [];
      try {
        names = readdirSync(dir);
      } catch {
        continue;
      }
      for (const name of names) this.#check(join(dir, name));
    }
  }

  stop(): void {
    clearInterval(this.#timer);
    for (const w of this.#watchers) w.close();
    this.#poll();
  }
}
