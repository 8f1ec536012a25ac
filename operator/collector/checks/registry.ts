import type { CheckName } from "../../api/v1alpha1/diagnosis.js";
import type { Check } from "../check.js";

interface CheckEntry {
  name: CheckName;
  scope: Check["scope"];
  /** The check's module, imported when the check runs: a run loads only the checks it runs. */
  load: () => Promise<Check>;
}

/**
 * Every implemented check, in report order. Adding a check is one line here; its scope is
 * repeated so that choosing checks needs no module (test/unit/collector/checkRegistry.test.ts
 * holds it to the module's own).
 */
const ENTRIES: readonly CheckEntry[] = [
  {
    name: "memory",
    scope: "pod",
    load: async () => (await import("../memory/memoryCheck.js")).memoryCheck as Check,
  },
  {
    name: "jvm",
    scope: "pod",
    load: async () => (await import("../jvm/jvmCheck.js")).jvmCheck as Check,
  },
  {
    name: "cpu",
    scope: "pod",
    load: async () => (await import("../cpu/cpuCheck.js")).cpuCheck as Check,
  },
  {
    name: "network",
    scope: "any",
    load: async () => (await import("../network/networkCheck.js")).networkCheck as Check,
  },
  {
    name: "softirq",
    scope: "node",
    load: async () => (await import("../softirq/softirqCheck.js")).softirqCheck as Check,
  },
  {
    name: "profile",
    scope: "node",
    load: async () => (await import("../profile/profileCheck.js")).profileCheck as Check,
  },
];

/** The checks, each importing its module on its first collect(). */
export const CHECKS: readonly Check[] = ENTRIES.map(({ name, scope, load }) => {
  let loaded: Promise<Check> | undefined;
  return {
    name,
    scope,
    async collect(ctx) {
      loaded ??= load();
      return (await loaded).collect(ctx);
    },
  };
});

/** Each check's own module, for the test that holds the scopes above to the modules'. */
export function loadCheck(name: CheckName): Promise<Check> | undefined {
  return ENTRIES.find((e) => e.name === name)?.load();
}
