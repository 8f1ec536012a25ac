import type { RequestOptions } from "node:https";
import { expect } from "chai";
import { parse } from "yaml";
import { loadKubeAccess } from "../../../../operator/controller/runtime/kubeAccess.js";
import {
  type KubeconfigFile,
  selectCluster,
} from "../../../../operator/controller/runtime/kubeconfig.js";

const b64 = (s: string) => Buffer.from(s).toString("base64");

function file(config: unknown, path = "/home/dev/.kube/config"): KubeconfigFile {
  return { config, path, dir: path.slice(0, path.lastIndexOf("/")) };
}

/** What cluster-up.sh writes (hack/cluster-up.sh: kubeconfig()). */
const certConfig = {
  apiVersion: "v1",
  kind: "Config",
  clusters: [
    {
      name: "diagnose",
      cluster: { server: "https://127.0.0.1:6443/", "certificate-authority-data": b64("CA") },
    },
  ],
  users: [
    {
      name: "admin",
      user: { "client-certificate-data": b64("CERT"), "client-key-data": b64("KEY") },
    },
  ],
  contexts: [{ name: "diagnose", context: { cluster: "diagnose", user: "admin" } }],
  "current-context": "diagnose",
};

describe("selectCluster (kubeconfig)", () => {
  it("takes the current context's server, CA and client certificate, inline data decoded", () => {
    const s = selectCluster([file(certConfig)]);
    expect(s).to.deep.equal({
      kind: "ok",
      cluster: {
        server: "https://127.0.0.1:6443",
        insecureSkipTlsVerify: false,
        certificateAuthority: { data: Buffer.from("CA") },
        clientCertificate: { data: Buffer.from("CERT") },
        clientKey: { data: Buffer.from("KEY") },
      },
    });
  });

  it("resolves file paths against the kubeconfig's directory; a token file; skip-verify and server name", () => {
    const s = selectCluster([
      file({
        clusters: [
          {
            name: "c",
            cluster: {
              server: "https://k8s.example:443",
              "certificate-authority": "pki/ca.crt",
              "insecure-skip-tls-verify": true,
              "tls-server-name": "kubernetes",
            },
          },
        ],
        users: [{ name: "u", user: { tokenFile: "/var/run/token" } }],
        contexts: [{ name: "x", context: { cluster: "c", user: "u" } }],
        "current-context": "x",
      }),
    ]);
    expect(s).to.deep.equal({
      kind: "ok",
      cluster: {
        server: "https://k8s.example:443",
        insecureSkipTlsVerify: true,
        certificateAuthority: { file: "/home/dev/.kube/pki/ca.crt" },
        tlsServerName: "kubernetes",
        tokenFile: "/var/run/token",
      },
    });
  });

  it("merges files as kubectl does: the first file naming an entry or a current-context wins", () => {
    const second = file(
      {
        clusters: [{ name: "diagnose", cluster: { server: "https://shadowed:1" } }],
        users: [{ name: "other", user: { token: "t0k3n" } }],
        contexts: [{ name: "other", context: { cluster: "diagnose", user: "other" } }],
        "current-context": "other",
      },
      "/etc/second",
    );
    const first = file({ ...certConfig, "current-context": undefined, clusters: [] }, "/etc/first");
    const s = selectCluster([first, second, file({ clusters: certConfig.clusters })]);
    expect(s.kind).to.equal("ok");
    if (s.kind !== "ok") return;
    expect(s.cluster.server).to.equal("https://shadowed:1");
    expect(s.cluster.token).to.equal("t0k3n");
  });

  it("refuses exec plugins and auth providers, and says what to use instead", () => {
    for (const user of [{ exec: { command: "aws" } }, { "auth-provider": { name: "gcp" } }]) {
      const s = selectCluster([file({ ...certConfig, users: [{ name: "admin", user }] })]);
      expect(s.kind).to.equal("error");
      if (s.kind === "error") expect(s.message).to.match(/does not run: use a client certificate/);
    }
  });

  it("explains a missing current-context, context, cluster or server", () => {
    const cases: Array<[unknown, RegExp]> = [
      [{ ...certConfig, "current-context": undefined }, /no current-context/],
      [{ ...certConfig, "current-context": "nope" }, /context nope not found/],
      [{ ...certConfig, clusters: [] }, /cluster diagnose of context diagnose not found/],
      [{ ...certConfig, clusters: [{ name: "diagnose", cluster: {} }] }, /has no server/],
      [{ ...certConfig, users: [] }, /user admin of context diagnose not found/],
    ];
    for (const [config, message] of cases) {
      const s = selectCluster([file(config)]);
      expect(s.kind).to.equal("error");
      if (s.kind === "error") expect(s.message).to.match(message);
    }
  });
});

