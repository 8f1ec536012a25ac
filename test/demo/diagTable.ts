/**
 * What `kubectl get diag -n <ns>` shows, without kubectl: hack/build-tools.sh builds no kubectl,
 * so the demo asks the kube-apiserver for the Table kubectl itself asks for (the CRD's printer
 * columns, ages already rendered by the server) and prints its cells as plain columns.
 */
import { type CustomObjectsApi, setHeaderOptions } from "@kubernetes/client-node";
import { GROUP, PLURAL, VERSION } from "../../operator/api/v1alpha1/diagnosis.js";
import { renderTable } from "../../operator/cli/renderTable.js";

/** The Accept header kubectl sends for `get`: the server answers with a meta.k8s.io/v1 Table. */
const TABLE_ACCEPT = "application/json;as=Table;v=v1;g=meta.k8s.io,application/json";

/** The subset of meta.k8s.io/v1 Table that is printed. */
export interface MetaTable {
  columnDefinitions: { name: string; type: string; priority?: number }[];
  rows: { cells: unknown[] }[];
}

/** The Table's default columns (priority 0), upper-case headers, a missing value left blank. */
export function renderMetaTable(table: MetaTable, namespace: string): string {
  if (table.rows.length === 0) return `No resources found in ${namespace} namespace.`;
  const shown = table.columnDefinitions
    .map((c, i) => ({ c, i }))
    .filter(({ c }) => (c.priority ?? 0) === 0);
  const columns = shown.map(({ c }) => ({ header: c.name.toUpperCase() }));
  const rows = table.rows.map((r) => shown.map(({ i }) => String(r.cells[i] ?? "")));
  return renderTable(columns, rows, { width: 1000, gap: 3 });
}

/** The namespace's Diagnoses as the server's Table. */
export async function fetchDiagnosisTable(
  custom: CustomObjectsApi,
  namespace: string,
): Promise<MetaTable> {
  return (await custom.listNamespacedCustomObject(
    { group: GROUP, version: VERSION, plural: PLURAL, namespace },
    setHeaderOptions("Accept", TABLE_ACCEPT),
  )) as MetaTable;
}
