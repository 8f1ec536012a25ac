/**
 * core/v1 Events for Diagnoses, so `kubectl describe diagnosis` shows every transition.
 * Like client-go's recorder, sending is off the reconcile path and best effort: a lost Event must
 * not fail (and so repeat) a reconcile whose status write already happened; and repeats of an
 * Event are counted on it (see EventRecorder).
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

/**
 * An identical Event (same Diagnosis, type, reason and message) within this long of the last one
 * is the same Event, counted again (client-go's EventCorrelator keeps 10 minutes too).
 */
const REPEAT_WINDOW_MS = 10 * 60_000;
/** Events remembered for counting repeats (client-go's cache holds 4096); the oldest go first. */
const REMEMBERED_EVENTS = 4096;

interface SentEvent {
  /** The Event's name once created. */
  name?: string;
  /** Occurrences counted on it. */
  count: number;
  /** When it last occurred (ms). */
  last: number;
  /** Sends for this Event, in order: a repeat waits for the create that names it. */
  sending: Promise<void>;
}

/**
 * Like client-go's recorder, an Event that repeats (a transition written again after a conflict,
 * a retried reconcile) is aggregated: its count and lastTimestamp move on the Event already
 * there (a patch) instead of a new Event each time; one gone meanwhile is created again.
 */
export class EventRecorder implements EventSink {
  private readonly sent = new Map<string, SentEvent>();

  constructor(
    private readonly client: Pick<ClusterClient, "createEvent" | "repeatEvent">,
    private readonly clock: Clock,
    private readonly logger: Logger,
    private readonly reportingInstance: string,
  ) {}

  record(d: Pick<Diagnosis, "metadata">, type: EventType, reason: string, message: string): void {
    const now = this.clock.now();
    const event = buildEvent(d, type, reason, message, now, this.reportingInstance);
    const key = [d.metadata.uid, type, reason, event.message].join("\u0000");
    const prior = this.sent.get(key);
    const entry: SentEvent =
      prior && now.getTime() - prior.last < REPEAT_WINDOW_MS
        ? prior
        : { count: 0, last: 0, sending: Promise.resolve() };
    entry.last = now.getTime();
    this.remember(key, entry);
    entry.sending = entry.sending.then(async () => {
      try {
        if (entry.name) {
          const patched = await this.client.repeatEvent(d.metadata.namespace!, entry.name, {
            count: entry.count + 1,
            lastTimestamp: now,
          });
          if (patched) {
            entry.count++;
            return;
          }
        }
        const created = await this.client.createEvent(event);
        entry.name = created.metadata?.name;
        entry.count = 1;
      } catch (err) {
        this.logger.warn("event not recorded", {
          diagnosis: `${d.metadata.namespace}/${d.metadata.name}`,
          reason,
          error: err instanceof Error ? err.message : String(err),
        });
      }
    });
  }

  private remember(key: string, entry: SentEvent): void {
    this.sent.delete(key);
    this.sent.set(key, entry);
    if (this.sent.size > REMEMBERED_EVENTS) {
      const oldest = this.sent.keys().next().value;
      if (oldest !== undefined) this.sent.delete(oldest);
    }
  }
}
