/**
 * Reads files under a target's root (/proc/<pid>/root) the way the target itself would see them,
 * and never anything else: openat2(RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS) done by hand, since
 * Node has no openat.
 *
 * The root is opened once (following the /proc/<pid>/root magic link on purpose: it is the
 * target's root, pinned against pid reuse). Each path component is then looked up in the
 * directory opened before it through /proc/self/fd/<dirfd>/<name>, which the kernel resolves in
 * that directory, like openat(dirfd, name), with no path re-walked from the top:
 * - a symlink is never followed by the kernel: it is read (readlink) and its target spliced into
 *   the remaining components, an absolute target restarting at the target's root, not ours;
 * - `..` pops the stack of opened directories and stops at the root, like chroot;
 * - directories are opened O_DIRECTORY | O_NOFOLLOW, so a component swapped for a symlink after
 *   lstat fails instead of being followed;
 * - the final component must be a regular file by lstat, is opened O_NOFOLLOW | O_NONBLOCK (a FIFO
 *   or device never blocks the open), is checked again by fstat to be that same regular file, and
 *   is refused when larger than the cap, before a byte is read, and read at most to the cap.
 * Every operation is asynchronous: a read that hangs (a FUSE file) holds a threadpool thread, not
 * the event loop, so the check's timeout and the collector's deadline still fire.
 */
import { constants, type Stats } from "node:fs";
import { type FileHandle, lstat, open, opendir, readlink } from "node:fs/promises";
import { fileKind, OPEN_READ_NONBLOCK, readAtMost } from "./boundedRead.js";

/** Linux's own limit on symlinks in one lookup (MAXSYMLINKS). */
const MAX_SYMLINKS = 40;
/** Components looked up in one resolution, links spliced in included. */
const MAX_STEPS = 1024;

const OPEN_DIR =
  constants.O_RDONLY | constants.O_DIRECTORY | constants.O_NOFOLLOW | constants.O_NONBLOCK;
const OPEN_FILE = OPEN_READ_NONBLOCK | constants.O_NOFOLLOW;

export type ConfinedReadCode =
  /** No such file (or a component on the way is missing or not a directory). */
  | "ENOENT"
  /** Too many symlinks, or a component changed into one while being opened. */
  | "ELOOP"
  /** A FIFO, device, socket or directory where a file was expected. */
  | "ENOTREG"
  /** Larger than the caller's cap. */
  | "EFBIG"
  | "EACCES"
  /** The file changed between lstat and open (a race with the target). */
  | "ECHANGED"
  | "EIO";

export class ConfinedReadError extends Error {
  constructor(
    readonly code: ConfinedReadCode,
    readonly path: string,
    reason: string,
  ) {
    super(`${path.length > 200 ? `${path.slice(0, 200)}…` : path}: ${reason}`);
    this.name = "ConfinedReadError";
  }
}

function fdPath(dir: FileHandle, name: string): string {
  return `/proc/self/fd/${dir.fd}/${name}`;
}

function components(path: string): string[] {
  return path.split("/").filter((c) => c !== "" && c !== ".");
}

/** Errno of a lookup -> ConfinedReadError; anything unexpected becomes EIO, still typed. */
function lookupError(path: string) {
  return (e: unknown): never => {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ENOTDIR" || code === "ESRCH")
      throw new ConfinedReadError("ENOENT", path, "not found");
    if (code === "EACCES" || code === "EPERM")
      throw new ConfinedReadError("EACCES", path, "permission denied");
    if (code === "ELOOP")
      throw new ConfinedReadError("ELOOP", path, "changed into a symlink while being opened");
    throw new ConfinedReadError("EIO", path, (e as Error).message);
  };
}

interface Resolved {
  /** The directory holding the final entry, or the final directory itself when `name` is absent. */
  dir: FileHandle;
  /** The final component (never a symlink), with its lstat. */
  name?: string;
  st?: Stats;
  /** Closes the directories opened on the way (never the root). */
  release(): Promise<void>;
}

export class TargetRoot {
  private constructor(
    private readonly root: FileHandle,
    /** The path the root was opened from, for messages (e.g. /proc/123/root). */
    readonly path: string,
  ) {}

  /** Opens the root; throws the errno error when it is gone or not readable. */
  static async open(path: string): Promise<TargetRoot> {
    return new TargetRoot(await open(path, constants.O_RDONLY | constants.O_DIRECTORY), path);
  }