describe("loadKubeAccess", () => {
  const world = (
    files: Record<string, string>,
    env: NodeJS.ProcessEnv = {},
    home: string | undefined = "/home/dev",
  ) => {
    let now = 0;
    return {
      deps: {
        env,
        home,
        exists: (p: string) => p in files,
        readFile: (p: string) => {
          const f = files[p];
          if (f === undefined) throw new Error(`ENOENT ${p}`);
          return Buffer.from(f);
        },
        parseYaml: async (text: string) => parse(text) as unknown,
        now: () => now,
      },
      files,
      advance: (ms: number) => {
        now += ms;
      },
    };
  };

  it("in a pod: the service env and the service account's token, read again after a minute", async () => {
    const w = world(
      {
        "/var/run/secrets/kubernetes.io/serviceaccount/token": "one\n",
        "/var/run/secrets/kubernetes.io/serviceaccount/ca.crt": "CA",
      },
      { KUBERNETES_SERVICE_HOST: "fd00::1", KUBERNETES_SERVICE_PORT: "443" },
    );
    const access = await loadKubeAccess(w.deps);
    expect(access.getCurrentCluster()).to.deep.equal({ server: "https://[fd00::1]:443" });
    const auth = async () => {
      const o: RequestOptions = {};
      await access.applyToHTTPSOptions(o);
      expect(o.agent).to.not.equal(undefined);
      return (o.headers as Record<string, unknown> | undefined)?.Authorization;
    };
    expect(await auth()).to.equal("Bearer one");
    w.files["/var/run/secrets/kubernetes.io/serviceaccount/token"] = "two";
    w.advance(30_000);
    expect(await auth()).to.equal("Bearer one");
    w.advance(31_000);
    expect(await auth()).to.equal("Bearer two");
  });

  it("in a pod whose user has no home directory (the image's 65532): the service account", async () => {
    const w = world(
      {
        "/var/run/secrets/kubernetes.io/serviceaccount/token": "one\n",
        "/var/run/secrets/kubernetes.io/serviceaccount/ca.crt": "CA",
      },
      { KUBERNETES_SERVICE_HOST: "10.96.0.1", KUBERNETES_SERVICE_PORT: "443" },
      undefined,
    );
    const access = await loadKubeAccess(w.deps);
    expect(access.getCurrentCluster()).to.deep.equal({ server: "https://10.96.0.1:443" });
  });

  it("KUBECONFIG before ~/.kube/config; one pool of connections for every request", async () => {
    const yaml = (server: string) =>
      `clusters: [{name: c, cluster: {server: "${server}"}}]\nusers: [{name: u, user: {token: abc}}]\ncontexts: [{name: x, context: {cluster: c, user: u}}]\ncurrent-context: x\n`;
    const w = world(
      {
        "/etc/kc": yaml("https://from-env:6443"),
        "/home/dev/.kube/config": yaml("https://home:6443"),
      },
      { KUBECONFIG: "/missing:/etc/kc" },
    );
    const access = await loadKubeAccess(w.deps);
    expect(access.getCurrentCluster()?.server).to.equal("https://from-env:6443");
    const a: RequestOptions = {};
    const b: RequestOptions = {};
    await access.applyToHTTPSOptions(a);
    await access.applyToHTTPSOptions(b);
    expect(a.agent).to.equal(b.agent);
    w.deps.env = {};
    expect((await loadKubeAccess(w.deps)).getCurrentCluster()?.server).to.equal(
      "https://home:6443",
    );
  });

  it("fails at load with the reason: nothing configured, an unreadable certificate file", async () => {
    await loadKubeAccess(world({}).deps).then(
      () => expect.fail("loaded"),
      (err: Error) => expect(err.message).to.match(/no cluster configured/),
    );
    const w = world({
      "/home/dev/.kube/config":
        "clusters: [{name: c, cluster: {server: 'https://h:1', certificate-authority: ca.crt}}]\ncontexts: [{name: x, context: {cluster: c}}]\ncurrent-context: x\n",
    });
    await loadKubeAccess(w.deps).then(
      () => expect.fail("loaded"),
      (err: Error) => expect(err.message).to.match(/ENOENT \/home\/dev\/.kube\/ca.crt/),
    );
  });
});
