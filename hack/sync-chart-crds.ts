/**
 * Copies the generated CRDs (crds/*.yaml, from hack/gen-crd.ts) into the Helm chart's crds/,
 * byte for byte. `--check` changes nothing and exits 1 when the chart's copy is missing,
 * differs, or holds a CRD that crds/ no longer has.
 *
 *   tsx hack/sync-chart-crds.ts [--check]
 */
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

export interface CrdDrift {
  file: string;
  problem: "missing in chart" | "differs" | "not in crds/";
}

const yamlFiles = (dir: string): string[] =>
  existsSync(dir)
    ? readdirSync(dir)
        .filter((f) => /\.ya?ml$/.test(f))
        .sort()
    : [];

/** Every file where the chart's crds/ does not hold the same bytes as the source crds/. */
export function findCrdDrift(sourceDir: string, chartCrdDir: string): CrdDrift[] {
  const source = yamlFiles(sourceDir);
  const chart = new Set(yamlFiles(chartCrdDir));
  const drift: CrdDrift[] = [];
  for (const file of source) {
    if (!chart.has(file)) drift.push({ file, problem: "missing in chart" });
    else if (!readFileSync(join(sourceDir, file)).equals(readFileSync(join(chartCrdDir, file))))
      drift.push({ file, problem: "differs" });
    chart.delete(file);
  }
  for (const file of chart) drift.push({ file, problem: "not in crds/" });
  return drift;
}

/** Makes the chart's crds/ an exact copy of the source crds/ (YAML files only). */
export function syncCrds(sourceDir: string, chartCrdDir: string): CrdDrift[] {
  const drift = findCrdDrift(sourceDir, chartCrdDir);
  for (const { file, problem } of drift) {
    if (problem === "not in crds/") rmSync(join(chartCrdDir, file));
    else writeFileSync(join(chartCrdDir, file), readFileSync(join(sourceDir, file)));
  }
  return drift;
}

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "..");
export const SOURCE_CRD_DIR = join(repoRoot, "crds");
export const CHART_CRD_DIR = join(repoRoot, "charts", "diagnose-operator", "crds");

function main(argv: readonly string[]): number {
  const check = argv.includes("--check");
  if (yamlFiles(SOURCE_CRD_DIR).length === 0) {
    process.stderr.write(`sync-chart-crds: no CRD in ${SOURCE_CRD_DIR}: run npm run crd:gen\n`);
    return 1;
  }
  if (check) {
    const drift = findCrdDrift(SOURCE_CRD_DIR, CHART_CRD_DIR);
    for (const d of drift) process.stderr.write(`sync-chart-crds: ${d.file}: ${d.problem}\n`);
    if (drift.length > 0) {
      process.stderr.write("sync-chart-crds: run tsx hack/sync-chart-crds.ts\n");
      return 1;
    }
    process.stderr.write("sync-chart-crds: chart CRDs match crds/\n");
    return 0;
  }
  const changed = syncCrds(SOURCE_CRD_DIR, CHART_CRD_DIR);
  for (const d of changed)
    process.stderr.write(`sync-chart-crds: ${d.file}: ${d.problem}, synced\n`);
  if (changed.length === 0) process.stderr.write("sync-chart-crds: already in sync\n");
  return 0;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  process.exitCode = main(process.argv.slice(2));
}
