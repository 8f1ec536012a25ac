/**
 * An OCI image archive (what `buildah push IMAGE oci-archive:FILE` writes) read without a
 * container engine: its name, manifest digest and config, and its layers unpacked into a root
 * file system (whiteouts applied) in which the image's own programs can run (`runInRootfs`).
 */
import { spawnSync } from "node:child_process";
import { chmodSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";

/** The parts of the OCI image config's `config` object these tests read. */
export interface OciRunConfig {
  User?: string;
  Entrypoint?: string[];
  Cmd?: string[];
  Env?: string[];
  WorkingDir?: string;
  Labels?: Record<string, string>;
}

export interface OciArchive {
  /** org.opencontainers.image.ref.name of the archive's one manifest. */
  ref: string;
  /** sha256:... of the manifest: what `repo@digest` names. */
  manifestDigest: string;
  config: OciRunConfig;
  /** Layer blob files, bottom first, inside `dir`. */
  layers: string[];
  /** Where the archive was extracted; remove with `dispose`. */
  dir: string;
  dispose(): void;
}

function sh(command: string, args: readonly string[]): string {
  const r = spawnSync(command, args, { encoding: "utf8", maxBuffer: 256 * 1024 * 1024 });
  if (r.status !== 0)
    throw new Error(`${command} ${args.join(" ")}: exit ${r.status}: ${r.stderr.slice(-2000)}`);
  return r.stdout;
}

const blobPath = (dir: string, digest: string): string => {
  const m = /^sha256:([0-9a-f]{64})$/.exec(digest);
  if (!m) throw new Error(`not a sha256 digest: ${digest}`);
  return join(dir, "blobs", "sha256", m[1]!);
};

/** Extracts the archive into a temp folder under `parent` and reads its index, manifest and config. */
export function openOciArchive(archive: string, parent: string): OciArchive {
  const dir = mkdtempSync(join(parent, "oci-"));
  try {
    sh("tar", ["-xf", archive, "-C", dir]);
    const index = JSON.parse(readFileSync(join(dir, "index.json"), "utf8")) as {
      manifests: { digest: string; annotations?: Record<string, string> }[];
    };
    if (index.manifests.length !== 1)
      throw new Error(`${archive}: ${index.manifests.length} manifests, expected 1`);
    const entry = index.manifests[0]!;
    const manifest = JSON.parse(readFileSync(blobPath(dir, entry.digest), "utf8")) as {
      config: { digest: string };
      layers: { digest: string }[];
    };
    const config = JSON.parse(readFileSync(blobPath(dir, manifest.config.digest), "utf8")) as {
      config?: OciRunConfig;
    };
    return {
      ref: entry.annotations?.["org.opencontainers.image.ref.name"] ?? "",
      manifestDigest: entry.digest,
      config: config.config ?? {},
      layers: manifest.layers.map((l) => blobPath(dir, l.digest)),
      dir,
      dispose: () => rmSync(dir, { recursive: true, force: true }),
    };
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
}

/**
 * Unpacks the layers into `root` the way a container runtime does: each layer's whiteouts
 * (`.wh.NAME` deletes NAME, `.wh..wh..opq` empties its folder) apply to the layers below it
 * before its own files land. GNU tar detects the layers' compression.
 */
export function unpackLayers(image: OciArchive, root: string): void {
  for (const layer of image.layers) {
    const entries = sh("tar", ["-tf", layer]).split("\n").filter(Boolean);
    for (const entry of entries) {
      const path = entry.replace(/^\.?\//, "");
      const slash = path.lastIndexOf("/");
      const parent = slash < 0 ? "" : path.slice(0, slash);
      const base = path.slice(slash + 1);
      if (base === ".wh..wh..opq") sh("find", [join(root, parent), "-mindepth", "1", "-delete"]);
      else if (base.startsWith(".wh."))
        rmSync(join(root, parent, base.slice(4)), { recursive: true, force: true });
    }
    sh("tar", [
      "-xf",
      layer,
      "-C",
      root,
      "--numeric-owner",
      "--same-permissions",
      "--exclude=.wh.*",
      "--exclude=*/.wh.*",
    ]);
  }
}

export interface RootfsRun {
  status: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs argv inside `root` as `user` (uid:gid) with `env`: chroot in a private mount and PID
 * namespace that has the host's /dev and its own /proc, gone when the command ends (no mount
 * outlives it). The host network stays (a kubeconfig for 127.0.0.1 works). Needs root.
 */
export function runInRootfs(
  root: string,
  argv: readonly string[],
  opts: { user: string; env: readonly string[]; timeoutMs?: number },
): RootfsRun {
  const script =
    'root="$1"; user="$2"; shift 2; mount --rbind /dev "$root/dev" && ' +
    'mount -t proc proc "$root/proc" && exec chroot --userspec="$user" "$root" env -i "$@"';
  const r = spawnSync(
    "unshare",
    [
      "--mount",
      "--propagation",
      "private",
      "--pid",
      "--fork",
      "sh",
      "-c",
      script,
      "sh",
      root,
      opts.user,
      ...opts.env,
      ...argv,
    ],
    { encoding: "utf8", timeout: opts.timeoutMs ?? 60_000, maxBuffer: 64 * 1024 * 1024 },
  );
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** A scratch folder for an unpacked root file system: 0755 like any `/` (mkdtemp makes 0700). */
export function makeRootfsDir(parent: string): string {
  const dir = mkdtempSync(join(parent, "rootfs-"));
  chmodSync(dir, 0o755);
  return dir;
}
