import { readFileSync } from "node:fs";
import { expect } from "chai";
import { containerSupport } from "../../../../operator/collector/jvm/containerSupport.js";
import {
  javaVersionFromRelease,
  parseJavaVersion,
} from "../../../../operator/collector/jvm/parseJavaRelease.js";
import { parsePrintFlagsFinal } from "../../../../operator/collector/jvm/parsePrintFlagsFinal.js";

describe("Java release and version", () => {
  it("reads the release files of the installed runtimes", () => {
    const v17 = javaVersionFromRelease(readFileSync("test/fixtures/jvm/java17-release", "utf8"));
    expect(v17).to.deep.include({ raw: "17.0.15", major: 17, update: 15, implementor: "Debian" });
    const v25 = javaVersionFromRelease(readFileSync("test/fixtures/jvm/temurin25-release", "utf8"));
    expect(v25).to.deep.include({ major: 25, update: 3, implementor: "Eclipse Adoptium" });
  });
  it("reads legacy and short version strings", () => {
    expect(parseJavaVersion("1.8.0_181")).to.deep.include({ major: 8, update: 181 });
    expect(parseJavaVersion("11.0.16.1")).to.deep.include({ major: 11, update: 16 });
    expect(parseJavaVersion("21")).to.deep.include({ major: 21, update: 0 });
    expect(parseJavaVersion("garbage")).to.equal(undefined);
  });
});

describe("containerSupport", () => {
  const v = (s: string) => parseJavaVersion(s);
  it("knows when cgroup v1 support arrived (10, 8u191)", () => {
    expect(containerSupport(v("1.8.0_181"), undefined, 1).aware).to.equal(false);
    expect(containerSupport(v("1.8.0_191"), undefined, 1).aware).to.equal(true);
    expect(containerSupport(v("9.0.4"), undefined, 1).aware).to.equal(false);
    expect(containerSupport(v("10.0.2"), undefined, 1).aware).to.equal(true);
  });
  it("knows when cgroup v2 support arrived (15, 11.0.16, 8u372)", () => {
    expect(containerSupport(v("11.0.15"), undefined, 2).aware).to.equal(false);
    expect(containerSupport(v("11.0.16"), undefined, 2).aware).to.equal(true);
    expect(containerSupport(v("1.8.0_362"), undefined, 2).aware).to.equal(false);
    expect(containerSupport(v("17.0.1"), undefined, 2).aware).to.equal(true);
  });
  it("honours -XX:-UseContainerSupport and unknown versions", () => {
    expect(containerSupport(v("21.0.1"), false, 2)).to.deep.include({ aware: false });
    expect(containerSupport(undefined, undefined, 1).aware).to.equal(undefined);
  });
});

describe("parsePrintFlagsFinal", () => {
  it("reads the S1 heap flags from a real JDK 17 output", () => {
    const flags = parsePrintFlagsFinal(
      readFileSync("test/fixtures/jvm/java17-printflagsfinal.txt", "utf8"),
    );
    expect(flags.size).to.be.greaterThan(500);
    expect(flags.get("MaxHeapSize")).to.deep.include({
      type: "size_t",
      origin: "ergonomic",
      changed: true,
    });
    expect(Number(flags.get("MaxHeapSize")!.value)).to.be.greaterThan(0);
    expect(flags.get("MaxRAMPercentage")).to.deep.include({
      value: "25.000000",
      origin: "default",
      changed: false,
    });
    expect(flags.get("UseContainerSupport")?.value).to.equal("true");
  });
  it("reads the JDK 8 layout with := for changed flags", () => {
    const flags = parsePrintFlagsFinal(
      "    uintx InitialHeapSize                          := 132120576                           {product}\n" +
        "    uintx MaxHeapSize                              := 2092957696                          {product}\n" +
        "     bool UseCGroupMemoryLimitForHeap               = false                               {experimental}\n",
    );
    expect(flags.get("MaxHeapSize")).to.deep.include({ value: "2092957696", changed: true });
    expect(flags.get("UseCGroupMemoryLimitForHeap")).to.deep.include({
      value: "false",
      changed: false,
    });
  });
});
