/**
 * Heap-related JVM flags from a command line and the environment, resolved the way HotSpot does.
 *
 * Pure (no I/O): the collector feeds it /proc/<pid>/cmdline and /proc/<pid>/environ; the controller
 * feeds it a pod spec's command + args and env.
 *
 * Order of application (later wins, as in HotSpot's Arguments::parse):
 *   1. JAVA_TOOL_OPTIONS          read by the JVM itself, before the command line
 *   2. JDK_JAVA_OPTIONS           prepended to the arguments by the `java` launcher, JDK 9+ only,
 *                                 and only when the launcher is `java` (not jlink'd or embedded)
 *   3. the command line           options between `java` and the main class / -jar / source file
 *   4. _JAVA_OPTIONS              read by the JVM last, overrides everything
 *
 * JAVA_OPTS and CATALINA_OPTS are not read by the JVM: start scripts (catalina.sh: `java $JAVA_OPTS
 * $CATALINA_OPTS ... Bootstrap start`) expand them into the java command line. Rule used here:
 *   - when the command line is a `java` invocation, or a running JVM's own cmdline, they are ignored for
 *     the effective values: whatever the script used is already in the command line, so counting
 *     them again would double count (they are still listed in `declared`);
 *   - when the command line is not a java invocation (a pod spec running a start script, or no
 *     command at all so the image entrypoint runs), they are assumed expanded by the script,
 *     JAVA_OPTS then CATALINA_OPTS, between JDK_JAVA_OPTIONS and _JAVA_OPTIONS.
 * A `sh -c "java ..."` command line is looked into: the java invocation inside the string is used.
 */
import type {
  JvmFlagKey,
  JvmFlagOrigin,
  JvmFlagSettings,
  ParsedJvmFlags,
} from "../report/evidence/jvmEvidence.js";

export interface ParseJvmFlagsOptions {
  /** Feature version of the runtime (8, 11, 17...), when known: JDK_JAVA_OPTIONS needs 9+. */
  javaMajorVersion?: number;
  /**
   * The command line is a running JVM's own /proc/<pid>/cmdline (collector), rather than a pod
   * spec's command (controller). A running JVM whose argv[0] is not `java` embeds the JVM (jsvc,
   * a jpackage launcher): it ignores JDK_JAVA_OPTIONS, and its script variables are already in argv.
   */
  processCmdline?: boolean;
}

const UNITS: Record<string, number> = {
  "": 1,
  k: 1024,
  m: 1024 ** 2,
  g: 1024 ** 3,
  t: 1024 ** 4,
};

/**
 * A HotSpot memory size: decimal or 0x-hex digits with an optional k/m/g/t suffix (either case);
 * no suffix means bytes. Returns undefined for anything the JVM would reject.
 */
export function parseJavaSize(text: string): number | undefined {
  const m = /^(0[xX][0-9a-fA-F]+|[0-9]+)([kKmMgGtT]?)$/.exec(text.trim());
  if (!m) return undefined;
  const value = Number(m[1]!.startsWith("0x") || m[1]!.startsWith("0X") ? BigInt(m[1]!) : m[1]);
  const unit = UNITS[m[2]!.toLowerCase()]!;
  const bytes = value * unit;
  return Number.isSafeInteger(bytes) ? bytes : undefined;
}

/**
 * Splits an option variable the way the JVM does: on whitespace, with single or double quotes
 * grouping (JDK 9+; JDK 8 splits on whitespace only, which only differs for quoted values).
 */
export function splitJavaOptions(text: string): string[] {
  const out: string[] = [];
  let cur = "";
  let inToken = false;
  let quote: string | undefined;
  for (const ch of text) {
    if (quote) {
      if (ch === quote) quote = undefined;
      else cur += ch;
    } else if (ch === '"' || ch === "'") {
      quote = ch;
      inToken = true;
    } else if (/\s/.test(ch)) {
      if (inToken) out.push(cur);
      cur = "";
      inToken = false;
    } else {
      cur += ch;
      inToken = true;
    }
  }
  if (inToken) out.push(cur);
  return out;
}

type Setter = (value: string) => Partial<JvmFlagSettings> | undefined;

const sizeOf =
  (key: JvmFlagKey): Setter =>
  (v) => {
    const n = parseJavaSize(v);
    return n === undefined ? undefined : { [key]: n };
  };

