import { parseJvmFlags } from "../../analysis/parseJvmFlags.js";
import type {
  JvmEvidence,
  JvmPerfSummary,
  JvmProcessEvidence,
} from "../../report/evidence/jvmEvidence.js";
import type { Check, CheckContext } from "../check.js";
import { ConfinedReadError, TargetRoot } from "../confinedRead.js";
import { readMemoryCgroup } from "../memory/memoryCheck.js";
import { readTextIfExists } from "../readTextFile.js";
import { containerSupport } from "./containerSupport.js";
import { identifyJvm, type ProcessIdentity, splitNul } from "./findJvms.js";
import { perfSummaryFromHsperfdata } from "./heapFromHsperfdata.js";
import { javaVersionFromRelease, parseJavaVersion } from "./parseJavaRelease.js";

const MAX_JVMS = 16;
const MAX_ARGS = 200;

interface ProcStatus {
  uid?: number;
  nsPid?: number;
  rssBytes?: number;
  threads?: number;
}

function parseStatus(text: string): ProcStatus {
  const out: ProcStatus = {};
  const uid = /^Uid:\s+(\d+)/m.exec(text);
  if (uid) out.uid = Number(uid[1]);
  // NSpid lists the pid in each nested namespace; the last is the container's own.
  const ns = /^NSpid:\s+(.*)$/m.exec(text);
  if (ns) out.nsPid = Number(ns[1]!.trim().split(/\s+/).at(-1));
  const rss = /^VmRSS:\s+(\d+) kB/m.exec(text);
  if (rss) out.rssBytes = Number(rss[1]) * 1024;
  const threads = /^Threads:\s+(\d+)/m.exec(text);
  if (threads) out.threads = Number(threads[1]);
  return out;
}

function envOf(text: string | undefined): Record<string, string> {
  const env: Record<string, string> = {};
  for (const kv of splitNul(text ?? "")) {
    const eq = kv.indexOf("=");
    if (eq > 0) env[kv.slice(0, eq)] = kv.slice(eq + 1);
  }
  return env;
}

/** hsperfdata files are 32 KiB by default (-XX:PerfDataMemorySize); anything past this is not one. */
const MAX_HSPERFDATA_BYTES = 1024 * 1024;
const MAX_PASSWD_BYTES = 1024 * 1024;
const MAX_RELEASE_BYTES = 64 * 1024;
/** Names read from the target's /tmp, and hsperfdata_* directories tried, at most. */
const MAX_TMP_ENTRIES = 4096;
const MAX_HSPERFDATA_DIRS = 16;

/** The user name for a uid inside the container (hsperfdata_<user>), from its own /etc/passwd. */
async function userName(root: TargetRoot, uid: number): Promise<string | undefined> {
  const passwd = await root
    .readTextIfExists("/etc/passwd", MAX_PASSWD_BYTES)
    .catch(() => undefined);
  for (const line of passwd?.split("\n") ?? []) {
    const f = line.split(":");
    if (f.length > 2 && Number(f[2]) === uid) return f[0];
  }
  return undefined;
}

type HsperfdataLookup =
  | { found: true; path: string; bytes: Buffer }
  | { found: false; reason?: string };

/**
 * hsperfdata_<user>/<nspid> under the container's /tmp; any user directory as a fallback. Every
 * read is confined to the target's root and capped; a candidate that exists but cannot be read (a
 * FIFO, a device, too large, a symlink loop) is reported rather than skipped silently.
 */
async function findHsperfdata(
  root: TargetRoot,
  user: string | undefined,
  nsPid: number,
): Promise<HsperfdataLookup> {
  const candidates: string[] = [];
  if (user) candidates.push(`/tmp/hsperfdata_${user}/${nsPid}`);
  try {
    const dirs = (await root.listDir("/tmp", MAX_TMP_ENTRIES)).filter((d) =>
      d.startsWith("hsperfdata_"),
    );
    for (const d of dirs.slice(0, MAX_HSPERFDATA_DIRS)) {
      const path = `/tmp/${d}/${nsPid}`;
      if (!candidates.includes(path)) candidates.push(path);
    }
  } catch {
    // no /tmp: the JVM may run with -XX:-UsePerfData
  }
  let reason: string | undefined;
  for (const path of candidates) {
    try {
      return { found: true, path, bytes: await root.readFile(path, MAX_HSPERFDATA_BYTES) };
    } catch (e) {
      if (!(e instanceof ConfinedReadError && e.code === "ENOENT"))
        reason ??= `${root.path}${(e as Error).message}`;
    }
  }
  return reason === undefined ? { found: false } : { found: false, reason };
}

