import { readFileSync } from "node:fs";
import { expect } from "chai";
import { analyzeMemory, oomLimitOf } from "../../../../operator/analysis/memoryRules.js";
import { matchOomKills } from "../../../../operator/collector/memory/matchOomKills.js";
import { parseKernelLog } from "../../../../operator/collector/memory/parseKernelLog.js";
import { parseOomKills } from "../../../../operator/collector/memory/parseOomKills.js";
import type {
  MemoryEvidence,
  OomKillEvent,
} from "../../../../operator/report/evidence/memoryEvidence.js";

// Kernel OOM reports that other people captured on their nodes: see test/fixtures/memory/README.md.
const read = (name: string) => readFileSync(`test/fixtures/memory/kmsg/${name}`, "utf8");
const events = (name: string) => parseOomKills(parseKernelLog(read(name)));

function analyzeFor(evs: OomKillEvent[], target: string) {
  const { matched, others } = matchOomKills(evs, target);
  const data: MemoryEvidence = {
    kernelLog: { source: "dmesg", oomKills: matched, otherOomKills: others },
    processes: [],
  };
  return analyzeMemory(data);
}

/** 0 -> "a", 27 -> "bb": distinct memory.stat-like keys. */
const letters = (n: number) => String.fromCharCode(97 + (n % 26)).repeat(1 + Math.floor(n / 26));

const AKS_515_CONTAINER =
  "/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-poda5d8fdd1_1369_469e_8a7d_2c1047529435.slice/cri-containerd-9192cb33411ff69d015a3577db136757f5b145064a1703efea3d0e12e8a64987.scope";

