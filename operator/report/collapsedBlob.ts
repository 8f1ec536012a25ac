import { type CollapsedStacks, formatCollapsed } from "./collapsedText.js";
import { zlib } from "./lazyZlib.js";

/** Collapsed stacks as kept in the report: gzip + base64 of the folded text. */
export interface CollapsedBlob {
  encoding: "gzip+base64";
  data: string;
  stacks: number;
  samples: number;
  /** What was kept when the cap cut the lightest stacks. */
  keptStacks: number;
  keptSamples: number;
  capped: boolean;
  note?: string;
  /** What a count is: one per sample (as stackcollapse-perf.pl and inferno), or the sample's period. */
  weighting?: "samples" | "period";
  /** The perf event the stacks are of. */
  event?: string;
}

/** 256 KiB of base64 keeps a status object well under etcd's 1.5 MiB limit. */
const DEFAULT_BLOB_CAP_BYTES = 256 * 1024;

/** Encodes the stacks; over the cap, keeps the heaviest stacks that fit and says so. */
export function encodeCollapsed(
  stacks: CollapsedStacks,
  capBytes = DEFAULT_BLOB_CAP_BYTES,
  meta: Pick<CollapsedBlob, "weighting" | "event"> = {},
): CollapsedBlob {
  const sorted = [...stacks.entries()].sort(([a, x], [b, y]) => y - x || (a < b ? -1 : 1));
  const samples = sorted.reduce((s, [, n]) => s + n, 0);
  const encode = (k: number) =>
    zlib()
      .gzipSync(formatCollapsed(new Map(sorted.slice(0, k))), { level: 9 })
      .toString("base64");
  let data = encode(sorted.length);
  let kept = sorted.length;
  if (data.length > capBytes) {
    // Largest prefix of heaviest stacks that fits: binary search over the count.
    let lo = 0;
    let hi = sorted.length;
    while (lo < hi) {
      const mid = Math.ceil((lo + hi) / 2);
      if (encode(mid).length <= capBytes) lo = mid;
      else hi = mid - 1;
    }
    kept = lo;
    data = encode(kept);
  }
  const keptSamples = sorted.slice(0, kept).reduce((s, [, n]) => s + n, 0);
  const blob: CollapsedBlob = {
    encoding: "gzip+base64",
    data,
    stacks: sorted.length,
    samples,
    keptStacks: kept,
    keptSamples,
    capped: kept < sorted.length,
    ...meta,
  };
  if (blob.capped) {
    const share = samples > 0 ? ((keptSamples / samples) * 100).toFixed(1) : "0";
    blob.note = `capped at ${capBytes} bytes: kept the ${kept} heaviest of ${sorted.length} stacks (${share}% of ${samples} samples)`;
  }
  return blob;
}

/** The folded text; `maxBytes` bounds what a blob from an untrusted file may inflate to. */
export function decodeCollapsed(
  blob: Pick<CollapsedBlob, "encoding" | "data">,
  maxBytes?: number,
): string {
  if (blob.encoding !== "gzip+base64")
    throw new Error(`unknown collapsed stack encoding ${String(blob.encoding)}`);
  const gz = Buffer.from(blob.data, "base64");
  return (
    maxBytes === undefined
      ? zlib().gunzipSync(gz)
      : zlib().gunzipSync(gz, { maxOutputLength: maxBytes })
  ).toString("utf8");
}