async function inspectJvm(ctx: CheckContext, id: ProcessIdentity): Promise<JvmProcessEvidence> {
  const dir = `${ctx.procRoot}/${id.pid}`;
  const rootPath = `${dir}/root`;
  const status = parseStatus((await readTextIfExists(`${dir}/status`)) ?? "");
  const env = envOf(await readTextIfExists(`${dir}/environ`));
  const nsPid = status.nsPid ?? id.pid;
  const root = await TargetRoot.open(rootPath).catch(() => undefined);
  try {
    return await inspectJvmIn(ctx, id, { root, rootPath, status, env, nsPid });
  } finally {
    await root?.close();
  }
}

interface JvmSurroundings {
  /** Undefined when the process' root cannot be opened (gone, not permitted). */
  root: TargetRoot | undefined;
  rootPath: string;
  status: ProcStatus;
  env: Record<string, string>;
  nsPid: number;
}

async function inspectJvmIn(
  ctx: CheckContext,
  id: ProcessIdentity,
  { root, rootPath, status, env, nsPid }: JvmSurroundings,
): Promise<JvmProcessEvidence> {
  const hs: HsperfdataLookup = root
    ? await findHsperfdata(
        root,
        status.uid === undefined ? undefined : await userName(root, status.uid),
        nsPid,
      )
    : { found: false, reason: `${rootPath}: cannot open the process' root` };
  let perf: JvmPerfSummary | undefined;
  let perfUnavailable: string | undefined;
  if (hs.found) {
    try {
      perf = perfSummaryFromHsperfdata(hs.bytes);
    } catch (e) {
      perfUnavailable = `${rootPath}${hs.path}: ${(e as Error).message}`;
    }
  } else {
    perfUnavailable =
      hs.reason ??
      `no hsperfdata file for pid ${nsPid} under ${rootPath}/tmp (-XX:-UsePerfData or -XX:+PerfDisableSharedMem?)`;
  }

  // java.home: from the JVM itself, else <exe>/../..; the release file is read inside the container.
  const javaHome =
    perf?.javaHome ??
    (id.exe?.endsWith("/bin/java") ? id.exe.slice(0, -"/bin/java".length) : undefined);
  const release =
    javaHome && root
      ? await root.readTextIfExists(`${javaHome}/release`, MAX_RELEASE_BYTES).catch(() => undefined)
      : undefined;
  const fromRelease = release ? javaVersionFromRelease(release) : undefined;
  const version =
    fromRelease ?? (perf?.javaVersion ? parseJavaVersion(perf.javaVersion) : undefined);

  // The version decides whether JDK_JAVA_OPTIONS applies, so the flags are read after it.
  const flags = parseJvmFlags(id.cmdline, env, {
    processCmdline: true,
    javaMajorVersion: version?.major,
  });
  const ev: JvmProcessEvidence = {
    pid: id.pid,
    cmdline: id.cmdline.slice(0, MAX_ARGS),
    flags,
    containerSupport: containerSupport(
      version,
      flags.useContainerSupport,
      ctx.target.cgroupVersion,
    ),
  };
  if (id.exe) ev.exe = id.exe;
  if (status.nsPid !== undefined) ev.nsPid = status.nsPid;
  if (status.rssBytes !== undefined) ev.rssBytes = status.rssBytes;
  if (status.threads !== undefined) ev.threads = status.threads;
  if (hs.found) ev.hsperfdataPath = `${rootPath}${hs.path}`;
  if (perf) ev.perf = perf;
  if (perfUnavailable) ev.perfUnavailable = perfUnavailable;
  if (javaHome) ev.javaHome = javaHome;
  if (version) {
    ev.version = version;
    ev.versionSource = fromRelease ? "release" : "hsperfdata";
  }
  return ev;
}

export async function collectJvm(ctx: CheckContext): Promise<JvmEvidence> {
  const ids: ProcessIdentity[] = [];
  for (const pid of ctx.target.pids) {
    const id = await identifyJvm(ctx.procRoot, pid);
    if (id) ids.push(id);
    if (ids.length >= MAX_JVMS) break;
  }
  const evidence: JvmEvidence = { jvms: [], pidsScanned: ctx.target.pids.length };
  if (ctx.target.cgroupVersion) evidence.cgroupVersion = ctx.target.cgroupVersion;
  const mem = await readMemoryCgroup(ctx);
  if (typeof mem !== "string" && mem.limitBytes !== undefined) {
    evidence.memoryLimitBytes = mem.limitBytes;
  }
  const meminfo = await readTextIfExists(`${ctx.procRoot}/meminfo`);
  const memTotal = meminfo && /^MemTotal:\s+(\d+) kB/m.exec(meminfo);
  if (memTotal) evidence.hostMemoryBytes = Number(memTotal[1]) * 1024;
  for (const id of ids) evidence.jvms.push(await inspectJvm(ctx, id));
  return evidence;
}

export const jvmCheck: Check<JvmEvidence> = {
  name: "jvm",
  scope: "pod",
  collect: collectJvm,
};
