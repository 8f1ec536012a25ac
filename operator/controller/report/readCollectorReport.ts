/**
 * Reads a finished collector's result: the full report from its pod log (pods/log, the operator's
 * own namespace), else the compact findings from its termination message.
 */
import type { V1ContainerStateTerminated } from "@kubernetes/client-node";
import type { CollectorReport } from "../../report/collectorReport.js";
import { type CompactFindings, decodeTerminationMessage } from "../../report/terminationMessage.js";
import { lastReportLine, validateCollectorReport } from "../../report/validateReport.js";
import { apiStatusCode as statusCode } from "../apiStatusCode.js";
import type { ClusterClient } from "../diagnosis/clusterClient.js";

/** The report line may carry profile stacks; anything beyond this is not a report we accept. */
export const MAX_LOG_BYTES = 8 * 1024 * 1024;

export type CollectorResult =
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
  const code = statusCode(err);
  const message = err instanceof Error ? err.message : String(err);
  return code ? `HTTP ${code}: ${message.split("\n")[0]}` : message;
}

/** Throttling, server errors and dropped connections may pass; 4xx will not. */
function isTransient(err: unknown): boolean {
  const code = statusCode(err);
  return code === undefined || code === 429 || code >= 500;
}

export async function readCollectorResult(
  client: ClusterClient,
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
