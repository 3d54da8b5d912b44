// Reload on file change: the config file and every certificate, key, trust bundle and CRL it
// names are watched, and a change triggers the same check-then-swap reload as SIGHUP.
//
// Directories are watched, not files: Kubernetes updates a mounted Secret by swapping a
// `..data` symlink, and editors and cert-manager replace files by rename, so a watch on the
// old inode would go quiet. Any event in a watched directory schedules one debounced look; the
// reload runs only if the content of a watched file really changed (a SHA-256 over all of them),
// so unrelated files in the same directory cost a hash, never a reload.
import { createHash } from 'node:crypto';
import { readFileSync, watch, type FSWatcher } from 'node:fs';
import { dirname, resolve } from 'node:path';

/** Keys whose string values (or arrays of strings) name files the sidecar loads. */
const FILE_KEYS = new Set(['cert', 'key', 'clientCa', 'ca', 'crl', 'jwks', 'keys', 'denylist', 'file']);

/** Every file a config names, resolved against `baseDir`. Walks the whole config, so new sections are covered. */
export function configuredFiles(config: unknown, baseDir: string): string[] {
  const files = new Set<string>();
  const visit = (value: unknown, key: string | undefined) => {
    if (typeof value === 'string') {
      if (key !== undefined && FILE_KEYS.has(key)) files.add(resolve(baseDir, value));
    } else if (Array.isArray(value)) {
      for (const item of value) visit(item, key);
    } else if (value && typeof value === 'object') {
      for (const [childKey, child] of Object.entries(value)) visit(child, childKey);
    }
  };
  visit(config, undefined);
  return [...files].sort();
}

function fingerprint(files: readonly string[]): string {
  const hash = createHash('sha256');
  for (const file of files) {
    hash.update(file).update('\0');
    try {
      hash.update(readFileSync(file));
    } catch (error) {
      // A missing file is a state too: the reload will report it and keep the old material.
      hash.update(`missing:${(error as NodeJS.ErrnoException).code ?? 'error'}`);
    }
    hash.update('\0');
  }
  return hash.digest('hex');
}

export interface FileWatcherOptions {
  /** The config file itself, watched with the files it names. */
  readonly configPath: string;
  /** Files to watch now; `retarget` changes them after a reload names others. */
  readonly files: readonly string[];
  readonly debounceMs: number;
  /** Called when watched content changed. */
  readonly onChange: () => void;
}

export class FileWatcher {
  private watchers: FSWatcher[] = [];
  private files: string[] = [];
  private last = '';
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly options: FileWatcherOptions) {
    this.retarget(options.files);
  }

  /** Watch a new set of files (after a reload), and take their current content as the baseline. */
  retarget(files: readonly string[]): void {
    this.files = [...new Set([resolve(this.options.configPath), ...files])].sort();
    this.last = fingerprint(this.files);
    for (const watcher of this.watchers) watcher.close();
    this.watchers = [];
    for (const directory of new Set(this.files.map((file) => dirname(file)))) {
      try {
        const watcher = watch(directory, { persistent: false }, () => this.schedule());
        watcher.on('error', () => undefined);
        this.watchers.push(watcher);
      } catch {
        // A directory that does not exist (yet) cannot be watched; SIGHUP still works.
      }
    }
  }

  close(): void {
    if (this.timer) clearTimeout(this.timer);
    for (const watcher of this.watchers) watcher.close();
    this.watchers = [];
  }

  private schedule(): void {
    if (this.timer) clearTimeout(this.timer);
    // Writers often touch a file several times (truncate, write, chmod): act once they settle.
    this.timer = setTimeout(() => {
      this.timer = undefined;
      const now = fingerprint(this.files);
      if (now === this.last) return;
      this.last = now;
      this.options.onChange();
    }, this.options.debounceMs);
    this.timer.unref();
  }
}
