import { readFileSync } from "node:fs";
import { expect } from "chai";
import { analyzeProfile } from "../../../../operator/analysis/profileRules.js";
import { collapseSamples } from "../../../../operator/collector/profile/collapseStacks.js";
import {
  parsePerfScript,
  parseSampleHeader,
} from "../../../../operator/collector/profile/parsePerfScript.js";
import { profileDataFrom } from "../../../../operator/collector/profile/profileCheck.js";
import { topFrames } from "../../../../operator/collector/profile/topFrames.js";
import { renderFlameGraph } from "../../../../operator/flamegraph/renderFlameGraph.js";
import { displayName, frameKind } from "../../../../operator/report/frameKind.js";
import { weightingSubtitle } from "../../../../operator/report/stackWeighting.js";

// perf script outputs from this machine and from inferno / FlameGraph's test data:
// test/fixtures/profile/README.md.
const read = (name: string) => readFileSync(`test/fixtures/profile/${name}`, "utf8");
const parse = (name: string) => parsePerfScript(read(name));
const run = { mode: "pid" as const, pids: [24037], seconds: 1, frequency: 199 };

/** Our stacks without the _[k]/_[j] kind suffixes, which inferno's default output does not add. */
const plain = (stack: string) => stack.replace(/_\[[kj]\](?=;|$)/g, "");