  async close(): Promise<void> {
    await this.root.close();
  }

  /** Resolves `path` inside the root, as described at the top of this file. */
  private async resolve(path: string): Promise<Resolved> {
    if (path.includes("\0")) throw new ConfinedReadError("ENOENT", path, "not found");
    const stack: FileHandle[] = [this.root];
    const popTo = async (depth: number) => {
      while (stack.length > depth) await stack.pop()!.close();
    };
    const release = () => popTo(1);
    try {
      const pending = components(path);
      let links = 0;
      for (let steps = 0; pending.length > 0; steps++) {
        if (steps > MAX_STEPS)
          throw new ConfinedReadError("ELOOP", path, `more than ${MAX_STEPS} components`);
        const name = pending.shift()!;
        if (name === "..") {
          // The root's parent is the root: the target cannot climb out of its own tree.
          if (stack.length > 1) await popTo(stack.length - 1);
          continue;
        }
        const dir = stack.at(-1)!;
        const st = await lstat(fdPath(dir, name)).catch(lookupError(path));
        if (st.isSymbolicLink()) {
          if (++links > MAX_SYMLINKS)
            throw new ConfinedReadError("ELOOP", path, `more than ${MAX_SYMLINKS} symlinks`);
          const target = await readlink(fdPath(dir, name)).catch(lookupError(path));
          // An absolute link starts again at the target's root, never at the collector's.
          if (target.startsWith("/")) await popTo(1);
          pending.unshift(...components(target));
          continue;
        }
        if (pending.length === 0) return { dir, name, st, release };
        if (!st.isDirectory()) throw new ConfinedReadError("ENOENT", path, "not found");
        stack.push(await open(fdPath(dir, name), OPEN_DIR).catch(lookupError(path)));
      }
      return { dir: stack.at(-1)!, release };
    } catch (e) {
      await release();
      throw e;
    }
  }

  /**
   * The regular file at `path` (resolved inside the root), at most maxBytes; ConfinedReadError
   * when it is missing, not a regular file, larger than maxBytes, or not readable.
   */
  async readFile(path: string, maxBytes: number): Promise<Buffer> {
    const r = await this.resolve(path);
    try {
      if (!r.name || !r.st) throw new ConfinedReadError("ENOTREG", path, "is a directory");
      if (!r.st.isFile())
        throw new ConfinedReadError("ENOTREG", path, `not a regular file (${fileKind(r.st)})`);
      if (r.st.size > maxBytes)
        throw new ConfinedReadError("EFBIG", path, `larger than ${maxBytes} bytes`);
      const handle = await open(fdPath(r.dir, r.name), OPEN_FILE).catch(lookupError(path));
      try {
        const now = await handle.stat();
        if (!now.isFile() || now.ino !== r.st.ino || now.dev !== r.st.dev)
          throw new ConfinedReadError("ECHANGED", path, "replaced while being opened");
        const { bytes, truncated } = await readAtMost(handle, maxBytes);
        if (truncated) throw new ConfinedReadError("EFBIG", path, `larger than ${maxBytes} bytes`);
        return bytes;
      } finally {
        await handle.close();
      }
    } finally {
      await r.release();
    }
  }

  /** readFile as UTF-8 text; undefined when the file does not exist (other problems throw). */
  async readTextIfExists(path: string, maxBytes: number): Promise<string | undefined> {
    try {
      return (await this.readFile(path, maxBytes)).toString("utf8");
    } catch (e) {
      if (e instanceof ConfinedReadError && e.code === "ENOENT") return undefined;
      throw e;
    }
  }

  /** The names in the directory at `path` (resolved inside the root), at most maxEntries. */
  async listDir(path: string, maxEntries: number): Promise<string[]> {
    const r = await this.resolve(path);
    let opened: FileHandle | undefined;
    try {
      let dir = r.dir;
      if (r.name) {
        if (!r.st?.isDirectory()) throw new ConfinedReadError("ENOENT", path, "not a directory");
        opened = await open(fdPath(r.dir, r.name), OPEN_DIR).catch(lookupError(path));
        dir = opened;
      }
      const names: string[] = [];
      const entries = await opendir(`/proc/self/fd/${dir.fd}`, { bufferSize: 64 });
      try {
        for (let e = await entries.read(); e && names.length < maxEntries; e = await entries.read())
          names.push(e.name);
      } finally {
        await entries.close();
      }
      return names;
    } finally {
      await opened?.close();
      await r.release();
    }
  }
}
