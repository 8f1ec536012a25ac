import type { CheckName, Finding } from "../api/v1alpha1/diagnosis.js";
import type { AnalysisContext } from "../collector/check.js";
import type { CpuEvidence } from "../collector/cpu/cpuEvidence.js";
import type { JvmEvidence } from "../collector/jvm/jvmEvidence.js";
import type { MemoryEvidence } from "../collector/memory/memoryEvidence.js";
import type { NetworkData } from "../collector/network/types.js";
import type { ProfileData } from "../collector/profile/profileCheck.js";
import { type CheckResult, rankFindings } from "../collector/report.js";
import type { SoftirqData } from "../collector/softirq/summarizeSoftirqInterval.js";
import { analyzeCpu } from "./cpuRules.js";
import { analyzeJvm } from "./jvmRules.js";
import { analyzeMemory } from "./memoryRules.js";
import { analyzeNetwork } from "./networkRules.js";
import { analyzeProfile } from "./profileRules.js";
import { analyzeSoftirq } from "./softirqRules.js";

/**
 * Pure: recomputes findings from a report's raw check data, so the operator can analyze reports
 * it reads back with the same rules as the collector. Imports no I/O module.
 */
export type Analyzer = (data: unknown, context: AnalysisContext) => Finding[];

/** One entry per check: add a line here when a check gets rules. */
export const ANALYZERS: Partial<Record<CheckName, Analyzer>> = {
  memory: (d, c) => analyzeMemory(d as MemoryEvidence, c),
  jvm: (d, c) => analyzeJvm(d as JvmEvidence, c),
  cpu: (d) => analyzeCpu(d as CpuEvidence),
  network: (d) => analyzeNetwork(d as NetworkData),
  softirq: (d) => analyzeSoftirq(d as SoftirqData),
  profile: (d) => analyzeProfile(d as ProfileData),
};

export function analyzeReport(
  checks: Partial<Record<CheckName, CheckResult>>,
  analyzers: Partial<Record<CheckName, Analyzer>> = ANALYZERS,
): Finding[] {
  const context: AnalysisContext = { results: {} };
  for (const [name, r] of Object.entries(checks) as [CheckName, CheckResult][]) {
    if (r?.status === "ok") context.results[name] = r.data;
  }
  const findings: Finding[] = [];
  for (const [name, data] of Object.entries(context.results) as [CheckName, unknown][]) {
    const analyze = analyzers[name];
    if (!analyze) continue;
    try {
      for (const f of analyze(data, context))
        findings.push({ ...f, source: f.source ?? "Collector" });
    } catch (e) {
      // Raw data from an older or foreign collector must not break the whole analysis.
      findings.push({
        check: name,
        severity: "Info",
        code: "AnalysisFailed",
        summary: `The ${name} evidence could not be analyzed: ${(e as Error).message}`,
        source: "Collector",
      });
    }
  }
  return rankFindings(findings);
}
