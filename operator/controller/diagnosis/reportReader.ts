/**
 * Reads a finished collector's result: the full report from its pod log (pods/log, the operator's
 * own namespace), else the compact findings from its termination message; and turns it into
 * what the Diagnosis' status records (findings, verdict, the bounded report).
 *
 * Only what carries the Job's report token is taken (operator/report/reportLine.ts): the last
 * report line with it, from the end of the log (tailLines/limitBytes), refused unparsed when over
 * its cap; the termination message only with the same token. The result is bounded before it is
 * stored: every string, each check's data, the findings' evidence, and the status write as a whole.
 */
import type { V1ContainerStateTerminated } from "@kubernetes/client-node";
import type { Diagnosis, Finding } from "../../api/v1alpha1/diagnosis.js";
import { boundCollectorResult, boundReportEvidence } from "../../report/boundEvidence.js";
import type { CollectorReport } from "../../report/collectorReport.js";
import { findReportLine, REPORT_LOG_TAIL } from "../../report/reportLine.js";
import { type CompactFindings, decodeTerminationMessage } from "../../report/terminationMessage.js";
import { validateCollectorReport } from "../../report/validateReport.js";
import { apiStatusCode } from "../runtime/apiStatusCode.js";
import type { ClusterClient } from "./clusterClient.js";
import { effectiveChecks, mergeFindings, verdictFor } from "./diagnosisRules.js";

/** A problem quoted into a condition message: ours, but it may quote a report's JSON paths. */
const MAX_PROBLEM_CHARS = 1024;

type CollectorResult =
  | { source: "log"; report: CollectorReport }
  | { source: "terminationMessage"; compact: CompactFindings; logProblem: string }
  | { source: "none"; problem: string; transient: boolean };

export interface CollectorPodRef {
  namespace: string;
  pod: string;
  container: string;
  terminated: V1ContainerStateTerminated;
  /** The Job's report token (REPORT_TOKEN_ANNOTATION); absent on a Job made without one. */
  reportToken: string | undefined;
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
  const token = ref.reportToken;
  if (!token)
    return {
      source: "none",
      problem:
        "the collector Job carries no report token (annotation diagnose.dev/report-token): its output is not trusted",
      transient: false,
    };
  let logProblem: string;
  let transient = false;
  try {
    const log = await client.readPodLog(ref.namespace, ref.pod, ref.container, REPORT_LOG_TAIL);
    const found = findReportLine(log, token);
    if (!found.found) {
      logProblem = found.problem;
    } else {
      try {
        return { source: "log", report: validateCollectorReport(found.json) };
      } catch (err) {
        logProblem = (err as Error).message.slice(0, MAX_PROBLEM_CHARS);
      }
    }
  } catch (err) {
    logProblem = `reading the collector log failed: ${describe(err)}`.slice(0, MAX_PROBLEM_CHARS);
    transient = isTransient(err);
  }
  const message = ref.terminated.message;
  if (!message) {
    return {
      source: "none",
      problem: `${logProblem}; the termination message is empty (exit code ${ref.terminated.exitCode}${ref.terminated.reason ? `, ${ref.terminated.reason.slice(0, 64)}` : ""})`,
      transient,
    };
  }
  try {
    return {
      source: "terminationMessage",
      compact: decodeTerminationMessage(message, token),
      logProblem,
    };
  } catch (err) {
    return {
      source: "none",
      problem: `${logProblem}; termination message: ${(err as Error).message.slice(0, MAX_PROBLEM_CHARS)} (exit code ${ref.terminated.exitCode})`,
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
      ...boundCollectorResult({ findings, verdict: verdict.line, report }),
      verdictSentence: verdict.sentence,
    };
  }
}
