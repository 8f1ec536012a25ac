/**
 * ResourceLock over a coordination.k8s.io/v1 Lease. Each request has a deadline (the runtime
 * gives half the renew deadline), so an attempt on a dead connection fails in time for another
 * one, on a new connection, before the leader must give up.
 */
import { CoordinationV1Api, type KubeConfig, type V1Lease } from "@kubernetes/client-node";
import { apiStatusCode } from "./apiStatusCode.js";
import type { LeaderRecord, ResourceLock, VersionedRecord } from "./leaderElection.js";
import { apiClient } from "./requestDeadline.js";

/**
 * Lease times are MicroTime: the apiserver only parses RFC 3339 with exactly six fraction digits,
 * and @kubernetes/client-node 2.0.1 serializes Date with three (400 BadRequest). Its serializer
 * passes non-Date values through, so we hand it the string in the right shape.
 */
function formatMicroTime(d: Date): string {
  return d.toISOString().replace(/\.(\d{3})Z$/, ".$1000Z");
}

function toSpec(record: LeaderRecord): V1Lease["spec"] {
  return {
    holderIdentity: record.holderIdentity,
    leaseDurationSeconds: record.leaseDurationSeconds,
    acquireTime: formatMicroTime(record.acquireTime) as unknown as Date,
    renewTime: formatMicroTime(record.renewTime) as unknown as Date,
    leaseTransitions: record.leaseTransitions,
  };
}

function toRecord(lease: V1Lease): VersionedRecord {
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
  private readonly api: CoordinationV1Api;

  constructor(
    kubeConfig: KubeConfig,
    private readonly namespace: string,
    private readonly name: string,
    /** metadata.managedFields manager of the Lease writes. */
    private readonly fieldManager?: string,
    /** Deadline of each request. */
    requestTimeoutMs = 10_000,
  ) {
    this.api = apiClient(kubeConfig, CoordinationV1Api, requestTimeoutMs, fieldManager);
  }

  describe(): string {
    return `leases/${this.namespace}/${this.name}`;
  }

  async get(): Promise<VersionedRecord | undefined> {
    try {
      return toRecord(
        await this.api.readNamespacedLease({ name: this.name, namespace: this.namespace }),
      );
    } catch (err) {
      if (apiStatusCode(err) === 404) return undefined;
      throw err;
    }
  }

  async create(record: LeaderRecord): Promise<VersionedRecord> {
    const body: V1Lease = {
      apiVersion: "coordination.k8s.io/v1",
      kind: "Lease",
      metadata: { name: this.name, namespace: this.namespace },
      spec: toSpec(record),
    };
    return toRecord(
      await this.api.createNamespacedLease({
        namespace: this.namespace,
        body,
        fieldManager: this.fieldManager,
      }),
    );
  }

  async update(record: LeaderRecord, version: string): Promise<VersionedRecord> {
    // resourceVersion makes the replace conditional: a concurrent writer gets 409 Conflict.
    const body: V1Lease = {
      apiVersion: "coordination.k8s.io/v1",
      kind: "Lease",
      metadata: { name: this.name, namespace: this.namespace, resourceVersion: version },
      spec: toSpec(record),
    };
    return toRecord(
      await this.api.replaceNamespacedLease({
        name: this.name,
        namespace: this.namespace,
        body,
        fieldManager: this.fieldManager,
      }),
    );
  }
}
