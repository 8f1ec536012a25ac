/**
 * Reads a finished collector's result: the full report from its pod log (pods/log, the operator's
 * own namespace), else the compact findings from its termination message; and turns it into
 * what the Diagnosis' status records (findings, verdict, the bounded report).
 */
import type { V1ContainerStateTerminated } from "@kubernetes/client-node";
import type { Diagnosis, Finding } from "../../api/v1alpha1/diagnosis.js";
import { boundReportEvidence } from "../../report/boundEvidence.js";
import type { CollectorReport } from "../../report/collectorReport.js";
import { type CompactFindings, decodeTerminationMessage } from "../../report/terminationMessage.js";
import { lastReportLine, validateCollectorReport } from "../../report/validateReport.js";
import { apiStatusCode } from "../runtime/apiStatusCode.js";
import type { ClusterClient } from "./clusterClient.js";
import { effectiveChecks, mergeFindings, verdictFor } from "./diagnosisRules.js";

/** The report line may carry profile stacks; anything beyond this is not a report we accept. */
const MAX_LOG_BYTES = 8 * 1024 * 1024;

type CollectorResult =
  | { source: "log"; report: CollectorReport }
  | { source: "terminationMessage"; compact: CompactFindings; logProblem: string }
  | { source: "none"; problem: string; transient: boolean };

export interface CollectorPodRef {
  namespace: string;
  pod: string;
  container: string;
  terminated: V1ContainerStateTerminated;
}

function describe(err: unknown): string {
  const code = apiStatusCode(err);
  const message = err instanceof Error ? err.message : String(err);
  return code ? `HTTP ${code}: ${message.split("\n")[0]}` : message;
}

/** Throttling, server errors and dropped connections may pass; 4xx will not. */
function isTransient(err: unknown): boolean {
  const code = apiStatusCode(err);
  return code === undefined || code === 429 || code >= 500;
}

async function readCollectorResult(
  client: Pick<ClusterClient, "readPodLog">,
  ref: CollectorPodRef,
): Promise<CollectorResult> {
  let logProblem: string;
  let transient = false;
  try {
    const log = await client.readPodLog(ref.namespace, ref.pod, ref.container, MAX_LOG_BYTES);
    const line = lastReportLine(log);
    if (line === undefined) {
      logProblem = "the collector log holds no JSON report line";
    } else {
      try {
        return { source: "log", report: validateCollectorReport(line) };
      } catch (err) {
        logProblem = (err as Error).message;
      }
    }
  } catch (err) {
    logProblem = `reading the collector log failed: ${describe(err)}`;
    transient = isTransient(err);
  }
  const message = ref.terminated.message;
  if (!message) {
    return {
      source: "none",
      problem: `${logProblem}; the termination message is empty (exit code ${ref.terminated.exitCode}${ref.terminated.reason ? `, ${ref.terminated.reason}` : ""})`,
      transient,
    };
  }
  try {
    return { source: "terminationMessage", compact: decodeTerminationMessage(message), logProblem };
  } catch (err) {
    return {
      source: "none",
      problem: `${logProblem}; termination message: ${(err as Error).message} (exit code ${ref.terminated.exitCode})`,
      transient,
    };
  }
}

/** What a Diagnosis records of a collector's result, or why there is none. */
export type CollectorOutcome =
  | {
      kind: "report";
      findings: Finding[];
      /** The Verdict column's line; the sentence goes to the Completed condition. */
      verdict: string;
      verdictSentence: string;
      report: Record<string, unknown>;
    }
  | { kind: "unavailable"; problem: string; transient: boolean };

export interface ReportReaderDeps {
  client: Pick<ClusterClient, "readPodLog">;
  /** CollectorReport -> findings (the operator's own rules: operator/analysis). */
  analyze: (report: CollectorReport) => Finding[];
}

export class ReportReader {
  constructor(private readonly deps: ReportReaderDeps) {}

  /**
   * The result of `d`'s collector, which has terminated: its findings merged with the pod-spec
   * findings already in the status (the collector's win), and the one-line verdict.
   */
  async read(d: Diagnosis, ref: CollectorPodRef): Promise<CollectorOutcome> {
    const result = await readCollectorResult(this.deps.client, ref);
    if (result.source === "none")
      return { kind: "unavailable", problem: result.problem, transient: result.transient };
    const podSpec = (d.status?.findings ?? []).filter((f) => f.source === "PodSpec");
    const collector =
      result.source === "log" ? this.deps.analyze(result.report) : result.compact.findings;
    const findings = mergeFindings(collector, podSpec);
    const report =
      result.source === "log"
        ? boundReportEvidence(result.report, "log")
        : {
            schemaVersion: result.compact.reportSchemaVersion,
            source: "terminationMessage",
            collector: { version: result.compact.collectorVersion },
            checks: result.compact.checks,
            findingsLeftOut: result.compact.truncated ?? 0,
            logProblem: result.logProblem,
          };
    const verdict = verdictFor(findings, effectiveChecks(d.spec));
    return {
      kind: "report",
      findings,
      verdict: verdict.line,
      verdictSentence: verdict.sentence,
      report,
    };
  }
}
