import { expect } from "chai";
import {
  parseJavaSize,
  parseJvmFlags,
  splitJavaOptions,
} from "../../../operator/analysis/parseJvmFlags.js";

const GiB = 1024 ** 3;
const MiB = 1024 ** 2;

describe("parseJavaSize", () => {
  it("reads HotSpot size suffixes in either case", () => {
    expect(parseJavaSize("1g")).to.equal(GiB);
    expect(parseJavaSize("1G")).to.equal(GiB);
    expect(parseJavaSize("512m")).to.equal(512 * MiB);
    expect(parseJavaSize("384M")).to.equal(384 * MiB);
    expect(parseJavaSize("64k")).to.equal(64 * 1024);
    expect(parseJavaSize("2t")).to.equal(2 * 1024 * GiB);
    expect(parseJavaSize("2092957696")).to.equal(2092957696);
    expect(parseJavaSize("0x10000000")).to.equal(256 * MiB);
  });
  it("rejects what the JVM rejects", () => {
    for (const bad of ["", "1.5g", "1gb", "-1m", "g", "1 g x", "12q"]) {
      expect(parseJavaSize(bad), bad).to.equal(undefined);
    }
  });
});

describe("splitJavaOptions", () => {
  it("splits on whitespace and keeps quoted groups", () => {
    expect(splitJavaOptions("  -Xmx1g   -Dx='a b' \"-Dy=c d\"\t-Xss1m ")).to.deep.equal([
      "-Xmx1g",
      "-Dx=a b",
      "-Dy=c d",
      "-Xss1m",
    ]);
    expect(splitJavaOptions("")).to.deep.equal([]);
  });
});

