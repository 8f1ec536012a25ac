/**
 * Deadlines on the requests @kubernetes/client-node's typed clients send. The client has none
 * of its own: a request whose connection dies without a reset (a node's network gone) waits
 * forever, and whatever awaits it (a list, a reconcile, a lease renewal) waits with it. Every
 * client the operator makes comes from apiClient() below: each request gets an AbortSignal that
 * fires after the deadline, for the whole exchange (connect, headers and body), and fails with
 * a TimeoutError the caller retries like any network error.
 */
import { createConfiguration, type KubeConfig, ServerConfiguration } from "@kubernetes/client-node";

type ApiConstructor<T> = new (config: ReturnType<typeof createConfiguration>) => T;

/** A typed API client whose every request fails after `timeoutMs` (kubeConfig.makeApiClient otherwise). */
export function apiClient<T>(
  kubeConfig: KubeConfig,
  api: ApiConstructor<T>,
  timeoutMs: number,
  userAgent = "diagnose-operator",
): T {
  const cluster = kubeConfig.getCurrentCluster();
  if (!cluster) throw new Error("kubeconfig has no current cluster");
  return new api(
    createConfiguration({
      baseServer: new ServerConfiguration(cluster.server, {}),
      authMethods: { default: kubeConfig },
      promiseMiddleware: [
        {
          pre: async (context) => {
            context.setHeaderParam("User-Agent", userAgent);
            context.setSignal(AbortSignal.timeout(timeoutMs));
            return context;
          },
          post: async (response) => response,
        },
      ],
    }),
  );
}
