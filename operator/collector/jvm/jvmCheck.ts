import { readdir, readFile } from "node:fs/promises";
import { parseJvmFlags } from "../../analysis/parseJvmFlags.js";
import type {
  JvmEvidence,
  JvmPerfSummary,
  JvmProcessEvidence,
} from "../../report/evidence/jvmEvidence.js";
import type { Check, CheckContext } from "../check.js";
import { readMemoryCgroup } from "../memory/memoryCheck.js";
import { readTextIfExists } from "../readTextFile.js";
import { containerSupport } from "./containerSupport.js";
import { identifyJvm, type ProcessIdentity, splitNul } from "./findJvms.js";
import { isSummarizedCounter, summarizeHsperfdata } from "./heapFromHsperfdata.js";
import { parseHsperfdata } from "./parseHsperfdata.js";
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

/** The user name for a uid inside the container (hsperfdata_<user>), from its own /etc/passwd. */
async function userName(root: string, uid: number): Promise<string | undefined> {
  const passwd = await readTextIfExists(`${root}/etc/passwd`);
  for (const line of passwd?.split("\n") ?? []) {
    const f = line.split(":");
    if (f.length > 2 && Number(f[2]) === uid) return f[0];
  }
  return undefined;
}

/** hsperfdata_<user>/<nspid> under the container's /tmp; any user directory as a fallback. */
async function findHsperfdata(root: string, user: string | undefined, nsPid: number) {
  const candidates: string[] = [];
  if (user) candidates.push(`${root}/tmp/hsperfdata_${user}/${nsPid}`);
  try {
    for (const d of await readdir(`${root}/tmp`)) {
      if (d.startsWith("hsperfdata_")) candidates.push(`${root}/tmp/${d}/${nsPid}`);
    }
  } catch {
    // no /tmp: the JVM may run with -XX:-UsePerfData
  }
  for (const path of candidates) {
    try {
      return { path, bytes: await readFile(path) };
    } catch {
      // try the next
    }
  }
  return undefined;
}

async function inspectJvm(ctx: CheckContext, id: ProcessIdentity): Promise<JvmProcessEvidence> {
  const dir = `${ctx.procRoot}/${id.pid}`;
  const root = `${dir}/root`;
  const status = parseStatus((await readTextIfExists(`${dir}/status`)) ?? "");
  const env = envOf(await readTextIfExists(`${dir}/environ`));

  const nsPid = status.nsPid ?? id.pid;
  const hs = await findHsperfdata(
    root,
    status.uid === undefined ? undefined : await userName(root, status.uid),
    nsPid,
  );
  let perf: JvmPerfSummary | undefined;
  let perfUnavailable: string | undefined;
  if (hs) {
    try {
      perf = summarizeHsperfdata(parseHsperfdata(hs.bytes, isSummarizedCounter));
    } catch (e) {
      perfUnavailable = `${hs.path}: ${(e as Error).message}`;
    }
  } else {
    perfUnavailable = `no hsperfdata file for pid ${nsPid} under ${root}/tmp (-XX:-UsePerfData or -XX:+PerfDisableSharedMem?)`;
  }

  // java.home: from the JVM itself, else <exe>/../..; the release file is read inside the container.
  const javaHome =
    perf?.javaHome ??
    (id.exe?.endsWith("/bin/java") ? id.exe.slice(0, -"/bin/java".length) : undefined);
  const release = javaHome ? await readTextIfExists(`${root}${javaHome}/release`) : undefined;
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
  if (hs) ev.hsperfdataPath = hs.path;
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
