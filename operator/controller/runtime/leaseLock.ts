/**
 * ResourceLock over a coordination.k8s.io/v1 Lease, through RestClient. Each request has a
 * deadline (the runtime gives half the renew deadline), so an attempt on a dead connection fails
 * in time for another one, on a new connection, before the leader must give up.
 */
import { apiStatusCode } from "./apiStatusCode.js";
import type { KubeAccess } from "./kubeAccess.js";
import type { LeaderRecord, ResourceLock, VersionedRecord } from "./leaderElection.js";
import { RestClient } from "./restClient.js";

/** The Lease as the API has it (times are MicroTime strings). */
interface Lease {
  apiVersion?: string;
  kind?: string;
  metadata?: { name?: string; namespace?: string; resourceVersion?: string };
  spec?: {
    holderIdentity?: string;
    leaseDurationSeconds?: number;
    acquireTime?: string;
    renewTime?: string;
    leaseTransitions?: number;
  };
}

/** Lease times are MicroTime: the apiserver only parses RFC 3339 with exactly six fraction digits. */
function formatMicroTime(d: Date): string {
  return d.toISOString().replace(/\.(\d{3})Z$/, ".$1000Z");
}

function toSpec(record: LeaderRecord): Lease["spec"] {
  return {
    holderIdentity: record.holderIdentity,
    leaseDurationSeconds: record.leaseDurationSeconds,
    acquireTime: formatMicroTime(record.acquireTime),
    renewTime: formatMicroTime(record.renewTime),
    leaseTransitions: record.leaseTransitions,
  };
}

function toRecord(lease: Lease): VersionedRecord {
  const s = lease.spec ?? {};
  const epoch = new Date(0);
  return {
    version: lease.metadata?.resourceVersion ?? "",
    record: {
      holderIdentity: s.holderIdentity ?? "",
      leaseDurationSeconds: s.leaseDurationSeconds ?? 0,
      acquireTime: s.acquireTime ? new Date(s.acquireTime) : epoch,
      renewTime: s.renewTime ? new Date(s.renewTime) : epoch,
      leaseTransitions: s.leaseTransitions ?? 0,
    },
  };
}

export class LeaseLock implements ResourceLock {
  private readonly rest: RestClient;
  private readonly path: string;

  constructor(
    access: KubeAccess,
    private readonly namespace: string,
    private readonly name: string,
    /** metadata.managedFields manager of the Lease writes. */
    private readonly fieldManager?: string,
    /** Deadline of each request (default: RestClient's). */
    requestTimeoutMs?: number,
  ) {
    this.rest = new RestClient(access, {
      ...(fieldManager ? { userAgent: fieldManager } : {}),
      ...(requestTimeoutMs !== undefined ? { timeoutMs: requestTimeoutMs } : {}),
    });
    this.path = `/apis/coordination.k8s.io/v1/namespaces/${namespace}/leases`;
  }

  describe(): string {
    return `leases/${this.namespace}/${this.name}`;
  }

  async get(): Promise<VersionedRecord | undefined> {
    try {
      return toRecord(await this.rest.request<Lease>("GET", `${this.path}/${this.name}`));
    } catch (err) {
      if (apiStatusCode(err) === 404) return undefined;
      throw err;
    }
  }

  async create(record: LeaderRecord): Promise<VersionedRecord> {
    const body: Lease = {
      apiVersion: "coordination.k8s.io/v1",
      kind: "Lease",
      metadata: { name: this.name, namespace: this.namespace },
      spec: toSpec(record),
    };
    return toRecord(
      await this.rest.request<Lease>("POST", this.path, { query: this.query(), body }),
    );
  }

  async update(record: LeaderRecord, version: string): Promise<VersionedRecord> {
    // resourceVersion makes the replace conditional: a concurrent writer gets 409 Conflict.
    const body: Lease = {
      apiVersion: "coordination.k8s.io/v1",
      kind: "Lease",
      metadata: { name: this.name, namespace: this.namespace, resourceVersion: version },
      spec: toSpec(record),
    };
    return toRecord(
      await this.rest.request<Lease>("PUT", `${this.path}/${this.name}`, {
        query: this.query(),
        body,
      }),
    );
  }

  private query(): Record<string, string> {
    return this.fieldManager ? { fieldManager: this.fieldManager } : {};
  }
}
