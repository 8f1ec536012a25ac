/**
 * core/v1 Events for Diagnoses, so `kubectl describe diagnosis` shows every transition.
 * Like client-go's recorder, sending is off the reconcile path and best effort: a lost Event must
 * not fail (and so repeat) a reconcile whose status write already happened.
 */
import type { CoreV1Event } from "@kubernetes/client-node";
import { API_VERSION, type Diagnosis, KIND } from "../../api/v1alpha1/diagnosis.js";
import { REPORTING_COMPONENT } from "../../api/v1alpha1/wellKnown.js";
import type { Clock } from "../runtime/contracts.js";
import type { Logger } from "../runtime/logger.js";
import type { ClusterClient } from "./clusterClient.js";

export type EventType = "Normal" | "Warning";

export interface EventSink {
  record(d: Pick<Diagnosis, "metadata">, type: EventType, reason: string, message: string): void;
}

function buildEvent(
  d: Pick<Diagnosis, "metadata">,
  type: EventType,
  reason: string,
  message: string,
  now: Date,
  reportingInstance: string,
): CoreV1Event {
  return {
    metadata: {
      // Event names must be unique; the API server adds a random suffix.
      generateName: `${d.metadata.name!.slice(0, 200)}.`,
      namespace: d.metadata.namespace!,
    },
    involvedObject: {
      apiVersion: API_VERSION,
      kind: KIND,
      name: d.metadata.name!,
      namespace: d.metadata.namespace!,
      uid: d.metadata.uid!,
      resourceVersion: d.metadata.resourceVersion,
    },
    type,
    reason,
    message: message.slice(0, 1024),
    count: 1,
    firstTimestamp: now,
    lastTimestamp: now,
    source: { component: REPORTING_COMPONENT },
    reportingComponent: REPORTING_COMPONENT,
    reportingInstance: reportingInstance.slice(0, 128),
  };
}

export class EventRecorder implements EventSink {
  constructor(
    private readonly client: ClusterClient,
    private readonly clock: Clock,
    private readonly logger: Logger,
    private readonly reportingInstance: string,
  ) {}

  record(d: Pick<Diagnosis, "metadata">, type: EventType, reason: string, message: string): void {
    const event = buildEvent(d, type, reason, message, this.clock.now(), this.reportingInstance);
    void this.client.createEvent(event).then(
      () => undefined,
      (err: unknown) => {
        this.logger.warn("event not recorded", {
          diagnosis: `${d.metadata.namespace}/${d.metadata.name}`,
          reason,
          error: err instanceof Error ? err.message : String(err),
        });
      },
    );
  }
}
