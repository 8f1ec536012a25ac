import { expect } from "chai";
import {
  containerIdFromCgroupPath,
  normalizeContainerId,
} from "../../../operator/collector/containerIdFromCgroupPath.js";
import { parseCollectorArgs, UsageError } from "../../../operator/collector/parseCollectorArgs.js";
import {
  cgroupVersionOf,
  parseProcCgroup,
  targetCgroupPaths,
} from "../../../operator/collector/parseProcCgroup.js";

const ID = "8a9b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c0d1e2f3a4b5c6d7e8f9a0b";

describe("parseProcCgroup", () => {
  it("reads a hybrid v1 host's file (as on the test machine)", () => {
    const cg = parseProcCgroup(
      "9:name=systemd:/\n4:memory:/diagcap-oom1\n2:cpuacct:/\n1:cpu:/diagcap-oom1\n0::/\n",
    );
    expect(cgroupVersionOf(cg)).to.equal(1);
    expect(targetCgroupPaths(cg)).to.deep.equal({
      memory: "/diagcap-oom1",
      cpu: "/diagcap-oom1",
      cpuacct: "/",
      unified: "/",
    });
  });
  it("splits combined controllers and reads a pure v2 host", () => {
    const v1 = parseProcCgroup("3:cpu,cpuacct:/docker/abc\n");
    expect(v1.v1.cpu).to.equal("/docker/abc");
    expect(v1.v1.cpuacct).to.equal("/docker/abc");
    const v2 = parseProcCgroup(`0::/kubepods.slice/x/cri-containerd-${ID}.scope\n`);
    expect(cgroupVersionOf(v2)).to.equal(2);
  });
});

describe("containerIdFromCgroupPath", () => {
  it("finds the id in each runtime's path shape", () => {
    for (const path of [
      `/docker/${ID}`,
      `/system.slice/docker-${ID}.scope`,
      `/kubepods/burstable/pod5f1e0c2a-3b7d-4c1e-9a2b-8d6f4e3c2b1a/${ID}`,
      `/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod5f1e0c2a_3b7d.slice/cri-containerd-${ID}.scope`,
      `/kubepods.slice/kubepods-pod1.slice/crio-${ID}.scope`,
      `/kubepods/besteffort/pod1/crio-${ID}`,
      `/machine.slice/libpod-${ID}.scope/container`,
    ]) {
      expect(containerIdFromCgroupPath(path), path).to.equal(ID);
    }
    expect(containerIdFromCgroupPath(`/kubepods.slice/crio-conmon-${ID}.scope`)).to.equal(
      undefined,
    );
    expect(containerIdFromCgroupPath("/user.slice")).to.equal(undefined);
    expect(normalizeContainerId(`containerd://${ID}`)).to.equal(ID);
  });
});

describe("parseCollectorArgs", () => {
  const known = ["memory", "jvm", "cpu"] as const;
  it("parses a pid target with options", () => {
    const r = parseCollectorArgs(
      ["--pid", "42", "--json", "--checks", "memory,cpu", "--sample-seconds=0.5"],
      known,
    );
    expect(r.kind).to.equal("run");
    if (r.kind !== "run") return;
    expect(r.args.target).to.deep.equal({ pid: 42 });
    expect(r.args.checks).to.deep.equal(["memory", "cpu"]);
    expect(r.args.json).to.equal(true);
    expect(r.args.sampleSeconds).to.equal(0.5);
    expect(r.args.procRoot).to.equal("/proc");
  });
  it("rejects bad arguments with a clear message", () => {
    expect(() => parseCollectorArgs([], known)).to.throw(UsageError, /exactly one/);
    expect(() => parseCollectorArgs(["--pid", "1", "--node"], known)).to.throw(
      UsageError,
      /exactly one/,
    );
    expect(() => parseCollectorArgs(["--pid", "x"], known)).to.throw(
      UsageError,
      /positive integer/,
    );
    expect(() => parseCollectorArgs(["--node", "--checks", "disk"], known)).to.throw(
      UsageError,
      /unknown check/,
    );
    expect(() => parseCollectorArgs(["--pid", "1", "--frobnicate"], known)).to.throw(
      UsageError,
      /unknown argument/,
    );
    expect(parseCollectorArgs(["--help"], known).kind).to.equal("help");
  });
  it("takes the Job's report token and a deadline; refuses a malformed token", () => {
    const token = "0123456789abcdef0123456789abcdef";
    const r = parseCollectorArgs(
      ["--node", "--report-token", token, "--deadline-seconds", "90"],
      known,
    );
    expect(r.kind === "run" && r.args.reportToken).to.equal(token);
    expect(r.kind === "run" && r.args.deadlineSeconds).to.equal(90);
    expect(() => parseCollectorArgs(["--node", "--report-token", "a b"], known)).to.throw(
      UsageError,
      /--report-token/,
    );
    expect(() => parseCollectorArgs(["--node", "--deadline-seconds", "0"], known)).to.throw(
      UsageError,
      /positive integer/,
    );
  });
});
