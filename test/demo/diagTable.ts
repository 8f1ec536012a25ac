/**
 * `kubectl get diag`: the API server's own Table rendering of Diagnoses (the CRD's
 * additionalPrinterColumns, as kubectl asks for them), printed the way kubectl prints it.
 */
import { type RequestOptions, request } from "node:https";
import type { KubeConfig } from "@kubernetes/client-node";
import { GROUP, PLURAL, VERSION } from "../../operator/api/v1alpha1/diagnosis.js";
import { renderTable } from "../../operator/cli/renderTable.js";

/** The subset of meta.k8s.io/v1 Table that kubectl prints. */
export interface MetaTable {
  columnDefinitions: { name: string; type: string; priority?: number }[];
  rows: { cells: unknown[] }[];
}

/** kubectl's age format (k8s.io/apimachinery duration.HumanDuration), up to years. */
export function formatAge(ms: number): string {
  const s = Math.floor(ms / 1000);
  if (s < -1) return "<invalid>";
  if (s < 0) return "0s";
  if (s < 120) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 10) return s % 60 === 0 ? `${m}m` : `${m}m${s % 60}s`;
  if (m < 180) return `${m}m`;
  const h = Math.floor(m / 60);
  if (h < 8) return m % 60 === 0 ? `${h}h` : `${h}h${m % 60}m`;
  if (h < 48) return `${h}h`;
  if (h < 24 * 8)
    return h % 24 === 0 ? `${Math.floor(h / 24)}d` : `${Math.floor(h / 24)}d${h % 24}h`;
  if (h < 24 * 365 * 2) return `${Math.floor(h / 24)}d`;
  const y = Math.floor(h / 24 / 365);
  if (y < 8) {
    const d = Math.floor(h / 24) - y * 365;
    return d === 0 ? `${y}y` : `${y}y${d}d`;
  }
  return `${y}y`;
}

function cellText(cell: unknown, type: string, now: Date): string {
  // kubectl prints a missing value (a status not written yet) as an empty cell.
  if (cell === null || cell === undefined) return "";
  // The server usually renders dates as ages already; a raw timestamp is converted here.
  if (type === "date" && typeof cell === "string" && /^\d{4}-\d\d-\d\dT/.test(cell)) {
    const t = Date.parse(cell);
    return Number.isFinite(t) ? formatAge(now.getTime() - t) : cell;
  }
  return String(cell);
}

/** The Table as kubectl prints it: priority-0 columns only, upper-case headers, ages. */
export function renderMetaTable(table: MetaTable, now: Date, namespace: string): string {
  if (table.rows.length === 0) return `No resources found in ${namespace} namespace.`;
  const shown = table.columnDefinitions
    .map((c, i) => ({ c, i }))
    .filter(({ c }) => (c.priority ?? 0) === 0);
  const columns = shown.map(({ c }) => ({ header: c.name.toUpperCase() }));
  const rows = table.rows.map((r) => shown.map(({ c, i }) => cellText(r.cells[i], c.type, now)));
  return renderTable(columns, rows, { width: 1000, gap: 3 });
}

/** GET the namespace's Diagnoses as a Table, as `kubectl get diag -n <ns>` does. */
export async function fetchDiagnosisTable(kc: KubeConfig, namespace: string): Promise<MetaTable> {
  const server = kc.getCurrentCluster()?.server;
  if (!server) throw new Error("kubeconfig has no current cluster");
  const url = new URL(`/apis/${GROUP}/${VERSION}/namespaces/${namespace}/${PLURAL}`, server);
  const opts: RequestOptions = {};
  await kc.applyToHTTPSOptions(opts);
  const headers = {
    ...(opts.headers as Record<string, string> | undefined),
    Accept: "application/json;as=Table;v=v1;g=meta.k8s.io,application/json",
  };
  return new Promise((resolve, reject) => {
    const req = request(url, { ...opts, method: "GET", headers, timeout: 10_000 }, (res) => {
      let text = "";
      res.setEncoding("utf8").on("data", (c: string) => {
        text += c;
      });
      res.on("end", () => {
        if (res.statusCode !== 200)
          return reject(new Error(`GET ${url.pathname}: ${res.statusCode} ${text.slice(0, 300)}`));
        try {
          resolve(JSON.parse(text) as MetaTable);
        } catch (err) {
          reject(err);
        }
      });
      res.on("error", reject);
    });
    req.on("timeout", () => req.destroy(new Error(`GET ${url.pathname}: timed out`)));
    req.on("error", reject);
    req.end();
  });
}
