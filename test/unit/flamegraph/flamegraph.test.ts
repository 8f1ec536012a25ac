import { spawnSync } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough, Readable } from "node:stream";
import { expect } from "chai";
import { collapseStacks } from "../../../operator/collector/profile/collapseStacks.js";
import { parsePerfScript } from "../../../operator/collector/profile/parsePerfScript.js";
import {
  renderDiffFlameGraph,
  renderFlameGraph,
} from "../../../operator/flamegraph/renderFlameGraph.js";
import { runFlamegraphCommand } from "../../../operator/flamegraph/runFlamegraphCommand.js";
import { encodeCollapsed } from "../../../operator/report/collapsedBlob.js";
import { parseCollapsed } from "../../../operator/report/collapsedText.js";

interface RenderedFrame {
  name: string;
  depth: number;
  samples: number;
  x: number;
  width: number;
  fill: string;
  title: string;
}

/** Well-formedness by libxml2 (hack/install-system-deps.sh installs xmllint). */
function assertWellFormed(svg: string) {
  const r = spawnSync("xmllint", ["--noout", "-"], { input: svg, encoding: "utf8" });
  expect(r.error, "xmllint must be installed (libxml2-utils)").to.equal(undefined);
  expect(r.stderr).to.equal("");
  expect(r.status).to.equal(0);
}

function frames(svg: string): RenderedFrame[] {
  const out: RenderedFrame[] = [];
  const re =
    /<g class="f" data-d="(\d+)" data-s="[\d.]+" data-v="([\d.]+)"><title>([^<]*)<\/title><rect x="([\d.]+)" y="[\d.]+" width="([\d.]+)" height="\d+" fill="([^"]+)"/g;
  for (const m of svg.matchAll(re)) {
    const title = unescapeXml(m[3] ?? "");
    out.push({
      name: title.split("\n")[0] ?? "",
      depth: Number(m[1]),
      samples: Number(m[2]),
      x: Number(m[4]),
      width: Number(m[5]),
      fill: m[6] ?? "",
      title,
    });
  }
  return out;
}

