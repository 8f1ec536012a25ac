/** One line of `java -XX:+PrintFlagsFinal -version`. */
export interface FinalFlag {
  type: string;
  name: string;
  value: string;
  /** JDK 9+ prints the kind and origin: "{product} {ergonomic}". */
  origin?: string;
  /** JDK 8 marks flags set on the command line or by ergonomics with ":=". */
  changed: boolean;
}

/** Parses PrintFlagsFinal output (JDK 8 and 9+ layouts) into flags by name. */
export function parsePrintFlagsFinal(text: string): Map<string, FinalFlag> {
  const out = new Map<string, FinalFlag>();
  for (const line of text.split("\n")) {
    const m = /^\s*(\S+)\s+(\w+)\s+(:?=)\s*(.*?)\s*(\{.*\})?\s*$/.exec(line);
    if (!m) continue;
    const origin =
      /\{(default|ergonomic|command line|environment|config file|management|attach|internal|jimage)\}/.exec(
        m[5] ?? "",
      )?.[1];
    out.set(m[2]!, {
      type: m[1]!,
      name: m[2]!,
      value: m[4]!,
      origin,
      changed: m[3] === ":=" || (origin !== undefined && origin !== "default"),
    });
  }
  return out;
}
