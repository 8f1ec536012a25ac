import { expect } from "chai";
import { containerIdFromCgroupPath } from "../../../operator/collector/containerIdFromCgroupPath.js";
import {
  cgroupPathChain,
  kubeletContainerCgroup,
  randomContainerId,
} from "../../demo/kubeletCgroup.js";

const UID = "3ce7a3d4-df97-4886-9882-33c00c056c1b";

describe("demo kubelet-shaped cgroup", () => {
  it("lays out containers by QoS class as the kubelet's cgroupfs driver does", () => {
    const id = "8dce994a7e209f48e52352e16b1b10b20600f5b6051a25171cd4022bcb51fc80";
    expect(kubeletContainerCgroup("Burstable", UID, id)).to.equal(
      `/kubepods/burstable/pod${UID}/${id}`,
    );
    expect(kubeletContainerCgroup("BestEffort", UID, id)).to.equal(
      `/kubepods/besteffort/pod${UID}/${id}`,
    );
    expect(kubeletContainerCgroup("Guaranteed", UID, id)).to.equal(`/kubepods/pod${UID}/${id}`);
  });

  it("makes paths in which the collector finds the container id (what --container-id needs)", () => {
    const id = randomContainerId();
    expect(id).to.match(/^[0-9a-f]{64}$/);
    expect(containerIdFromCgroupPath(kubeletContainerCgroup("Burstable", UID, id))).to.equal(id);
  });

  it("rejects a UID or id that would make a path of another shape", () => {
    expect(() => kubeletContainerCgroup("Burstable", "../etc", "a".repeat(64))).to.throw(/pod UID/);
    expect(() => kubeletContainerCgroup("Burstable", UID, "abc")).to.throw(/container id/);
  });

  it("lists the ancestors outermost first, to create them in order and remove them in reverse", () => {
    expect(cgroupPathChain("/kubepods/burstable/podX/abc")).to.deep.equal([
      "/kubepods",
      "/kubepods/burstable",
      "/kubepods/burstable/podX",
      "/kubepods/burstable/podX/abc",
    ]);
  });
});
