import type { V1Job } from "@kubernetes/client-node";
import { expect } from "chai";
import type { Diagnosis } from "../../../../operator/api/v1alpha1/diagnosis.js";
import type { ClusterClient } from "../../../../operator/controller/diagnosis/clusterClient.js";
import { writeThrough } from "../../../../operator/controller/diagnosis/writeThroughClient.js";

const d = (rv: string): Diagnosis =>
  ({
    metadata: { namespace: "shop", name: "web-oom-1", resourceVersion: rv },
    spec: { target: { pod: "web-a" } },
  }) as Diagnosis;
const job: V1Job = { metadata: { namespace: "ops", name: "diagnose-web", resourceVersion: "9" } };

describe("writeThrough (ClusterClient whose writes reach the caches)", () => {
  function setup(answers: { create: Diagnosis | "exists"; job: V1Job | "exists" }) {
    const recorded: string[] = [];
    const api = {
      createDiagnosis: async () => answers.create,
      patchDiagnosisStatus: async () => d("3"),
      setDiagnosisFinalizers: async () => d("4"),
      createJob: async () => answers.job,
      getDiagnosis: async () => d("5"),
      deleteJob: async () => {
        throw new Error("apiserver down");
      },
    } as unknown as ClusterClient;
    const client = writeThrough(api, {
      diagnoses: (x) => recorded.push(`diagnosis ${x.metadata.resourceVersion}`),
      jobs: (x) => recorded.push(`job ${x.metadata?.resourceVersion}`),
    });
    return { client, recorded };
  }

  it("hands every written Diagnosis and created Job to the caches, and returns it unchanged", async () => {
    const { client, recorded } = setup({ create: d("2"), job });
    expect(await client.createDiagnosis(d(""))).to.deep.equal(d("2"));
    await client.patchDiagnosisStatus("shop", "web-oom-1", "2", {});
    await client.setDiagnosisFinalizers("shop", "web-oom-1", "3", []);
    expect(await client.createJob(job)).to.equal(job);
    expect(recorded).to.deep.equal(["diagnosis 2", "diagnosis 3", "diagnosis 4", "job 9"]);
  });

  it("records nothing for a 409 (the object exists: its answer is not ours), a read or a failure", async () => {
    const { client, recorded } = setup({ create: "exists", job: "exists" });
    expect(await client.createDiagnosis(d(""))).to.equal("exists");
    expect(await client.createJob(job)).to.equal("exists");
    await client.getDiagnosis("shop", "web-oom-1");
    await client.deleteJob("ops", "diagnose-web").catch(() => {});
    expect(recorded).to.deep.equal([]);
  });
});
