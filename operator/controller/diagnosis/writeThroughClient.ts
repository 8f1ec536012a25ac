/**
 * A ClusterClient whose writes of Diagnoses and collector Jobs land in the operator's caches as
 * soon as the API answers (Manager.writes), not when the watches echo them: the Diagnosis the
 * trigger creates is reconciled at once, from the object the create returned, and every
 * reconciler reads its own last write (no step redone, no guarded write refused for a stale
 * resourceVersion). Reads and everything else pass through.
 */
import type { V1Job } from "@kubernetes/client-node";
import type { Diagnosis } from "../../api/v1alpha1/diagnosis.js";
import type { ClusterClient } from "./clusterClient.js";

export interface WrittenObjectSinks {
  diagnoses: (written: Diagnosis) => void;
  jobs: (written: V1Job) => void;
}

export function writeThrough(client: ClusterClient, sinks: WrittenObjectSinks): ClusterClient {
  const diagnosis = (d: Diagnosis): Diagnosis => {
    sinks.diagnoses(d);
    return d;
  };
  return {
    getPod: (namespace, name) => client.getPod(namespace, name),
    getNode: (name) => client.getNode(name),
    getNamespace: (name) => client.getNamespace(name),
    getJob: (namespace, name) => client.getJob(namespace, name),
    createJob: async (job) => {
      const created = await client.createJob(job);
      if (created !== "exists") sinks.jobs(created);
      return created;
    },
    deleteJob: (namespace, name) => client.deleteJob(namespace, name),
    listPods: (namespace, selector) => client.listPods(namespace, selector),
    readPodLog: (namespace, pod, container, limitBytes) =>
      client.readPodLog(namespace, pod, container, limitBytes),
    getDiagnosis: (namespace, name) => client.getDiagnosis(namespace, name),
    createDiagnosis: async (d) => {
      const created = await client.createDiagnosis(d);
      return created === "exists" ? created : diagnosis(created);
    },
    patchDiagnosisStatus: async (namespace, name, resourceVersion, status) =>
      diagnosis(await client.patchDiagnosisStatus(namespace, name, resourceVersion, status)),
    deleteDiagnosis: (namespace, name, uid) => client.deleteDiagnosis(namespace, name, uid),
    setDiagnosisFinalizers: async (namespace, name, resourceVersion, finalizers) =>
      diagnosis(await client.setDiagnosisFinalizers(namespace, name, resourceVersion, finalizers)),
    createEvent: (event) => client.createEvent(event),
    repeatEvent: (namespace, name, repeat) => client.repeatEvent(namespace, name, repeat),
  };
}