const percentOf =
  (key: JvmFlagKey): Setter =>
  (v) => {
    if (!/^[0-9]+(\.[0-9]*)?$/.test(v)) return undefined;
    const n = Number(v);
    return n >= 0 && n <= 100 ? { [key]: n } : undefined;
  };

/** MaxRAMFraction=N (JDK 8u131+, deprecated in 10) means heap = RAM / N. */
const fractionOf =
  (key: JvmFlagKey): Setter =>
  (v) => {
    if (!/^[0-9]+$/.test(v) || Number(v) === 0) return undefined;
    return { [key]: 100 / Number(v) };
  };

/** `-XX:Name=value` flags we understand, by name. */
const XX_VALUE: Record<string, { key: JvmFlagKey; parse: Setter }> = {
  MaxHeapSize: { key: "maxHeapBytes", parse: sizeOf("maxHeapBytes") },
  InitialHeapSize: { key: "initialHeapBytes", parse: sizeOf("initialHeapBytes") },
  MaxRAM: { key: "maxRamBytes", parse: sizeOf("maxRamBytes") },
  MaxRAMPercentage: { key: "maxRamPercentage", parse: percentOf("maxRamPercentage") },
  InitialRAMPercentage: { key: "initialRamPercentage", parse: percentOf("initialRamPercentage") },
  MinRAMPercentage: { key: "minRamPercentage", parse: percentOf("minRamPercentage") },
  MaxRAMFraction: { key: "maxRamPercentage", parse: fractionOf("maxRamPercentage") },
  InitialRAMFraction: { key: "initialRamPercentage", parse: fractionOf("initialRamPercentage") },
  MinRAMFraction: { key: "minRamPercentage", parse: fractionOf("minRamPercentage") },
  MaxMetaspaceSize: { key: "maxMetaspaceBytes", parse: sizeOf("maxMetaspaceBytes") },
  MaxDirectMemorySize: { key: "maxDirectMemoryBytes", parse: sizeOf("maxDirectMemoryBytes") },
  ThreadStackSize: {
    key: "threadStackBytes",
    // ThreadStackSize is in KiB when given without a unit.
    parse: (v) => {
      const n = parseJavaSize(/^[0-9]+$/.test(v) ? `${v}k` : v);
      return n === undefined ? undefined : { threadStackBytes: n };
    },
  },
  ReservedCodeCacheSize: {
    key: "reservedCodeCacheBytes",
    parse: sizeOf("reservedCodeCacheBytes"),
  },
  CompressedClassSpaceSize: {
    key: "compressedClassSpaceBytes",
    parse: sizeOf("compressedClassSpaceBytes"),
  },
};

const XX_BOOL: Record<string, JvmFlagKey> = {
  UseContainerSupport: "useContainerSupport",
  UseCGroupMemoryLimitForHeap: "useCGroupMemoryLimitForHeap",
  TieredCompilation: "tieredCompilation",
};

/** Short options: -Xmx<size>, -Xms<size>, -Xss<size>. */
const X_PREFIX: [string, JvmFlagKey][] = [
  ["-Xmx", "maxHeapBytes"],
  ["-Xms", "initialHeapBytes"],
  ["-Xss", "threadStackBytes"],
];

interface Applied {
  settings: Partial<JvmFlagSettings>;
  keys: JvmFlagKey[];
}

/** One option -> the settings it changes; undefined when not heap-related; "invalid" if malformed. */
function interpretOption(opt: string): Applied | "invalid" | undefined {
  for (const [prefix, key] of X_PREFIX) {
    if (opt.startsWith(prefix)) {
      const n = parseJavaSize(opt.slice(prefix.length));
      return n === undefined ? "invalid" : { settings: { [key]: n }, keys: [key] };
    }
  }
  const xx = /^-XX:([+-]?)([A-Za-z0-9_]+)(?:=(.*))?$/.exec(opt);
  if (!xx) return undefined;
  const [, sign, name, value] = xx;
  const boolKey = XX_BOOL[name!];
  if (boolKey) {
    if (sign && value === undefined)
      return { settings: { [boolKey]: sign === "+" }, keys: [boolKey] };
    return "invalid";
  }
  const spec = XX_VALUE[name!];
  if (!spec) return undefined;
  if (sign || value === undefined) return "invalid";
  const settings = spec.parse(value);
  return settings ? { settings, keys: [spec.key] } : "invalid";
}

