import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { encodeCollapsed } from "../../report/collapsedBlob.js";
import type { ProfileEvidence } from "../../report/evidence/profileEvidence.js";
import type { Check, CheckContext } from "../check.js";
import { ToolUnavailableError } from "../commandRunner.js";
import { readKernelThreads } from "../softirq/readKernelThreads.js";
import { type PerfScriptCollapse, PerfScriptCollapser } from "./collapsePerfScript.js";
import { collapseSamples } from "./collapseStacks.js";
import type { ParsedPerfScript } from "./parsePerfScript.js";
import { topFrames } from "./topFrames.js";

/**
 * perf script's text is read, not kept, so this bounds time more than memory: some 1.7 million
 * samples of whole-node stacks, far past a 30 s profile at 99 Hz on 64 CPUs (190,000).
 */
const MAX_SCRIPT_BYTES = 4 * 1024 ** 3;

/** The CRD defaults (ProfileSpec). */
const PROFILE_DEFAULTS = { seconds: 30, frequency: 99 };

/**
 * perf.data stops growing here (perf ends the session early and says so). Its text is folded as
 * it streams, so memory no longer bounds it: the disk does, the Job's /tmp emptyDir (64Mi, its
 * sizeLimit in collectorJob.ts), with room for perf's own buffers and files.
 */
export const PERF_RECORD_MAX_SIZE = "48M";

export interface ProfileCheckDeps {
  /**
   * Where perf.data goes; removed afterwards. Default: under os.tmpdir(), which is $TMPDIR: the
   * collector Job's root filesystem is read-only, and it sets TMPDIR to its /tmp emptyDir.
   */
  makeTempDir?: () => Promise<string>;
  blobCapBytes?: number;
}

