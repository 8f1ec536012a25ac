import { expect } from "chai";
import type { Diagnosis } from "../../../../operator/api/v1alpha1/diagnosis.js";
import { expiresAt, finishedAt } from "../../../../operator/controller/expiry/expiryRules.js";

const created = "2026-01-01T12:00:00.000Z";
const finished = "2026-01-01T12:05:00.000Z";
const policy = { defaultTtlSeconds: 7 * 86_400, cooldownSeconds: 600 };

function diagnosis(opts: {
  done?: "Completed" | "Failed";
  ttl?: number;
  triggered?: boolean;
}): Diagnosis {
  const d: Diagnosis = {
    apiVersion: "diagnose.dev/v1alpha1",
    kind: "Diagnosis",
    metadata: { name: "d", namespace: "shop", creationTimestamp: created },
    spec: { target: { pod: "p" } },
  };
  if (opts.triggered) d.metadata.labels = { "diagnose.dev/trigger": "PodRestart" };
  if (opts.ttl !== undefined) d.spec.ttlSecondsAfterFinished = opts.ttl;
  if (opts.done)
    d.status = {
      completionTime: finished,
      conditions: [
        {
          type: opts.done,
          status: "True",
          reason: opts.done === "Completed" ? "Succeeded" : "NodeGone",
          message: "",
          lastTransitionTime: finished,
        },
      ],
    };
  return d;
}

const plus = (iso: string, s: number): string => new Date(Date.parse(iso) + s * 1000).toISOString();

describe("Diagnosis expiry", () => {
  it("a Diagnosis that has not finished never expires", () => {
    expect(finishedAt(diagnosis({}))).to.equal(undefined);
    expect(expiresAt(diagnosis({ ttl: 0 }), policy)).to.equal(undefined);
  });

  it("expires the operator's default after it finished, Completed or Failed", () => {
    expect(expiresAt(diagnosis({ done: "Completed" }), policy)?.toISOString()).to.equal(
      plus(finished, 7 * 86_400),
    );
    expect(expiresAt(diagnosis({ done: "Failed" }), policy)?.toISOString()).to.equal(
      plus(finished, 7 * 86_400),
    );
  });

  it("its own ttlSecondsAfterFinished wins, 0 included (right after finishing)", () => {
    expect(expiresAt(diagnosis({ done: "Completed", ttl: 60 }), policy)?.toISOString()).to.equal(
      plus(finished, 60),
    );
    expect(expiresAt(diagnosis({ done: "Completed", ttl: 0 }), policy)?.toISOString()).to.equal(
      finished,
    );
  });

  it("the operator's default of 0 keeps Diagnoses that set no TTL", () => {
    const keep = { ...policy, defaultTtlSeconds: 0 };
    expect(expiresAt(diagnosis({ done: "Completed" }), keep)).to.equal(undefined);
    expect(expiresAt(diagnosis({ done: "Completed", ttl: 60 }), keep)?.toISOString()).to.equal(
      plus(finished, 60),
    );
  });

  it("an automatic Diagnosis is kept two cooldown windows after its creation", () => {
    expect(
      expiresAt(diagnosis({ done: "Completed", ttl: 0, triggered: true }), policy)?.toISOString(),
    ).to.equal(plus(created, 1200));
    expect(
      expiresAt(
        diagnosis({ done: "Completed", ttl: 3600, triggered: true }),
        policy,
      )?.toISOString(),
    ).to.equal(plus(finished, 3600));
  });
});
