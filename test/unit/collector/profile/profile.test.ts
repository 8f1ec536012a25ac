import { mkdtemp, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "chai";
import { analyzeReport } from "../../../../operator/analysis/analyzeReport.js";
import type { CheckContext } from "../../../../operator/collector/check.js";
import {
  type CommandRunner,
  type RunOptions,
  ToolUnavailableError,
} from "../../../../operator/collector/commandRunner.js";
import { collapseStacks } from "../../../../operator/collector/profile/collapseStacks.js";
import { parsePerfScript } from "../../../../operator/collector/profile/parsePerfScript.js";
import {
  createProfileCheck,
  findKernelThreads,
} from "../../../../operator/collector/profile/profileCheck.js";
import { topFrames } from "../../../../operator/collector/profile/topFrames.js";
import { decodeCollapsed } from "../../../../operator/report/collapsedBlob.js";
import { parseCollapsed } from "../../../../operator/report/collapsedText.js";
import { recordedRunner } from "../recordedRunner.js";

const dir = new URL("../../../fixtures/profile/", import.meta.url).pathname;
const fixture = (name: string) => readFile(`${dir}${name}`, "utf8");

// Hand-written from perf-script-excerpt.txt: frames reversed, offsets dropped, kernel frames "_[k]".
const HPING_RX =
  "hping3;[unknown];__libc_sendto;entry_SYSCALL_64_after_hwframe_[k];do_syscall_64_[k];__x64_sys_sendto_[k];" +
  "__sys_sendto_[k];raw_sendmsg_[k];ip_output_[k];ip_finish_output2_[k];__dev_queue_xmit_[k];" +
  "__local_bh_enable_ip_[k];do_softirq.part.0_[k];handle_softirqs_[k];net_rx_action_[k];__napi_poll_[k];" +
  "process_backlog_[k];__netif_receive_skb_one_core_[k];ip_rcv_[k];ip_rcv_core_[k];sock_wfree_[k]";
const KSOFTIRQD =
  "ksoftirqd/0;ret_from_fork_asm_[k];ret_from_fork_[k];kthread_[k];smpboot_thread_fn_[k];ksoftirqd_should_run_[k]";

describe("parsePerfScript", () => {
  it("reads headers with and without [cpu], comm with spaces, and leaf-first frames", async () => {
    const { samples, unrecognizedLines } = parsePerfScript(
      await fixture("perf-script-excerpt.txt"),
    );
    expect(unrecognizedLines).to.equal(0);
    expect(samples).to.have.length(14);
    expect(samples[0]).to.include({ comm: "busy", tid: 14065, event: "cpu-clock:ppp" });
    expect(samples[0]?.cpu).to.equal(undefined);
    expect(samples[0]?.frames[0]).to.deep.equal({
      address: "1190",
      symbol: "leaf_hash",
      dso: "/tmp/s3/busy",
    });
    const npm = samples.find((s) => s.comm.startsWith("npm"));
    expect(npm).to.include({ comm: "npm exec tsc -p", tid: 14727, cpu: 0 });
    const rx = samples.find((s) => s.comm === "hping3");
    expect(rx?.frames.at(-1)).to.deep.equal({
      address: "4d00cb0a00000640",
      symbol: "[unknown]",
      dso: "[unknown]",
    });
    expect(rx?.frames[0]).to.deep.include({ symbol: "sock_wfree", dso: "[kernel.kallsyms]" });
  });

  it("parses every sample of the whole-node capture", async () => {
    const text = await fixture("perf-script-node-synflood.txt");
    const { samples, unrecognizedLines } = parsePerfScript(text);
    expect(unrecognizedLines).to.equal(0);
    // One header line per sample: lines that start with neither a tab nor are blank.
    expect(samples).to.have.length(text.split("\n").filter((l) => /^\S/.test(l)).length);
    expect(samples.every((s) => s.frames.length > 0)).to.equal(true);
  });
});

describe("collapseStacks", () => {
  it("matches the hand-counted stacks of the excerpt", async () => {
    const stacks = collapseStacks(
      parsePerfScript(await fixture("perf-script-excerpt.txt")).samples,
    );
    // busy main thread: 4 samples in main -> leaf_hash; worker thread: 6 in worker -> handle -> leaf_hash.
    expect(stacks.get("busy;__libc_start_call_main;main;leaf_hash")).to.equal(4);
    expect(stacks.get("busy;start_thread;worker;handle;leaf_hash")).to.equal(6);
    expect(stacks.get(HPING_RX)).to.equal(1);
    expect(stacks.get(KSOFTIRQD)).to.equal(1);
    expect(
      stacks.get("esbuild;[esbuild];[esbuild];[esbuild];[esbuild];[esbuild];[esbuild]"),
    ).to.equal(1);
    const npm = [...stacks.keys()].find((k) => k.startsWith("npm_exec_tsc_-p;"));
    expect(npm?.split(";").slice(0, 3)).to.deep.equal([
      "npm_exec_tsc_-p",
      "__libc_start_call_main",
      "node::Start",
    ]);
    // C++ argument lists go, "(anonymous namespace)" stays.
    expect(npm).to.include(";v8::internal::(anonymous namespace)::Invoke;");
    expect(npm).to.include(";v8::internal::ParserBase<v8::internal::Parser>::ParseFunctionBody;");
    expect(stacks.size).to.equal(6);
    expect([...stacks.values()].reduce((a, b) => a + b, 0)).to.equal(14);
  });

  it("keeps threads apart with includePid and counts every sample", async () => {
    const { samples } = parsePerfScript(await fixture("perf-script-user-busy.txt"));
    const stacks = collapseStacks(samples, { includePid: true });
    const roots = new Set([...stacks.keys()].map((k) => k.split(";")[0]));
    expect(roots).to.deep.equal(new Set(["busy-14063", "busy-14065"]));
    expect([...stacks.values()].reduce((a, b) => a + b, 0)).to.equal(samples.length);
  });

  it("finds the network receive path in the SYN flood capture", async () => {
    const stacks = collapseStacks(
      parsePerfScript(await fixture("perf-script-node-synflood.txt")).samples,
    );
    const rx = [...stacks.keys()].filter((k) => k.includes(";net_rx_action_[k];"));
    expect(rx.length).to.be.greaterThan(0);
    expect(rx.some((k) => k.includes(";tcp_v4_rcv_[k];"))).to.equal(true);
  });
});

describe("topFrames", () => {
  it("ranks by self and total samples, counting recursion once", () => {
    const stacks = parseCollapsed("a;f;g;f 3\na;f;h 2\nb;h 5\nb 1\n");
    const top = topFrames(stacks);
    expect(top.totalSamples).to.equal(11);
    expect(top.bySelf.map((f) => [f.frame, f.samples])).to.deep.equal([
      ["h", 7],
      ["f", 3],
    ]);
    expect(top.byTotal.map((f) => [f.frame, f.samples])).to.deep.equal([
      ["h", 7],
      ["f", 5],
      ["g", 3],
    ]);
    expect(top.byProcess.map((f) => [f.frame, f.samples])).to.deep.equal([
      ["b", 6],
      ["a", 5],
    ]);
  });

  it("reports kernel frame kinds and the kernel share", async () => {
    const top = topFrames(
      collapseStacks(parsePerfScript(await fixture("perf-script-excerpt.txt")).samples),
      100,
    );
    const rx = top.byTotal.find((f) => f.frame === "net_rx_action");
    expect(rx).to.include({ kind: "kernel", samples: 1 });
    // Kernel leaves: sock_wfree and ksoftirqd_should_run, 2 of 14.
    expect(top.kernelPercent).to.equal(14.29);
  });
});

function fakeContext(runner: CommandRunner, procRoot: string, profile = {}): CheckContext {
  return {
    target: { kind: "node", pids: [], cgroupPaths: {}, hostname: "test" },
    procRoot,
    sysRoot: "/sys",
    kmsgPath: "/dev/kmsg",
    options: { sampleSeconds: 0, profile: { seconds: 1, frequency: 99, ...profile } },
    runner,
    now: () => new Date(0),
    progress: () => {},
  };
}

describe("profile check", () => {
  const kthreads = new URL("../../../fixtures/softirq/proc-kthreads-after", import.meta.url)
    .pathname;
  const tmp = () => mkdtemp(join(tmpdir(), "dgn-s3-unit-"));

  it("runs perf record and perf script with argument arrays and collapses the output", async () => {
    const calls: string[][] = [];
    const script = await fixture("perf-script-excerpt.txt");
    const runner = recordedRunner(async (cmd, args) => {
      calls.push([cmd, ...args]);
      return { stdout: args[0] === "script" ? script : "", stderr: "", exitCode: 0 };
    });
    const check = createProfileCheck({ makeTempDir: tmp });
    const data = await check.collect(fakeContext(runner, kthreads, { kernelThread: "ksoftirqd" }));
    expect(calls[0]?.slice(0, 6)).to.deep.equal(["perf", "record", "-g", "-F", "99", "-p"]);
    expect(calls[0]?.[6]).to.equal("14,22");
    expect(calls[0]?.slice(-4)).to.deep.equal(["--max-size=48M", "--", "sleep", "1"]);
    expect(calls[1]?.slice(0, 3)).to.deep.equal(["perf", "script", "-i"]);
    expect(data.sizeLimitReached).to.equal(undefined);
    expect(data).to.include({ mode: "kernelThread", samples: 14 });
    expect(data.threads?.map((t) => t.comm)).to.deep.equal(["ksoftirqd/0", "ksoftirqd/1"]);
    expect(decodeCollapsed(data.collapsed)).to.include(`${HPING_RX} 1\n`);
    const findings = analyzeReport({ profile: { status: "ok", durationMs: 0, data } });
    expect(findings.map((f) => f.code)).to.include("ProfileHotFrames");
  });

  it("bounds perf record's output, and says when the profile ended early at that bound", async () => {
    const script = await fixture("perf-script-excerpt.txt");
    const options: RunOptions[] = [];
    const runner = recordedRunner(async (_cmd, args, opts = {}) => {
      options.push(opts);
      return args[0] === "script"
        ? { stdout: script, stderr: "", exitCode: 0 }
        : {
            stdout: "",
            // what perf 6.1 prints when --max-size stops it
            stderr: "[ perf record: perf size limit reached (3084 KB), stopping session ]\n",
            exitCode: 0,
          };
    });
    const data = await createProfileCheck({ makeTempDir: tmp }).collect(
      fakeContext(runner, kthreads),
    );
    expect(data.sizeLimitReached).to.equal(true);
    expect(options[1]?.maxOutputBytes).to.equal(4 * 1024 ** 3);
  });

  it("reports perf missing or not permitted as unavailable", async () => {
    const missing = recordedRunner(async () => {
      throw new ToolUnavailableError("perf", "not installed");
    });
    const check = createProfileCheck({ makeTempDir: tmp });
    const err1 = await check.collect(fakeContext(missing, kthreads)).catch((e: unknown) => e);
    expect(err1).to.be.instanceOf(ToolUnavailableError);
    const stderr = await fixture("perf-record-not-permitted.stderr.txt");
    const denied = recordedRunner(async () => ({ stdout: "", stderr, exitCode: 255 }));
    const err2 = await check.collect(fakeContext(denied, kthreads)).catch((e: unknown) => e);
    expect(err2).to.be.instanceOf(ToolUnavailableError);
    expect((err2 as Error).message).to.match(/^perf: not permitted/);
  });

  it("finds kernel threads by comm prefix only among children of PID 2", async () => {
    const found = await findKernelThreads(kthreads, "ksoftirqd");
    expect(found).to.deep.equal([
      { pid: 14, comm: "ksoftirqd/0" },
      { pid: 22, comm: "ksoftirqd/1" },
    ]);
    expect(await findKernelThreads(kthreads, "process_api")).to.deep.equal([]);
  });
});
