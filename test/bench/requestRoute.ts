/**
 * Names an apiserver request for counting: "PATCH pods/status", "GET diagnoses", "WATCH pods"
 * (verb + resource + subresource; namespaces and object names dropped).
 */
export function routeOf(method: string, path: string): string {
  const [p, q = ""] = path.split("?");
  const parts = (p ?? "").split("/").filter(Boolean);
  // /api/v1/... or /apis/<group>/<version>/...
  let i = parts[0] === "api" ? 2 : parts[0] === "apis" ? 3 : 0;
  if (i === 0) return `${method} ${p}`;
  if (parts[i] === "namespaces" && parts.length > i + 2) i += 2;
  const resource = parts[i] ?? "";
  const sub = parts.length > i + 2 ? `/${parts[i + 2]}` : "";
  const verb = method === "GET" && /(^|&)watch=(1|true)/.test(q) ? "WATCH" : method;
  return `${verb} ${resource}${sub}`;
}
