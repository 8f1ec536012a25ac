/**
 * The kinds the operator's controllers watch and read, as the runtime lists and caches them.
 * Created once per run and shared by every controller: the runtime keeps one cache per Kind.
 */
import type { V1Job, V1Node, V1Pod } from "@kubernetes/client-node";
import { GROUP, PLURAL, VERSION } from "../../api/v1alpha1/diagnosis.js";
import { MANAGED_BY_SELECTOR } from "../../api/v1alpha1/wellKnown.js";
import type { Kind } from "../runtime/kind.js";
import { type CachedDiagnosis, cacheDiagnosis, DIAGNOSIS_OMITTED } from "./diagnosisTransform.js";
import { decodeJob, trimNode, trimPod } from "./podTransform.js";
import { SharedObjects } from "./sharedObjects.js";
import { StringPool } from "./stringPool.js";

export interface OperatorKinds {
  /** Without status.report and status.findings (diagnosisTransform.ts). */
  diagnoses: Kind<CachedDiagnosis>;
  /** Trimmed to what target resolution, the trigger and collector-pod reads use. */
  pods: Kind<V1Pod>;
  /** The collector Jobs: the operator's own, in its namespace. */
  jobs: Kind<V1Job>;
  /** Identity only: whether a node exists is all the reconciler asks. */
  nodes: Kind<V1Node>;
}

export function operatorKinds(opts: {
  /** Collector Jobs live here. */
  namespace: string;
  /** Namespaces whose Pods are watched; empty: all. */
  watchNamespaces: readonly string[];
}): OperatorKinds {
  // One copy of the strings and objects pods (and Diagnoses) repeat, shared by the informers of
  // every namespace.
  const pool = new StringPool();
  const objects = new SharedObjects();
  return {
    diagnoses: {
      name: "diagnoses",
      path: () => `/apis/${GROUP}/${VERSION}/${PLURAL}`,
      transform: (raw) => cacheDiagnosis(raw, pool),
      omit: DIAGNOSIS_OMITTED,
      // A finished Diagnosis' status may be ~1 MiB (report, findings): ten per page bound a
      // page to ~10 MiB. 2,000 of ~120 KiB: peak RSS 229 MiB at 100 per page, 129 MiB at 10
      // (test/integration/finishedDiagnosesMemory.test.ts).
      pageSize: 10,
    },
    pods: {
      name: "pods",
      path: (ns) => (ns ? `/api/v1/namespaces/${ns}/pods` : "/api/v1/pods"),
      namespaces: opts.watchNamespaces,
      transform: (raw) => trimPod(raw, pool, objects),
      // Never read; ~a third of a Pod's JSON.
      omit: [{ path: ["metadata", "managedFields"] }],
    },
    jobs: {
      name: "jobs",
      path: () => `/apis/batch/v1/namespaces/${opts.namespace}/jobs`,
      labelSelector: MANAGED_BY_SELECTOR,
      transform: decodeJob,
    },
    nodes: {
      name: "nodes",
      path: () => "/api/v1/nodes",
      transform: trimNode,
      // Never read; a node's image list alone may be tens of KiB.
      omit: [{ path: ["metadata", "managedFields"] }, { path: ["status", "images"] }],
    },
  };
}
