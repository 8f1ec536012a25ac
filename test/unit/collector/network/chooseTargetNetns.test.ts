import { expect } from "chai";
import { chooseTargetNetns } from "../../../../operator/collector/network/chooseTargetNetns.js";

const HOST = "net:[4026531840]";
const POD = "net:[4026532177]";
const OTHER = "net:[4026532300]";

describe("chooseTargetNetns", () => {
  it("one namespace for all processes: that one, even when it is the collector's own", () => {
    const c = chooseTargetNetns(
      [
        { pid: 10, netns: HOST },
        { pid: 11, netns: HOST },
      ],
      HOST,
    );
    expect(c).to.deep.equal({ pid: 10, netns: HOST, candidates: [{ netns: HOST, pids: 2 }] });
  });

  it("prefers a namespace other than the collector's, even when fewer processes are in it", () => {
    const c = chooseTargetNetns(
      [
        { pid: 5, netns: HOST },
        { pid: 6, netns: HOST },
        { pid: 90, netns: POD },
      ],
      HOST,
    );
    expect(c?.pid).to.equal(90);
    expect(c?.candidates).to.deep.equal([
      { netns: POD, pids: 1 },
      { netns: HOST, pids: 2 },
    ]);
  });

  it("among other namespaces, the one most processes share", () => {
    const c = chooseTargetNetns(
      [
        { pid: 1, netns: OTHER },
        { pid: 2, netns: POD },
        { pid: 3, netns: POD },
      ],
      HOST,
    );
    expect(c).to.include({ pid: 2, netns: POD });
  });

  it("no readable process: no choice", () => {
    expect(chooseTargetNetns([], HOST)).to.equal(undefined);
  });
});