/** Launcher options that consume the next argument (so it is not the main class). */
const LAUNCHER_OPTS_WITH_ARG = new Set([
  "-cp",
  "-classpath",
  "--class-path",
  "-p",
  "--module-path",
  "--upgrade-module-path",
  "--add-modules",
  "--limit-modules",
  "--add-reads",
  "--add-exports",
  "--add-opens",
  "--patch-module",
  "--enable-native-access",
  "--source",
]);

function isJavaBinary(arg: string): boolean {
  const base = arg.slice(arg.lastIndexOf("/") + 1);
  return base === "java" || base === "java.exe";
}

/** JVM options of a java invocation: from after argv[0] up to the main class, -jar or -m. */
function jvmOptionsOf(argv: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 1; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === "-jar" || a === "-m" || a === "--module" || a.startsWith("--module=")) break;
    if (!a.startsWith("-")) break; // main class or source file: the rest is the application's
    if (LAUNCHER_OPTS_WITH_ARG.has(a)) {
      i++;
      continue;
    }
    out.push(a);
  }
  return out;
}

/** The java invocation in a command line: argv itself, or one inside `sh -c "..."`. */
function findJavaInvocation(cmdline: readonly string[]): string[] | undefined {
  if (cmdline.length > 0 && isJavaBinary(cmdline[0]!)) return [...cmdline];
  const dashC = cmdline.indexOf("-c");
  if (dashC >= 0 && dashC + 1 < cmdline.length) {
    for (const piece of cmdline[dashC + 1]!.split(/&&|\|\||;|\n/)) {
      const words = splitJavaOptions(piece);
      // `exec java ...`, `env X=1 java ...`
      const at = words.findIndex((w) => isJavaBinary(w));
      if (at >= 0) return words.slice(at);
    }
  }
  return undefined;
}

export function parseJvmFlags(
  cmdline: readonly string[],
  env: Readonly<Record<string, string>>,
  options: ParseJvmFlagsOptions = {},
): ParsedJvmFlags {
  const result: ParsedJvmFlags = {
    sources: {},
    javaLauncher: false,
    declared: {},
    invalid: [],
  };
  const layers: [JvmFlagOrigin, string[]][] = [];
  const envOpts = (name: JvmFlagOrigin): string[] | undefined => {
    const v = env[name];
    if (v === undefined) return undefined;
    result.declared[name] = v;
    return splitJavaOptions(v);
  };

  const toolOpts = envOpts("JAVA_TOOL_OPTIONS");
  const jdkOpts = envOpts("JDK_JAVA_OPTIONS");
  const javaOpts = envOpts("JAVA_OPTS");
  const catalinaOpts = envOpts("CATALINA_OPTS");
  const overrideOpts = envOpts("_JAVA_OPTIONS");
  const invocation = findJavaInvocation(cmdline);
  result.javaLauncher = invocation !== undefined;

  if (toolOpts) layers.push(["JAVA_TOOL_OPTIONS", toolOpts]);
  const embedded = options.processCmdline === true && invocation === undefined;
  const launcherHonoursJdkOpts =
    (options.javaMajorVersion === undefined || options.javaMajorVersion >= 9) && !embedded;
  if (jdkOpts && launcherHonoursJdkOpts) layers.push(["JDK_JAVA_OPTIONS", jdkOpts]);
  if (invocation) {
    layers.push(["cmdline", jvmOptionsOf(invocation)]);
  } else if (embedded) {
    layers.push(["cmdline", jvmOptionsOf(cmdline)]);
  } else {
    if (javaOpts) layers.push(["JAVA_OPTS", javaOpts]);
    if (catalinaOpts) layers.push(["CATALINA_OPTS", catalinaOpts]);
  }
  if (overrideOpts) layers.push(["_JAVA_OPTIONS", overrideOpts]);

  for (const [origin, opts] of layers) {
    for (const flag of opts) {
      const applied = interpretOption(flag);
      if (applied === undefined) continue;
      if (applied === "invalid") {
        result.invalid.push({ origin, flag });
        continue;
      }
      Object.assign(result, applied.settings);
      for (const key of applied.keys) result.sources[key] = { origin, flag };
    }
  }
  return result;
}
