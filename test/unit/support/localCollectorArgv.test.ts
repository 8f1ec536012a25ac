import { expect } from "chai";
import { parseCollectorArgs } from "../../../operator/collector/parseCollectorArgs.js";
import { collectorCommand } from "../../../operator/controller/jobs/collectorJob.js";
import { localCollectorArgv } from "../../support/localCollectorArgv.js";

const ID = "dab948c69921dfa7e7b45ed24fe22e62dcef126171a6718b0e6c05f595a834b5";

describe("kubelet stand-in: the collector Job's command run locally", () => {
  it("keeps --container-id and the checks, and swaps only the binary and the termination path", () => {
    const command = collectorCommand({ target: { containerId: ID }, checks: ["memory", "jvm"] });
    const argv = localCollectorArgv(command, "/tmp/x/term.log");
    expect(argv[0]).to.equal("operator/collector/main.ts");
    const parsed = parseCollectorArgs(argv.slice(1), ["memory", "jvm", "cpu", "network"]);
    expect(parsed.kind).to.equal("run");
    if (parsed.kind !== "run") return;
    expect(parsed.args.target).to.deep.equal({ containerId: ID });
    expect(parsed.args.checks).to.deep.equal(["memory", "jvm"]);
    expect(parsed.args.json).to.equal(true);
    expect(parsed.args.terminationMessagePath).to.equal("/tmp/x/term.log");
  });

  it("also rewrites the --flag=value form", () => {
    expect(
      localCollectorArgv(
        ["diagnose-collector", "--node", "--termination-message-path=/dev/termination-log"],
        "/t",
      ),
    ).to.deep.equal(["operator/collector/main.ts", "--node", "--termination-message-path=/t"]);
  });

  it("with a local process as the target, swaps --container-id (both forms) for --pid", () => {
    const command = collectorCommand({ target: { containerId: ID }, checks: ["memory"] });
    const argv = localCollectorArgv(command, "/t", 4242);
    const parsed = parseCollectorArgs(argv.slice(1), ["memory", "jvm", "cpu", "network"]);
    if (parsed.kind !== "run") throw new Error(JSON.stringify(parsed));
    expect(parsed.args.target).to.deep.equal({ pid: 4242 });
    expect(argv).to.not.include(ID);
    expect(
      localCollectorArgv(["diagnose-collector", `--container-id=${ID}`], "/t", 7),
    ).to.deep.equal(["operator/collector/main.ts", "--pid", "7"]);
  });

  it("refuses a pod that runs something other than the collector", () => {
    expect(() => localCollectorArgv(["sh", "-c", "id"], "/t")).to.throw(
      /expected diagnose-collector/,
    );
    expect(() =>
      localCollectorArgv(["diagnose-collector", "--termination-message-path"], "/t"),
    ).to.throw(/without a path/);
  });
});
