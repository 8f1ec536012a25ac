import type { CheckName } from "../api/v1alpha1/diagnosis.js";

/** Evidence from other checks that rules may cross-reference (e.g. jvm heap vs memory limit). */
export interface AnalysisContext {
  results: Partial<Record<CheckName, unknown>>;
}
