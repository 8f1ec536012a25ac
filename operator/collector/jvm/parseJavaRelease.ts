import type { JavaVersion } from "../../report/evidence/jvmEvidence.js";

/** `KEY="value"` lines of <java.home>/release. */
export function parseReleaseFile(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split("\n")) {
    const m = /^([A-Z_][A-Z0-9_]*)=(?:"(.*)"|(.*))$/.exec(line.trim());
    if (m) out[m[1]!] = m[2] ?? m[3] ?? "";
  }
  return out;
}

/** "1.8.0_191", "11.0.16.1", "17.0.15", "25", "21-ea". */
export function parseJavaVersion(raw: string): JavaVersion | undefined {
  const legacy = /^1\.(\d+)\.\d+(?:_(\d+))?/.exec(raw);
  if (legacy) return { raw, major: Number(legacy[1]), update: Number(legacy[2] ?? 0) };
  const modern = /^(\d+)(?:\.(\d+))?(?:\.(\d+))?/.exec(raw);
  if (!modern) return undefined;
  return { raw, major: Number(modern[1]), update: Number(modern[3] ?? 0) };
}

export function javaVersionFromRelease(text: string): JavaVersion | undefined {
  const fields = parseReleaseFile(text);
  const raw = fields.JAVA_VERSION;
  if (!raw) return undefined;
  const v = parseJavaVersion(raw);
  if (v && fields.IMPLEMENTOR) v.implementor = fields.IMPLEMENTOR;
  return v;
}
