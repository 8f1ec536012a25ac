import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { expect } from "chai";
import { analyzeReport } from "../../../../operator/analysis/analyzeReport.js";
import type { CheckContext } from "../../../../operator/collector/check.js";
import type { CommandResult, CommandRunner } from "../../../../operator/collector/commandRunner.js";
import { ToolUnavailableError } from "../../../../operator/collector/commandRunner.js";
import { collectNetwork } from "../../../../operator/collector/network/collectNetwork.js";
import { recordedRunner } from "../recordedRunner.js";

const FIXTURES = join(
  dirname(fileURLToPath(import.meta.url)),
  "..",
  "..",
  "..",
  "fixtures",
  "network",
);
const PID = 4242;

/** A recorded /proc/<pid>/net tree from the real captures. */
function procTree(): string {
  const root = mkdtempSync(join(tmpdir(), "dgn-net-proc-"));
  const net = join(root, String(PID), "net");
  mkdirSync(join(net, "stat"), { recursive: true });
  copyFileSync(join(FIXTURES, "proc-net-snmp.txt"), join(net, "snmp"));
  copyFileSync(join(FIXTURES, "proc-net-netstat.txt"), join(net, "netstat"));
  copyFileSync(join(FIXTURES, "proc-net-dev.txt"), join(net, "dev"));
  copyFileSync(join(FIXTURES, "proc-net-stat-nf_conntrack.txt"), join(net, "stat", "nf_conntrack"));
  return root;
}

function ctx(procRoot: string, runner: CommandRunner, sampleSeconds = 0): CheckContext {
  return {
    target: { kind: "pod", pids: [PID], cgroupPaths: {}, hostname: "t" },
    procRoot,
    sysRoot: join(procRoot, "no-sys"),
    kmsgPath: "/dev/null",
    options: { sampleSeconds },
    runner,
    now: () => new Date(0),
    progress: () => {},
  };
}

describe("collectNetwork with missing tools", () => {
  let root: string;
  beforeEach(() => {
    root = procTree();
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it("every tool missing inside the netns: /proc fallbacks fill interfaces, TCP counters and conntrack", async () => {
    const calls: string[][] = [];
    const runner = recordedRunner(async (command, args): Promise<CommandResult> => {
      calls.push([command, ...args]);
      // nsenter exists; the program it should exec does not.
      return {
        stdout: "",
        stderr: `nsenter: failed to execute ${args[2]}: No such file or directory`,
        exitCode: 127,
      };
    });
    const data = await collectNetwork(ctx(root, runner));
    expect(calls[0]!.slice(0, 2)).to.deep.equal(["nsenter", `--net=${root}/${PID}/ns/net`]);
    expect(data.interfaces.map((i) => [i.name, i.rx.packets])).to.deep.equal([
      ["lo", 2],
      ["eth0", 37],
    ]);
    expect(data.snmp.Tcp?.RtoMin).to.equal(200);
    expect(data.conntrack?.perCpu).to.have.length(2);
    expect(data.sources.iptables).to.deep.include({ status: "unavailable" });
    expect(data.sources.nft?.reason).to.match(/nft: not installed/);
    expect(data.sources.qdiscs?.status).to.equal("unavailable");
    // Nothing checked means nothing claimed clean.
    const codes = analyzeReport({ network: { status: "ok", durationMs: 0, data } }).map(
      (f) => f.code,
    );
    expect(codes).to.not.include.members(["FirewallClean", "QdiscsClean"]);
  });

  it("a tool missing in the first sample is not run again for the second", async () => {
    const tools: string[] = [];
    const runner = recordedRunner(async (_command, args): Promise<CommandResult> => {
      tools.push(String(args[2]));
      return {
        stdout: "",
        stderr: `nsenter: failed to execute ${args[2]}: No such file or directory`,
        exitCode: 127,
      };
    });
    const data = await collectNetwork(ctx(root, runner, 0.01));
    const runs = (tool: string) => tools.filter((t) => t === tool).length;
    expect(["ip", "tc", "iptables-save", "iptables-legacy-save", "nft"].map(runs)).to.deep.equal([
      1, 1, 1, 1, 1,
    ]);
    expect(data.sources.nft?.reason).to.match(/nft: not installed/);
    // The /proc fallbacks were read twice, so the TCP counters still have a sample.
    expect(data.sampleSeconds).to.be.greaterThan(0);
    expect(data.tcpDeltas).to.have.property("Tcp.RetransSegs", 0);
  });

  it("no nsenter at all and no readable netns: the check is unavailable, with the reasons", async () => {
    const runner = recordedRunner(async (command) => {
      throw new ToolUnavailableError(command, "not installed");
    });
    rmSync(join(root, String(PID), "net", "dev"));
    rmSync(join(root, String(PID), "net", "stat"), { recursive: true });
    const err = await collectNetwork(ctx(root, runner)).catch((e: unknown) => e);
    // TCP counters still come from /proc, so this is a partial result, not a failure.
    expect(err).to.not.be.instanceOf(Error);
    rmSync(join(root, String(PID), "net", "netstat"));
    const err2 = await collectNetwork(ctx(root, runner)).catch((e: unknown) => e);
    expect(err2).to.be.instanceOf(ToolUnavailableError);
    expect((err2 as Error).message).to.match(/nsenter: not installed/);
  });
});
