import { API_VERSION, type Diagnosis, KIND } from "../api/v1alpha1/diagnosis.js";
import type { CreateCommand } from "./parseCliArgs.js";

/** A Diagnosis to create: named, or with a generateName prefix for the apiserver to complete. */
export type NewDiagnosis = Omit<Diagnosis, "metadata"> & {
  metadata: Diagnosis["metadata"] & { generateName?: string };
};

/** Room for the apiserver's 5-character random suffix within a 63-character name. */
const GENERATE_NAME_BASE = 52;

/** The Diagnosis `kubectl diagnose pod|node` creates. Pure. */
export function buildDiagnosis(command: CreateCommand, namespace: string): NewDiagnosis {
  const targetName = "pod" in command.target ? command.target.pod : command.target.node;
  const metadata: NewDiagnosis["metadata"] = {
    namespace,
    labels: { "app.kubernetes.io/created-by": "kubectl-diagnose" },
  };
  if (command.name) metadata.name = command.name;
  else metadata.generateName = `${targetName.slice(0, GENERATE_NAME_BASE).replace(/[.-]+$/, "")}-`;
  const spec: Diagnosis["spec"] = { target: { ...command.target } };
  if (command.checks) spec.checks = [...command.checks];
  if (command.profile) spec.profile = { ...command.profile };
  if (command.timeoutSeconds !== undefined) spec.timeoutSeconds = command.timeoutSeconds;
  return { apiVersion: API_VERSION, kind: KIND, metadata, spec };
}