describe("perf script outputs from other systems", () => {
  describe("class 6: kernel and idle frames, Java frames", () => {
    it("kernel symbols unreadable (kptr_restrict): '[unknown] ([kernel.kallsyms])' frames stay kernel, 91.67% kernel not 0%", () => {
      const p = parse("perf-script-dd-kallsyms-unreadable.txt");
      expect(p.samples).to.have.length(72);
      expect(p.unrecognizedLines).to.equal(0);
      const { stacks } = collapseSamples(p.samples);
      expect([...stacks.keys()]).to.include(
        "dd;__GI___libc_write;[kernel.kallsyms]_[k];[kernel.kallsyms]_[k];[kernel.kallsyms]_[k];[kernel.kallsyms]_[k]",
      );
      const top = topFrames(stacks);
      expect(top.kernelPercent).to.equal(91.67);
      // The same recording with symbols: the same kernel share.
      const resolved = topFrames(
        collapseSamples(parse("perf-script-dd-F-comm-pid-tid-period-event-ip-sym-dso.txt").samples)
          .stacks,
      );
      expect(resolved.kernelPercent).to.equal(top.kernelPercent);
      const f = analyzeProfile(profileDataFrom(p, run));
      expect(f.map((x) => x.code)).to.deep.equal(["ProfileHotFrames", "KernelTimeDominant"]);
      expect(f[0]!.summary).to.include("kernel 91.67%");
    });

    it("versioned vmlinux-*, .ko modules and bpf_prog_* are kernel; interrupt work on an idle CPU is not idle (inferno test data)", () => {
      const p = parse("inferno-versioned-vmlinux.txt");
      const [stack] = [...collapseSamples(p.samples).stacks.keys()];
      // inferno's expected output for this input (results/versioned-vmlinux-collapsed-kernel.txt),
      // except that the XDP program is kernel code here too.
      expect(stack).to.equal(
        "swapper;[vmlinux-5.4.14-cloudflare-2020.1.11]_[k];start_secondary_[k];cpu_startup_entry_[k];do_idle_[k];cpuidle_enter_[k];cpuidle_enter_state_[k];common_interrupt_[k];do_IRQ_[k];irq_exit_[k];__softirqentry_text_start_[k];net_rx_action_[k];mlx5e_napi_poll_[k];mlx5e_poll_rx_cq_[k];mlx5e_handle_rx_cqe_[k];mlx5e_skb_from_cqe_linear_[k];mlx5e_xdp_handle_[k];bpf_prog_2b956549c660136a_uni_l4lb_[k]",
      );
      const top = topFrames(collapseSamples(p.samples).stacks);
      expect(top).to.deep.include({ kernelPercent: 100, idlePercent: 0 });
    });

    it("the idle task halted in the idle loop is idle, not kernel time (stackcollapse-perf.pl's own example input)", () => {
      // The example in stackcollapse-perf.pl's header comment, a swapper sample in native_safe_halt.
      const text = [
        "swapper     0 [000] 158665.570607: cpu-clock: ",
        "        ffffffff8103ce3b native_safe_halt ([kernel.kallsyms])",
        "        ffffffff8101c6a3 default_idle ([kernel.kallsyms])",
        "        ffffffff81013236 cpu_idle ([kernel.kallsyms])",
        "        ffffffff815bf03e rest_init ([kernel.kallsyms])",
        "        ffffffff81aebbfe start_kernel ([kernel.kallsyms].init.text)",
        "",
      ].join("\n");
      const top = topFrames(collapseSamples(parsePerfScript(text).samples).stacks);
      expect(top).to.deep.include({ kernelPercent: 0, idlePercent: 100 });
    });

    it("Java: the 'L' signature prefix dropped, perf-map-agent inline chains split into frames marked _[i], as inferno's expected output", () => {
      const p = parse("inferno-java-inline-excerpt.txt");
      const ours = [...collapseSamples(p.samples).stacks.keys()];
      expect(
        ours.some((s) =>
          s.includes(
            "java/io/PrintStream:::println_[j];java/io/PrintStream:::print_[i];java/io/PrintStream:::write_[i]",
          ),
        ),
      ).to.equal(true);
      // inferno tests/data/collapse-perf/results/java-inline-collapsed.txt holds every one of our stacks.
      const inferno = [
        "java;[unknown];__GI___libc_write",
        "java;[unknown];__GI___libc_write;entry_SYSCALL_64_after_hwframe;do_syscall_64;ksys_write;fput",
        "java;start_thread;[libjli.so];[libjvm.so];[libjvm.so];[libjvm.so];call_stub;Interpreter;Interpreter;LCounter:::countTo;java/io/PrintStream:::println;java/io/PrintStream:::print_[i];java/io/PrintStream:::write_[i];java/io/BufferedWriter:::flushBuffer;java/io/OutputStreamWriter:::write_[i];sun/nio/cs/StreamEncoder:::write_[i];sun/nio/cs/StreamEncoder:::implWrite_[i];sun/nio/cs/StreamEncoder:::implWrite_[i];java/nio/charset/CharsetEncoder:::encode_[i];sun/nio/cs/UTF_8$Encoder:::encodeLoop_[i]",
        "java;start_thread;[libjli.so];[libjvm.so];[libjvm.so];[libjvm.so];call_stub;Interpreter;Interpreter;LCounter:::countTo;java/io/PrintStream:::println;java/io/PrintStream:::newLine_[i];java/io/OutputStreamWriter:::flushBuffer_[i];sun/nio/cs/StreamEncoder:::flushBuffer;sun/nio/cs/StreamEncoder:::implFlushBuffer_[i];sun/nio/cs/StreamEncoder:::writeBytes_[i];java/io/PrintStream:::write_[i];java/io/BufferedOutputStream:::flush_[i];java/io/BufferedOutputStream:::flushBuffer_[i];java/io/FileOutputStream:::write_[i];java/io/FileOutputStream:::writeBytes;Java_java_io_FileOutputStream_writeBytes;[libjava.so];[libjvm.so];[libjvm.so]",
      ];
      expect(ours.map(plain).sort()).to.deep.equal([...inferno].sort());
      expect(frameKind("sun/nio/cs/StreamEncoder:::write_[i]")).to.equal("inline");
      expect(displayName("sun/nio/cs/StreamEncoder:::write_[i]")).to.equal(
        "sun/nio/cs/StreamEncoder:::write",
      );
    });
  });

  describe("class 7: custom -F fields, and output that is not understood", () => {
    it("`perf script -F comm,pid,tid,period,event,ip,sym,dso` (no time) and `-F comm,tid,ip,sym,dso` give the same 72 samples as the default", () => {
      const custom = parse("perf-script-dd-F-comm-pid-tid-period-event-ip-sym-dso.txt");
      const minimal = parse("perf-script-dd-F-comm-tid-ip-sym-dso.txt");
      expect(custom.samples).to.have.length(72);
      expect(minimal.samples).to.have.length(72);
      expect(custom.samples[0]).to.deep.include({
        comm: "dd",
        pid: 24037,
        tid: 24037,
        period: 5025125,
        event: "cpu-clock:ppp",
      });
      expect(minimal.samples[0]).to.deep.include({ comm: "dd", tid: 24037 });
      const a = collapseSamples(custom.samples).stacks;
      const b = collapseSamples(minimal.samples).stacks;
      expect([...a.entries()].sort()).to.deep.equal([...b.entries()].sort());
      expect(analyzeProfile(profileDataFrom(minimal, run))[0]!.code).to.equal("ProfileHotFrames");
    });

    it("headers in every layout the peers document", () => {
      const cases: [string, Record<string, unknown>][] = [
        ["java 25607 4794564.109216: cycles:", { comm: "java", tid: 25607, event: "cycles" }],
        ["java 12688 [002] 6544038.708352: cpu-clock:", { comm: "java", tid: 12688, cpu: 2 }],
        [
          "V8 WorkerThread 24636/25607 [000] 94564.109216: cycles:",
          { comm: "V8 WorkerThread", pid: 24636, tid: 25607 },
        ],
        [
          "vote   913    72.176760:     257597 cycles:uppp:",
          { comm: "vote", tid: 913, period: 257597, event: "cycles:uppp" },
        ],
        ["dd 24037/24037    5025125 cpu-clock:ppp: ", { comm: "dd", pid: 24037, period: 5025125 }],
        ["dd 24037 ", { comm: "dd", tid: 24037 }],
      ];
      for (const [line, want] of cases) expect(parseSampleHeader(line), line).to.deep.include(want);
      expect(parseSampleHeader("Warning: 3 samples lost")).to.equal(undefined);
    });

    it("output nothing could be read from is 'not understood' with a count, not 'the target was idle' (written from perf's 'perf script -F ip' form)", () => {
      const p = parsePerfScript("ffffffff816b92bb\nffffffff816b9856\nffffffff821ed511\n");
      expect(p.samples).to.have.length(0);
      expect(p.unrecognizedLines).to.equal(3);
      const [f, ...rest] = analyzeProfile(profileDataFrom(p, run));
      expect(rest).to.deep.equal([]);
      expect(f!.code).to.equal("ProfileNotUnderstood");
      expect(f!.severity).to.equal("Warning");
      expect(f!.summary).to.include("3 line(s)");
      expect(f!.summary).to.include('"ffffffff816b92bb"');
      expect(f!.summary).to.not.include("was idle");
      // And really no output stays "idle".
      expect(analyzeProfile(profileDataFrom(parsePerfScript(""), run))[0]!.code).to.equal(
        "ProfileEmpty",
      );
    });
  });

  describe("class 9: what a count is, as the peers count it", () => {
    it("one per sample of the first event, as stackcollapse-perf.pl and inferno (FlameGraph's cycles+instructions test data)", () => {
      const c = collapseSamples(parse("flamegraph-cycles-instructions-excerpt.txt").samples);
      expect(c).to.deep.include({
        weighting: "samples",
        event: "instructions",
        samples: 9,
        otherEventSamples: 4,
      });
      expect(c.stacks.get("noploop;main")).to.equal(7);
    });

    it("weighting by period is available and says so: 72 samples of 5025125 ns of cpu-clock", () => {
      const p = parse("perf-script-dd-F-comm-pid-tid-period-event-ip-sym-dso.txt");
      const bySample = collapseSamples(p.samples);
      const byPeriod = collapseSamples(p.samples, { weighting: "period" });
      const sum = (m: Map<string, number>) => [...m.values()].reduce((a, b) => a + b, 0);
      expect(sum(bySample.stacks)).to.equal(72);
      expect(sum(byPeriod.stacks)).to.equal(72 * 5025125);
      expect(weightingSubtitle("period", "cpu-clock:ppp")).to.equal(
        "width: sum of sample periods of cpu-clock:ppp (events counted, ns for cpu-clock)",
      );
    });

    it("the report's flame graph subtitle says what the width counts", () => {
      const data = profileDataFrom(parse("perf-script-dd-kallsyms-unreadable.txt"), run);
      expect(data.collapsed).to.deep.include({ weighting: "samples", event: "cpu-clock:ppp" });
      const svg = renderFlameGraph(
        collapseSamples(parse("perf-script-dd-kallsyms-unreadable.txt").samples).stacks,
        {
          subtitle: weightingSubtitle(data.collapsed.weighting, data.collapsed.event),
        },
      );
      expect(svg).to.include(
        "width: samples of cpu-clock:ppp, one per sample as stackcollapse-perf.pl and inferno count",
      );
    });
  });
});
