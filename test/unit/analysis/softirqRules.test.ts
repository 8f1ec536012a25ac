import { expect } from "chai";
import { analyzeSoftirq, SOFTIRQ_THRESHOLDS } from "../../../operator/analysis/softirqRules.js";
import { readKernelThreads } from "../../../operator/collector/softirq/readKernelThreads.js";
import { summarizeSoftirqInterval } from "../../../operator/collector/softirq/summarizeSoftirqInterval.js";
import { dir, synfloodSnapshots } from "../collector/softirq/synfloodSnapshots.js";

describe("analyzeSoftirq", () => {
  it("reports a SYN flood naming the port, and no softirq finding at 2% si", () => {
    const [b, a] = synfloodSnapshots();
    const findings = analyzeSoftirq(summarizeSoftirqInterval(b, a));
    expect(findings.map((f) => f.code)).to.deep.equal(["SynFlood"]);
    expect(findings[0]?.severity).to.equal("Critical");
    expect(findings[0]?.summary)
      .to.match(/port 8080/)
      .and.match(/pid 4242/);
  });

  it("names the dominant softirq when si is high", () => {
    const [b, a] = synfloodSnapshots();
    const data = summarizeSoftirqInterval(b, a);
    for (const c of data.cpus) c.siPercent = 33;
    const f = analyzeSoftirq(data).find((x) => x.code === "SoftirqHigh");
    expect(f?.severity).to.equal("Warning");
    expect(f?.summary).to.match(/dominant softirq NET_RX/);
    expect(f?.evidence?.dominantSoftirq).to.equal("NET_RX");
  });

  it("flags busy kernel threads above the threshold only", async () => {
    const [b, a] = synfloodSnapshots();
    b.kernelThreads = await readKernelThreads(`${dir}proc-kthreads-before`);
    a.kernelThreads = await readKernelThreads(`${dir}proc-kthreads-after`);
    a.atMs = 1000;
    const data = summarizeSoftirqInterval(b, a);
    expect(analyzeSoftirq(data).some((f) => f.code === "KernelThreadCpuHigh")).to.equal(false);
    const low = { ...SOFTIRQ_THRESHOLDS, kernelThreadWarnPercent: 1 };
    const f = analyzeSoftirq(data, low).find((x) => x.code === "KernelThreadCpuHigh");
    expect(f?.summary).to.match(/ksoftirqd\/0 \(pid 14\)/);
  });
});