describe("parseJvmFlags", () => {
  it("reads heap flags from a java command line up to the main class", () => {
    const r = parseJvmFlags(
      ["/usr/bin/java", "-Xms128m", "-Xmx1g", "-cp", "/app", "Main", "-Xmx8g"],
      {},
      { processCmdline: true },
    );
    expect(r.javaLauncher).to.equal(true);
    expect(r.maxHeapBytes).to.equal(GiB); // -Xmx8g is an application argument
    expect(r.initialHeapBytes).to.equal(128 * MiB);
    expect(r.sources.maxHeapBytes).to.deep.equal({ origin: "cmdline", flag: "-Xmx1g" });
  });

  it("stops at -jar and at a source file", () => {
    expect(parseJvmFlags(["java", "-Xmx64m", "-jar", "a.jar", "-Xmx2g"], {}).maxHeapBytes).to.equal(
      64 * MiB,
    );
    expect(parseJvmFlags(["java", "-Xmx1g", "Alloc.java", "-Xmx2g"], {}).maxHeapBytes).to.equal(
      GiB,
    );
  });

  it("lets the last flag win across -Xmx and -XX:MaxHeapSize", () => {
    const r = parseJvmFlags(["java", "-Xmx1g", "-XX:MaxHeapSize=512m", "Main"], {});
    expect(r.maxHeapBytes).to.equal(512 * MiB);
    expect(r.sources.maxHeapBytes?.flag).to.equal("-XX:MaxHeapSize=512m");
  });

  it("applies JAVA_TOOL_OPTIONS before the command line", () => {
    const r = parseJvmFlags(["java", "-Xmx256m", "Main"], {
      JAVA_TOOL_OPTIONS: "-Xmx2g -XX:MaxRAMPercentage=50",
    });
    expect(r.maxHeapBytes).to.equal(256 * MiB);
    expect(r.sources.maxHeapBytes?.origin).to.equal("cmdline");
    expect(r.maxRamPercentage).to.equal(50);
    expect(r.sources.maxRamPercentage?.origin).to.equal("JAVA_TOOL_OPTIONS");
  });

  it("applies JDK_JAVA_OPTIONS after JAVA_TOOL_OPTIONS, before the command line, on JDK 9+ only", () => {
    const env = { JAVA_TOOL_OPTIONS: "-Xmx2g", JDK_JAVA_OPTIONS: "-Xmx3g -Xms1g" };
    const r = parseJvmFlags(["java", "Main"], env, { javaMajorVersion: 17 });
    expect(r.maxHeapBytes).to.equal(3 * GiB);
    expect(r.sources.maxHeapBytes?.origin).to.equal("JDK_JAVA_OPTIONS");
    const r8 = parseJvmFlags(["java", "Main"], env, { javaMajorVersion: 8 });
    expect(r8.maxHeapBytes).to.equal(2 * GiB);
    expect(r8.initialHeapBytes).to.equal(undefined);
    const cmd = parseJvmFlags(["java", "-Xmx1g", "Main"], env, { javaMajorVersion: 17 });
    expect(cmd.maxHeapBytes).to.equal(GiB);
  });

  it("ignores JDK_JAVA_OPTIONS for an embedded launcher", () => {
    const r = parseJvmFlags(
      ["/usr/bin/jsvc", "-Xmx300m", "Daemon"],
      { JDK_JAVA_OPTIONS: "-Xmx3g" },
      {
        processCmdline: true,
      },
    );
    expect(r.javaLauncher).to.equal(false);
    expect(r.maxHeapBytes).to.equal(300 * MiB);
  });

  it("lets _JAVA_OPTIONS override everything", () => {
    const r = parseJvmFlags(["java", "-Xmx1g", "Main"], { _JAVA_OPTIONS: "-Xmx128m" });
    expect(r.maxHeapBytes).to.equal(128 * MiB);
    expect(r.sources.maxHeapBytes?.origin).to.equal("_JAVA_OPTIONS");
  });

  it("does not double count JAVA_OPTS/CATALINA_OPTS already expanded into a java command line", () => {
    // catalina.sh ran: `java $JAVA_OPTS $CATALINA_OPTS ... Bootstrap start`
    const env = { JAVA_OPTS: "-Xmx512m", CATALINA_OPTS: "-XX:MaxRAMPercentage=80" };
    const r = parseJvmFlags(
      [
        "/opt/java/bin/java",
        "-Xmx512m",
        "-XX:MaxRAMPercentage=80",
        "-Xmx700m",
        "Bootstrap",
        "start",
      ],
      env,
      { processCmdline: true },
    );
    expect(r.maxHeapBytes).to.equal(700 * MiB);
    expect(r.sources.maxHeapBytes?.origin).to.equal("cmdline");
    expect(r.sources.maxRamPercentage?.origin).to.equal("cmdline");
    expect(r.declared.JAVA_OPTS).to.equal("-Xmx512m");
  });

  it("applies JAVA_OPTS then CATALINA_OPTS when a pod spec runs a start script", () => {
    const r = parseJvmFlags(["catalina.sh", "run"], {
      JAVA_OPTS: "-Xmx512m -XX:MaxRAMPercentage=60",
      CATALINA_OPTS: "-Xmx1g",
    });
    expect(r.javaLauncher).to.equal(false);
    expect(r.maxHeapBytes).to.equal(GiB);
    expect(r.sources.maxHeapBytes?.origin).to.equal("CATALINA_OPTS");
    expect(r.maxRamPercentage).to.equal(60);
    // No command at all (image entrypoint): same assumption.
    expect(parseJvmFlags([], { JAVA_OPTS: "-Xmx2g" }).maxHeapBytes).to.equal(2 * GiB);
  });

  it("finds the java invocation inside sh -c", () => {
    const r = parseJvmFlags(
      ["/bin/sh", "-c", "cd /app && exec java -XX:MaxRAMPercentage=75.0 -jar app.jar -Xmx9g"],
      { JAVA_OPTS: "-Xmx2g" },
    );
    expect(r.javaLauncher).to.equal(true);
    expect(r.maxRamPercentage).to.equal(75);
    expect(r.maxHeapBytes).to.equal(undefined);
  });

  it("reads container support, MaxRAM and MaxRAMFraction", () => {
    const r = parseJvmFlags(
      ["java", "-XX:-UseContainerSupport", "-XX:MaxRAM=4g", "-XX:MaxRAMFraction=2", "Main"],
      {},
    );
    expect(r.useContainerSupport).to.equal(false);
    expect(r.maxRamBytes).to.equal(4 * GiB);
    expect(r.maxRamPercentage).to.equal(50);
    expect(r.sources.maxRamPercentage?.flag).to.equal("-XX:MaxRAMFraction=2");
    const on = parseJvmFlags(
      ["java", "-XX:-UseContainerSupport", "-XX:+UseContainerSupport", "M"],
      {},
    );
    expect(on.useContainerSupport).to.equal(true);
  });

  it("reports malformed heap flags instead of guessing", () => {
    const r = parseJvmFlags(["java", "-Xmx1.5g", "-XX:MaxRAMPercentage=150", "-Xmx256m", "M"], {});
    expect(r.maxHeapBytes).to.equal(256 * MiB);
    expect(r.maxRamPercentage).to.equal(undefined);
    expect(r.invalid.map((i) => i.flag)).to.deep.equal(["-Xmx1.5g", "-XX:MaxRAMPercentage=150"]);
  });

  it("reads ThreadStackSize in KiB and non-heap sizes", () => {
    const r = parseJvmFlags(
      [
        "java",
        "-XX:ThreadStackSize=512",
        "-XX:MaxMetaspaceSize=256m",
        "-XX:MaxDirectMemorySize=1g",
        "M",
      ],
      {},
    );
    expect(r.threadStackBytes).to.equal(512 * 1024);
    expect(r.maxMetaspaceBytes).to.equal(256 * MiB);
    expect(r.maxDirectMemoryBytes).to.equal(GiB);
  });
});