function unescapeXml(s: string): string {
  return s.replace(/&#(\d+);/g, (_, n: string) => String.fromCharCode(Number(n)));
}

const dir = new URL("../../fixtures/profile/", import.meta.url).pathname;

describe("renderFlameGraph", () => {
  it("draws widths proportional to samples on hand-made stacks", () => {
    const svg = renderFlameGraph(
      parseCollapsed("app;main;work 30\napp;main;idle 10\nkworker;worker_thread_[k] 60\n"),
      {
        width: 1020,
      },
    );
    assertWellFormed(svg);
    const f = frames(svg);
    // 1000 px of frames (1020 minus 10 px padding each side) for 100 samples: 10 px per sample.
    const byName = new Map(f.map((x) => [x.name, x]));
    expect(byName.get("all")).to.include({ depth: 0, samples: 100, width: 1000, x: 10 });
    expect(byName.get("app")).to.include({ depth: 1, samples: 40, width: 400, x: 10 });
    expect(byName.get("kworker")).to.include({ samples: 60, width: 600, x: 410 });
    expect(byName.get("idle")).to.include({ depth: 3, samples: 10, width: 100, x: 10 });
    expect(byName.get("work")).to.include({ samples: 30, width: 300, x: 110 });
    // The kernel annotation is not shown, the kind colours the frame.
    expect(byName.get("worker_thread")?.title).to.equal("worker_thread\n60 samples (60.00%)");
    expect(byName.get("worker_thread")?.fill).to.not.equal(byName.get("work")?.fill);
  });

  it("renders the SYN flood capture as well-formed XML whose frame widths match the samples", async () => {
    const stacks = collapseStacks(
      parsePerfScript(await readFile(`${dir}perf-script-node-synflood.txt`, "utf8")).samples,
    );
    const svg = renderFlameGraph(stacks, { title: 'SYN flood <node> & "friends"' });
    assertWellFormed(svg);
    const f = frames(svg);
    const total = [...stacks.values()].reduce((a, b) => a + b, 0);
    const perSample = (1200 - 20) / total;
    expect(f[0]).to.include({ name: "all", samples: total });
    for (const frame of f) expect(frame.width).to.be.closeTo(frame.samples * perSample, 0.01);
    expect(f.some((x) => x.name === "net_rx_action")).to.equal(true);
    // Every stack's leaf is drawn unless narrower than 0.1 px: no frames go missing at this size.
    const leaves = f.filter((x) => x.depth > 0).reduce((s, x) => s + x.samples, 0);
    expect(leaves).to.be.greaterThan(total);
    expect(svg).to.include("SYN flood &#60;node&#62; &#38; &#34;friends&#34;");
  });

  it("keeps colours stable for the same frame and by kind", () => {
    const a = frames(
      renderFlameGraph(
        parseCollapsed("p;tcp_v4_rcv_[k] 1\np;main 1\np;[unknown] 1\np;Interpreter_[j] 1\n"),
      ),
    );
    const b = frames(renderFlameGraph(parseCollapsed("q;x;tcp_v4_rcv_[k] 5\n")));
    const fill = (fs: RenderedFrame[], n: string) => fs.find((x) => x.name === n)?.fill ?? "";
    expect(fill(a, "tcp_v4_rcv")).to.equal(fill(b, "tcp_v4_rcv"));
    const rgb = (s: string) => (s.match(/\d+/g) ?? []).map(Number);
    const [kr, kg, kb] = rgb(fill(a, "tcp_v4_rcv"));
    expect(kr).to.be.greaterThan(200);
    expect(kg).to.be.lessThan(170); // orange
    expect(kb).to.be.lessThan(70);
    const [jr, jg] = rgb(fill(a, "Interpreter"));
    expect(jg).to.be.greaterThan(jr ?? 0); // green
    const [ur, ug, ub] = rgb(fill(a, "[unknown]"));
    expect(Math.max(ur ?? 0, ug ?? 0, ub ?? 0) - Math.min(ur ?? 0, ug ?? 0, ub ?? 0)).to.equal(0); // grey
  });

  it("colours a diff red where frames grew and blue where they shrank", () => {
    const before = parseCollapsed("p;a 50\np;b 50\n");
    const after = parseCollapsed("p;a 80\np;b 20\n");
    const svg = renderDiffFlameGraph(before, after);
    assertWellFormed(svg);
    const f = new Map(frames(svg).map((x) => [x.name, x]));
    expect(f.get("a")?.fill).to.equal("rgb(255,0,0)");
    expect(f.get("b")?.fill).to.equal("rgb(0,0,255)");
    expect(f.get("a")?.title).to.match(/80 samples \(80\.00%\), \+30 vs baseline \(\+60\.0%\)/);
    expect(f.get("a")?.width).to.be.closeTo(0.8 * 1180, 0.01);
  });

  it("compares shares when the profiles differ in length", () => {
    const svg = renderDiffFlameGraph(
      parseCollapsed("p;a 10\np;b 10\n"),
      parseCollapsed("p;a 100\np;b 100\n"),
    );
    const f = new Map(frames(svg).map((x) => [x.name, x]));
    expect(f.get("a")?.fill).to.equal("rgb(250,250,250)");
  });
});

function collect(): { stream: PassThrough; text: () => string } {
  const stream = new PassThrough();
  const chunks: Buffer[] = [];
  stream.on("data", (c: Buffer) => chunks.push(c));
  return { stream, text: () => Buffer.concat(chunks).toString("utf8") };
}

describe("runFlamegraphCommand", () => {
  const tmps: string[] = [];
  const makeTmp = async () => {
    const d = await mkdtemp(join(tmpdir(), "dgn-s3-unit-"));
    tmps.push(d);
    return d;
  };
  after(async () => {
    for (const d of tmps.splice(0)) await rm(d, { recursive: true, force: true });
  });

  it("renders collapsed stacks from stdin", async () => {
    const out = collect();
    const code = await runFlamegraphCommand(
      ["--title", "t"],
      Readable.from(["a;b 2\n", "a;c 1\n"]),
      out.stream,
    );
    expect(code).to.equal(0);
    expect(frames(out.text()).map((f) => [f.name, f.samples])).to.deep.include.members([
      ["b", 2],
      ["c", 1],
    ]);
  });

  it("renders from a saved report and from two files as a diff", async () => {
    const tmp = await makeTmp();
    const report = {
      checks: {
        profile: {
          status: "ok",
          durationMs: 1,
          data: { collapsed: encodeCollapsed(parseCollapsed("x;y 4\n")) },
        },
      },
    };
    await writeFile(join(tmp, "report.json"), JSON.stringify(report));
    const out = collect();
    expect(
      await runFlamegraphCommand(
        ["--report", join(tmp, "report.json")],
        Readable.from([]),
        out.stream,
      ),
    ).to.equal(0);
    expect(frames(out.text()).find((f) => f.name === "y")?.samples).to.equal(4);

    await writeFile(join(tmp, "before.txt"), "x;y 4\n");
    await writeFile(join(tmp, "after.txt"), "x;y 1\nx;z 3\n");
    const diff = collect();
    const args = ["--diff", join(tmp, "before.txt"), join(tmp, "after.txt")];
    expect(await runFlamegraphCommand(args, Readable.from([]), diff.stream)).to.equal(0);
    expect(diff.text()).to.include("Differential Flame Graph");
    expect(frames(diff.text()).find((f) => f.name === "y")?.fill).to.match(/^rgb\(\d+,\d+,255\)$/);
  });

  it("explains a report without a profile and bad arguments", async () => {
    const tmp = await makeTmp();
    await writeFile(
      join(tmp, "r.json"),
      JSON.stringify({
        checks: { profile: { status: "unavailable", reason: "perf: not installed" } },
      }),
    );
    const err = collect();
    expect(
      await runFlamegraphCommand(
        ["--report", join(tmp, "r.json")],
        Readable.from([]),
        collect().stream,
        err.stream,
      ),
    ).to.equal(1);
    expect(err.text()).to.match(/profile check was unavailable: perf: not installed/);
    const err2 = collect();
    expect(
      await runFlamegraphCommand(["--bogus"], Readable.from([]), collect().stream, err2.stream),
    ).to.equal(2);
    expect(err2.text()).to.match(/unknown argument --bogus/);
  });
});