describe("OOM reports captured in the field", () => {
  describe("class 1: the limit that was hit, named at its level", () => {
    it("AKS 5.15, BestEffort nginx pod, oom_memcg=/kubepods.slice: node allocatable, not the container's limit; memory.oom.group victims in one event", () => {
      const evs = events("notes-aks-5.15-besteffort-kubepods-slice-oom-group.syslog");
      expect(evs).to.have.length(1);
      const ev = evs[0]!;
      expect(ev.oomMemcg).to.equal("/kubepods.slice");
      expect(ev.taskMemcg).to.equal(AKS_515_CONTAINER);
      expect(oomLimitOf(ev)).to.deep.equal({ level: "nodeAllocatable", cgroup: "/kubepods.slice" });
      expect(ev.groupKill?.cgroup).to.equal(AKS_515_CONTAINER);
      // 7788 is listed twice by the kernel (first victim, then again in the group): counted once.
      expect(ev.groupKill?.victims.map((v) => v.pid)).to.deep.equal([7620, 7656, 7657, 7712, 7788]);
      expect(ev.memcgUsageKb).to.equal(7464436);
      expect(ev.memcgStats?.anon).to.equal(7601418240);

      const [f, ...rest] = analyzeFor(evs, AKS_515_CONTAINER);
      expect(rest).to.deep.equal([]);
      expect(f!.code).to.equal("OOMKilledByCgroup");
      expect(f!.summary).to.match(
        /^OOM-killed at the node-allocatable limit \(\/kubepods\.slice: all pods on the node together\), not at this container's own limit: bash \(pid 7788\)/,
      );
      expect(f!.summary).to.include("memory.oom.group killed all 5 tasks");
      expect(f!.summary).to.include("nginx, bash");
      expect(f!.remediation).to.include("raising this container's limit does not help");
      expect(f!.remediation).to.include("BestEffort");
      expect(f!.remediation).to.match(/evictionHard|kube-reserved/);
      expect(f!.remediation).to.not.match(/Raise the container's memory limit/);
      expect(f!.evidence).to.deep.include({ limitLevel: "nodeAllocatable" });
    });

    it("AKS 5.4, cgroupfs driver, oom_memcg=/kubepods for a BestEffort dotnet pod: node allocatable", () => {
      const [ev] = events("mihai-albert-aks-5.4-kubepods-node-allocatable.syslog");
      expect(ev!.victim).to.deep.include({ pid: 20341, name: "dotnet", anonRssKb: 4776416 });
      expect(ev!.triggeredBy).to.equal("dotnet");
      expect(ev!.usecSinceBoot).to.equal(1432394489);
      expect(oomLimitOf(ev!).level).to.equal("nodeAllocatable");
      const [f] = analyzeFor([ev!], ev!.taskMemcg!);
      expect(f!.summary).to.include("node-allocatable limit (/kubepods:");
    });

    it("a Guaranteed pod's own slice (oom_memcg=kubepods-pod<uid>.slice): the pod limit, group kill with victims already exiting", () => {
      const [ev] = events("notes-guaranteed-pod-slice-oom-group.dmesg");
      expect(oomLimitOf(ev!).level).to.equal("pod");
      expect(ev!.groupKill?.victims).to.have.length(7);
      expect(ev!.groupKill?.alreadyExiting).to.equal(2);
      const [f] = analyzeFor([ev!], ev!.taskMemcg!);
      expect(f!.summary).to.match(
        /^OOM-killed at the pod's memory limit \(\/kubepods\.slice\/kubepods-podf9411888/,
      );
      expect(f!.remediation).to.include("sum of its containers' limits");
    });

    it("a Burstable pod slice under an LXC payload cgroup (gpud #70): pod level", () => {
      const [ev] = events("gpud-70-lxc-kubepods-pod-slice.syslog");
      expect(ev!.victim).to.deep.include({ pid: 461754, name: "pt_main_thread", uid: 0 });
      expect(oomLimitOf(ev!).level).to.equal("pod");
    });

    it("EKS 5.4, oom_memcg=/podruntime.slice for kubelet and docker: a parent slice, two events", () => {
      const evs = events("eks-ami-419-5.4-podruntime-slice.dmesg");
      expect(evs.map((e) => e.victim?.name)).to.deep.equal(["kubelet", "exe"]);
      expect(evs[1]!.triggeredBy).to.equal("exe");
      for (const e of evs)
        expect(oomLimitOf(e)).to.deep.equal({ level: "parentCgroup", cgroup: "/podruntime.slice" });
      const [f] = analyzeFor([evs[0]!], "/podruntime.slice/kubelet.service");
      expect(f!.summary).to.include(
        "OOM-killed at the limit of a parent cgroup (/podruntime.slice), not at its own (/podruntime.slice/kubelet.service)",
      );
      expect(f!.remediation).to.match(/kubeReserved\/systemReserved/);
    });

    it("RHEL 9 6.1 kernel, a node-wide OOM (CONSTRAINT_NONE, global_oom): the whole node", () => {
      const [ev] = events("kernel-bugzilla-219535-6.1-el9-sd-pam.dmesg");
      expect(ev!.kind).to.equal("node");
      const [f] = analyzeFor([ev!], "/user.slice/user-0.slice/user@0.service/init.scope");
      expect(f!.code).to.equal("OOMKilledByNode");
      expect(f!.summary).to.include("the whole node ran out of memory");
    });
  });

  it("with the log gone, cgroup v2 memory.events oom_kill 1 and oom 0 means a limit above the container (written from the cgroup v2 format)", () => {
    const data: MemoryEvidence = {
      cgroup: {
        cgroupVersion: 2,
        path: AKS_515_CONTAINER,
        usageBytes: 7_000_000_000,
        events: { oom: 0, oomKill: 1, oomGroupKill: 1, max: 0, high: 0 },
        stat: {},
      },
      kernelLog: { source: "dmesg", oomKills: [], otherOomKills: 0 },
      processes: [],
    };
    const [f] = analyzeMemory(data);
    expect(f!.summary).to.match(
      /^OOM-killed by a limit above this container: memory.events counts 1 oom_kill and no oom of its own/,
    );
    expect(f!.remediation).to.include("raising this container's limit does not help");
  });

  describe("class 2: cgroup v2 statistics in every framing, reported as the largest consumers", () => {
    it("5.x /dev/kmsg: the memory.stat block is one record with \\x0a newlines; sock 86% is reported, not 'anon 13%' (written from the documented format)", () => {
      const [ev] = events("written-5.10-kmsg-x0a-sock-heavy.kmsg");
      expect(ev!.seq).to.equal(1041);
      expect(ev!.memcgStats).to.deep.include({ sock: 1848115200, anon: 281018368, slab: 16371712 });
      expect(Object.keys(ev!.memcgStats!)).to.have.length(24);
      expect(ev!.tasks).to.have.length(2);
      const [f] = analyzeFor([ev!], ev!.taskMemcg!);
      expect(f!.summary).to.match(
        /^OOM-killed by its cgroup: nginx \(pid 31877\) at 2Gi usage = limit 2Gi, sock 86%, anon 13%$/,
      );
      expect(f!.remediation).to.match(/^Most of it was socket buffers \(sock\)/);
      expect(
        (f!.evidence!.largestConsumers as { name: string }[]).map((c) => c.name),
      ).to.deep.equal(["sock", "anon", "kernel", "file"]);
    });

    it("5.x dmesg -T: the stats record's lines indented under the first (kata-containers/runtime#2775)", () => {
      const lines = parseKernelLog(read("kata-runtime-2775-5.x-dmesg-T-continuation.dmesg"));
      expect(lines.map((l) => l.text)).to.include.members([
        "anon 1062739968",
        "slab 2801664",
        "sock 0",
      ]);
      const [ev] = events("kata-runtime-2775-5.x-dmesg-T-continuation.dmesg");
      // The report's start is not in the excerpt: it is still kept, with what it says.
      expect(ev!.memcgUsageKb).to.equal(1048576);
      expect(ev!.memcgStats?.anon).to.equal(1062739968);
      expect(ev!.memcgStats?.workingset_activate).to.equal(0);
      expect(oomLimitOf(ev!).level).to.equal("pod");
    });

    it("journald (journalctl -k) with continuation lines aligned under the message (Azure/WALinuxAgent#2805)", () => {
      const [ev] = events("walinuxagent-2805-azure-journal-continuation.log");
      expect(ev!.kind).to.equal("memcg");
      expect(ev!.oomMemcg).to.equal(
        "/azure.slice/azure-walinuxagent.slice/azure-walinuxagent-logcollector.slice",
      );
      expect(ev!.memcgStats).to.deep.include({
        anon: 14409728,
        slab: 16142336,
        inactive_file: 442368,
      });
    });

    it("6.x: one record per stat line (AKS 5.15 syslog: the same timestamp on every line)", () => {
      const [ev] = events("notes-aks-5.15-besteffort-kubepods-slice-oom-group.syslog");
      expect(Object.keys(ev!.memcgStats!)).to.have.length(27);
      expect(ev!.memcgStats!.pagetables).to.equal(17588224);
    });

    it("hostile input: stats, task rows and group victims are capped", () => {
      const many = [
        "x invoked oom-killer: gfp_mask=0x0",
        "Memory cgroup stats for /a:",
        ...Array.from({ length: 500 }, (_, i) => `${letters(i)} ${i}`),
        "[  pid  ]   uid  tgid total_vm      rss name",
        ...Array.from({ length: 500 }, (_, i) => `[ ${i + 1}] 0 ${i + 1} 1 1 p`),
        "oom-kill:constraint=CONSTRAINT_MEMCG,oom_memcg=/a,task_memcg=/a,task=p,pid=1,uid=0",
        "Memory cgroup out of memory: Killed process 1 (p) total-vm:1kB, anon-rss:1kB",
        "Tasks in /a are going to be killed due to memory.oom.group set",
        ...Array.from(
          { length: 500 },
          (_, i) => `Memory cgroup out of memory: Killed process ${i + 2} (p) total-vm:1kB`,
        ),
      ].join("\n");
      const [ev] = parseOomKills(parseKernelLog(many));
      expect(Object.keys(ev!.memcgStats!).length).to.be.at.most(128);
      expect(ev!.tasks).to.have.length(64);
      expect(ev!.groupKill?.victims).to.have.length(64);
    });
  });

  describe("class 8: process names containing ')'", () => {
    it("'(sd-pam)' is kept whole in the Killed process line and the oom-kill fields (RHEL 9, 6.1)", () => {
      const [ev] = events("kernel-bugzilla-219535-6.1-el9-sd-pam.dmesg");
      expect(ev!.victim).to.deep.include({
        pid: 4503,
        name: "(sd-pam)",
        uid: 0,
        totalVmKb: 173972,
      });
      expect(ev!.taskMemcg).to.equal("/user.slice/user-0.slice/user@0.service/init.scope");
    });

    it("3.10's 'Killed process N (name), UID 0, total-vm:' layout", () => {
      const [ev] = parseOomKills(
        parseKernelLog(
          "Aug 16 20:29:54 hgzmm3cs239 kernel: Killed process 42424 (memcg_test_1), UID 0, total-vm:7296kB, anon-rss:96kB, file-rss:0kB, shmem-rss:0kB",
        ),
      );
      expect(ev!.victim).to.deep.include({
        pid: 42424,
        name: "memcg_test_1",
        uid: 0,
        anonRssKb: 96,
      });
    });
  });
});
