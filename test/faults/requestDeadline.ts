/**
 * Deadlines on the requests @kubernetes/client-node's typed clients send, for the fault suite's
 * own clients (the operator itself goes through runtime/restClient.ts, which has its own). The
 * client has none: a request whose connection dies without a reset waits forever, and so would
 * the suite's checks while the fault proxy drops traffic. Each request gets an AbortSignal that
 * fires after the deadline, for the whole exchange (connect, headers and body).
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
