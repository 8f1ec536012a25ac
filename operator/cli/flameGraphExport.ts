/**
 * Flame graph export: the profile's collapsed stacks (gzip + base64 in the status) rendered to SVG
 * by operator/flamegraph. That renderer is loaded at run time so a build without it still has a
 * working plugin whose flamegraph command says it is not available.
 */
import type { Diagnosis } from "../api/v1alpha1/diagnosis.js";
import { decodeCollapsed } from "../report/collapsedBlob.js";
import { type CollapsedStacks, parseCollapsed } from "../report/collapsedText.js";
import { weightingSubtitle } from "../report/stackWeighting.js";
import type { FlameGraphKit } from "../reportpage/renderReportPage.js";
import { CliError } from "./diagnosisClient.js";
import { findProfileBlob, missingProfileReason } from "./profileBlob.js";

export interface FlameGraphRenderer {
  renderFlameGraph(
    stacks: CollapsedStacks,
    options?: { title?: string; subtitle?: string },
  ): string;
  /** What the report page embeds; absent in a renderer that only exports SVG files. */
  page?: FlameGraphKit;
}

/** The renderer from operator/flamegraph, or undefined when this build does not have it. */
export async function loadFlameGraphRenderer(): Promise<FlameGraphRenderer | undefined> {
  // A specifier in a variable: resolved at run time, not required at compile time.
  const renderModule = "../flamegraph/renderFlameGraph.js";
  try {
    const r = (await import(renderModule)) as Partial<
      Omit<FlameGraphKit, "library"> & { FLAME_GRAPH_LIBRARY: string }
    >;
    if (typeof r.renderFlameGraph !== "function") return undefined;
    const renderer: FlameGraphRenderer = { renderFlameGraph: r.renderFlameGraph };
    if (typeof r.renderDiffFlameGraph === "function" && typeof r.FLAME_GRAPH_LIBRARY === "string")
      renderer.page = {
        renderFlameGraph: r.renderFlameGraph,
        renderDiffFlameGraph: r.renderDiffFlameGraph,
        library: r.FLAME_GRAPH_LIBRARY,
      };
    return renderer;
  } catch {
    return undefined;
  }
}

/** The SVG for a finished Diagnosis with a profile; CliError saying why otherwise. */
export function flameGraphSvg(d: Diagnosis, renderer: FlameGraphRenderer | undefined): string {
  if (!renderer)
    throw new CliError(
      "flame graphs are not available in this build (operator/flamegraph is missing)",
    );
  const blob = findProfileBlob(d);
  if (!blob)
    throw new CliError(`no flame graph for ${d.metadata.name}: ${missingProfileReason(d)}`);
  let text: string;
  try {
    text = decodeCollapsed(blob);
  } catch (e) {
    throw new CliError(
      `the profile stacks in the status are not valid gzip+base64: ${(e as Error).message}`,
    );
  }
  const stacks = parseCollapsed(text);
  if (stacks.size === 0)
    throw new CliError(`the profile of ${d.metadata.name} recorded no samples`);
  const target = d.spec.target.pod ?? d.spec.target.node ?? "";
  const subtitle = [
    d.status?.target?.node ? `node ${d.status.target.node}` : "",
    weightingSubtitle(blob.weighting, blob.event),
    blob.note ?? "",
  ]
    .filter(Boolean)
    .join(" · ");
  return renderer.renderFlameGraph(stacks, {
    title: `${d.metadata.namespace}/${d.metadata.name}: ${target}`,
    ...(subtitle ? { subtitle } : {}),
  });
}
