import { expect } from "chai";
import { tolerates, untoleratedTaint } from "../../../../operator/controller/jobs/nodeTaints.js";

const controlPlane = { key: "node-role.kubernetes.io/control-plane", effect: "NoSchedule" };
const dedicated = { key: "dedicated", value: "db", effect: "NoExecute" };

describe("node taints against the collector's tolerations (the scheduler's rule)", () => {
  it("matches like Kubernetes' ToleratesTaint", () => {
    expect(tolerates({ operator: "Exists" }, dedicated), "empty key + Exists: all").to.equal(true);
    expect(tolerates({ operator: "Exists", effect: "NoSchedule" }, dedicated)).to.equal(false);
    expect(tolerates({ key: "dedicated", operator: "Exists" }, dedicated)).to.equal(true);
    expect(tolerates({ key: "dedicated", value: "db" }, dedicated), "Equal by default").to.equal(
      true,
    );
    expect(tolerates({ key: "dedicated", operator: "Equal", value: "web" }, dedicated)).to.equal(
      false,
    );
    expect(
      tolerates({ operator: "Equal", value: "db" }, dedicated),
      "empty key needs Exists",
    ).to.equal(false);
  });

  it("finds the first NoSchedule or NoExecute taint not tolerated; PreferNoSchedule never blocks", () => {
    const prefer = { key: "spot", effect: "PreferNoSchedule" };
    expect(
      untoleratedTaint(
        [prefer, controlPlane, dedicated],
        [{ key: "dedicated", operator: "Exists" }],
      ),
    ).to.deep.equal(controlPlane);
    expect(untoleratedTaint([prefer], [])).to.equal(undefined);
    expect(untoleratedTaint([controlPlane, dedicated], [{ operator: "Exists" }])).to.equal(
      undefined,
    );
  });
});
