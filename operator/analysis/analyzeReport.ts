import type { CheckName, Finding } from "../api/v1alpha1/diagnosis.js";
import { type CheckResult, type CollectorReport, rankFindings } from "../report/collectorReport.js";
import type { CpuEvidence } from "../report/evidence/cpuEvidence.js";
import type { JvmEvidence } from "../report/evidence/jvmEvidence.js";
import type { MemoryEvidence } from "../report/evidence/memoryEvidence.js";
import type { NetworkEvidence } from "../report/evidence/networkEvidence.js";
import type { ProfileEvidence } from "../report/evidence/profileEvidence.js";
import type { SoftirqEvidence } from "../report/evidence/softirqEvidence.js";
import type { AnalysisContext } from "./analysisContext.js";
import { analyzeCpu } from "./cpuRules.js";
import { analyzeJvm } from "./jvmRules.js";
import { analyzeMemory } from "./memoryRules.js";
import { analyzeNetwork } from "./networkRules.js";
import { analyzeProfile } from "./profileRules.js";
import { analyzeSoftirq } from "./softirqRules.js";

/**
 * The one analyzer registry: raw check evidence to findings. The collector runs it on what it
 * collected and the operator on the reports it reads back, so both apply the same rules. Pure.
 */
type Analyzer = (data: unknown, context: AnalysisContext) => Finding[];

/** One entry per check: add a line here when a check gets rules. */
const ANALYZERS: Partial<Record<CheckName, Analyzer>> = {
  memory: (d, c) => analyzeMemory(d as MemoryEvidence, c),
  jvm: (d, c) => analyzeJvm(d as JvmEvidence, c),
  cpu: (d) => analyzeCpu(d as CpuEvidence),
  network: (d) => analyzeNetwork(d as NetworkEvidence),
  softirq: (d) => analyzeSoftirq(d as SoftirqEvidence),
  profile: (d) => analyzeProfile(d as ProfileEvidence),
};

/** Findings of every check that ran ok, ranked; a rule that throws becomes an Info finding. */
export function analyzeReport(checks: Partial<Record<CheckName, CheckResult>>): Finding[] {
  const context: AnalysisContext = { results: {} };
  for (const [name, r] of Object.entries(checks) as [CheckName, CheckResult][]) {
    if (r?.status === "ok") context.results[name] = r.data;
  }
  const findings: Finding[] = [];
  for (const [name, data] of Object.entries(context.results) as [CheckName, unknown][]) {
    const analyze = ANALYZERS[name];
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

/**
 * What the operator keeps from a collector's report: the findings of its own rules over the raw
 * evidence (they may be newer than the collector's), plus any the collector reported that the
 * rules did not reproduce.
 */
export function analyzeCollectorReport(report: CollectorReport): Finding[] {
  const analyzed = analyzeReport(report.checks);
  const codes = new Set(analyzed.map((f) => f.code));
  return rankFindings([...analyzed, ...report.findings.filter((f) => !codes.has(f.code))]);
}