/** Opt-in: perf record -g on the node, a pid or named kernel threads; stacks collapsed by our code. */
export function createProfileCheck(deps: ProfileCheckDeps = {}): Check<ProfileEvidence> {
  const makeTempDir = deps.makeTempDir ?? (() => mkdtemp(join(tmpdir(), "diagnose-perf-")));
  return {
    name: "profile",
    scope: "node",
    async collect(ctx) {
      const opts = { ...PROFILE_DEFAULTS, ...ctx.options.profile };
      const target = await resolveTarget(ctx, opts);
      const dir = await makeTempDir();
      const dataFile = join(dir, "perf.data");
      try {
        ctx.progress(
          `profile: perf record ${target.describe} for ${opts.seconds}s at ${opts.frequency} Hz`,
        );
        const record = await ctx.runner.run(
          "perf",
          [
            "record",
            "-g",
            "-F",
            String(opts.frequency),
            ...target.args,
            "-o",
            dataFile,
            `--max-size=${PERF_RECORD_MAX_SIZE}`,
            "--",
            "sleep",
            String(opts.seconds),
          ],
          { timeoutMs: (opts.seconds + 60) * 1000 },
        );
        if (record.exitCode !== 0) throw perfFailure("perf record", record.stderr);
        const sizeLimited = /size limit reached/.test(record.stderr);
        if (sizeLimited)
          ctx.progress(
            `profile: perf.data reached ${PERF_RECORD_MAX_SIZE}; the profile ends early`,
          );
        // perf.data stays on disk; its text is folded as perf script prints it, never held whole.
        const collapser = new PerfScriptCollapser();
        const script = await ctx.runner.stream(
          "perf",
          ["script", "-i", dataFile],
          (chunk) => collapser.write(chunk),
          { timeoutMs: 300_000, maxOutputBytes: MAX_SCRIPT_BYTES },
        );
        if (script.exitCode !== 0) throw perfFailure("perf script", script.stderr);
        const data = profileEvidence(collapser.end(), {
          mode: target.mode,
          pids: target.pids,
          seconds: opts.seconds,
          frequency: opts.frequency,
          ...(deps.blobCapBytes !== undefined ? { blobCapBytes: deps.blobCapBytes } : {}),
        });
        if (target.threads) data.threads = target.threads;
        if (sizeLimited) data.sizeLimitReached = true;
        return data;
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    },
  };
}

export const profileCheck = createProfileCheck();

type ProfileRun = Pick<ProfileEvidence, "mode" | "pids" | "seconds" | "frequency"> & {
  blobCapBytes?: number;
};

/** The profile evidence from parsed `perf script` output: one count per sample, like the peers. */
export function profileDataFrom(parsed: ParsedPerfScript, run: ProfileRun): ProfileEvidence {
  const collapse: PerfScriptCollapse = {
    ...collapseSamples(parsed.samples),
    unrecognizedLines: parsed.unrecognizedLines,
  };
  if (parsed.firstUnrecognizedLine !== undefined)
    collapse.firstUnrecognizedLine = parsed.firstUnrecognizedLine;
  return profileEvidence(collapse, run);
}

/** The profile evidence from folded `perf script` output. */
export function profileEvidence(collapsed: PerfScriptCollapse, run: ProfileRun): ProfileEvidence {
  const data: ProfileEvidence = {
    mode: run.mode,
    pids: run.pids,
    seconds: run.seconds,
    frequency: run.frequency,
    samples: collapsed.samples,
    unrecognizedLines: collapsed.unrecognizedLines,
    collapsed: encodeCollapsed(collapsed.stacks, run.blobCapBytes, {
      weighting: collapsed.weighting,
      ...(collapsed.event !== undefined ? { event: collapsed.event } : {}),
    }),
    top: topFrames(collapsed.stacks),
  };
  if (collapsed.firstUnrecognizedLine !== undefined)
    data.firstUnrecognizedLine = collapsed.firstUnrecognizedLine;
  if (collapsed.event !== undefined) data.event = collapsed.event;
  if (collapsed.otherEventSamples > 0) data.otherEventSamples = collapsed.otherEventSamples;
  if (collapsed.limitNote !== undefined) data.collapseLimitNote = collapsed.limitNote;
  return data;
}

interface ProfileTarget {
  mode: ProfileEvidence["mode"];
  args: string[];
  pids: number[];
  threads?: { pid: number; comm: string }[];
  describe: string;
}

async function resolveTarget(
  ctx: CheckContext,
  opts: { pid?: number; kernelThread?: string },
): Promise<ProfileTarget> {
  if (opts.kernelThread) {
    const threads = await findKernelThreads(ctx.procRoot, opts.kernelThread);
    if (threads.length === 0) throw new Error(`no kernel thread named ${opts.kernelThread}*`);
    const pids = threads.map((t) => t.pid);
    return {
      mode: "kernelThread",
      args: ["-p", pids.join(",")],
      pids,
      threads,
      describe: `kernel threads ${threads.map((t) => t.comm).join(", ")}`,
    };
  }
  if (opts.pid !== undefined)
    return {
      mode: "pid",
      args: ["-p", String(opts.pid)],
      pids: [opts.pid],
      describe: `pid ${opts.pid}`,
    };
  return { mode: "node", args: ["-a"], pids: [], describe: "the whole node" };
}

/** Kernel threads (PID 2 and its children) whose comm starts with the prefix, e.g. "ksoftirqd". */
export async function findKernelThreads(
  procRoot: string,
  prefix: string,
): Promise<{ pid: number; comm: string }[]> {
  const found = (await readKernelThreads(procRoot))
    .filter((t) => t.comm.startsWith(prefix))
    .map((t) => ({ pid: t.pid, comm: t.comm }));
  return found.sort((a, b) => a.pid - b.pid);
}

/** perf's own refusals become "unavailable"; anything else is an error. */
export function perfFailure(step: string, stderr: string): Error {
  const text = stderr.trim();
  const firstLines = text.split("\n").slice(0, 4).join(" ").slice(0, 400);
  if (
    /perf_event_paranoid|Permission denied|not permitted|EACCES|EPERM|Access to performance monitoring/i.test(
      text,
    )
  )
    return new ToolUnavailableError("perf", `not permitted: ${firstLines}`);
  if (/perf not found for kernel|command not found|No such file or directory.*perf/i.test(text))
    return new ToolUnavailableError("perf", `not installed for this kernel: ${firstLines}`);
  return new Error(`${step} failed: ${firstLines || "no output"}`);
}
