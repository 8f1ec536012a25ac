import { isDigit, isSpace } from "../../flamegraph/charCodes.js";

/** A `perf script` sample header: the fields before the sample's call chain. */
export interface SampleHeader {
  comm: string;
  /** Present when perf script prints "pid/tid". */
  pid?: number;
  tid: number;
  cpu?: number;
  event?: string;
  /** Events (or nanoseconds for cpu-clock) this sample stands for, when perf prints the period. */
  period?: number;
}

/**
 * A sample header, whichever fields `perf script -F` printed: "comm pid/tid [cpu] time: period
 * event:" in the default layout; any of cpu, time, period and event may be missing. The comm may
 * hold spaces, so the line is read from its end.
 */
export function parseSampleHeader(line: string): SampleHeader | undefined {
  return readSampleHeader(line, 0, line.length);
}

// Token bounds of the header being read, reused: one header per sample is on the hot path.
const starts: number[] = [];
const ends: number[] = [];

/** Where a header's time stamp is: what its SampleHeader does not hold. */
export interface TimeToken {
  start: number;
  end: number;
}

/**
 * parseSampleHeader on text[start, end), without a split or a regular expression: tokens are
 * runs of non-whitespace (whitespace as JavaScript's \s), each field tested by its characters.
 * When `time` is given, it is set to the time stamp's bounds (start -1 when there is none).
 */
export function readSampleHeader(
  text: string,
  start: number,
  end: number,
  time?: TimeToken,
): SampleHeader | undefined {
  if (time) time.start = -1;
  let count = 0;
  let i = start;
  while (i < end) {
    while (i < end && isSpace(text.charCodeAt(i))) i++;
    if (i >= end) break;
    const s = i;
    while (i < end && !isSpace(text.charCodeAt(i))) i++;
    starts[count] = s;
    ends[count] = i;
    count++;
  }
  let last = count;
  let event: string | undefined;
  if (last >= 1) {
    const s = starts[last - 1]!;
    const e = ends[last - 1]!;
    if (text.charCodeAt(e - 1) === COLON && !isTime(text, s, e)) {
      event = text.slice(s, e - 1);
      last--;
    }
  }
  let period: number | undefined;
  // "comm 12 34 event:": 34 is the period only when 12 can be the pid.
  if (last >= 3 && isDigits(text, starts[last - 1]!, ends[last - 1]!, 20)) {
    const ps = starts[last - 2]!;
    const pe = ends[last - 2]!;
    if (isTime(text, ps, pe) || isCpu(text, ps, pe) || pidTidSlash(text, ps, pe) !== NOT_IDS) {
      period = numberIn(text, starts[last - 1]!, ends[last - 1]!);
      last--;
    }
  }
  if (last >= 2 && isTime(text, starts[last - 1]!, ends[last - 1]!)) {
    if (time) {
      time.start = starts[last - 1]!;
      time.end = ends[last - 1]!;
    }
    last--;
  }
  let cpu: number | undefined;
  if (last >= 2 && isCpu(text, starts[last - 1]!, ends[last - 1]!)) {
    cpu = numberIn(text, starts[last - 1]! + 1, ends[last - 1]! - 1);
    last--;
  }
  if (last < 2) return undefined;
  const is = starts[last - 1]!;
  const ie = ends[last - 1]!;
  const slash = pidTidSlash(text, is, ie);
  if (slash === NOT_IDS) return undefined;
  last--;
  let comm = text.slice(starts[0]!, ends[last - 1]!);
  if (last > 1 && !singleSpaced(text, starts, ends, last)) {
    const parts: string[] = [];
    for (let t = 0; t < last; t++) parts.push(text.slice(starts[t]!, ends[t]!));
    comm = parts.join(" ");
  }
  const header: SampleHeader =
    slash < 0
      ? { comm, tid: numberIn(text, is, ie) }
      : { comm, tid: numberIn(text, slash + 1, ie), pid: numberIn(text, is, slash) };
  if (cpu !== undefined) header.cpu = cpu;
  if (event) header.event = event;
  if (period !== undefined) header.period = period;
  return header;
}

const COLON = 58;
const NOT_IDS = -2;

/**
 * Number(text.slice(s, e)) of digits, without the slice: up to 15 digits add up exactly in a
 * double; longer ones are left to Number, which rounds as the slow way always did.
 */
function numberIn(text: string, s: number, e: number): number {
  if (e - s > 15) return Number(text.slice(s, e));
  let n = 0;
  for (let i = s; i < e; i++) n = n * 10 + (text.charCodeAt(i) - 48);
  return n;
}

/** /^\d{1,max}$/ */
function isDigits(text: string, s: number, e: number, max: number): boolean {
  if (e <= s || e - s > max) return false;
  for (let i = s; i < e; i++) if (!isDigit(text.charCodeAt(i))) return false;
  return true;
}

/** /^\d{1,12}\.\d{1,9}:$/ */
export function isTime(text: string, s: number, e: number): boolean {
  if (text.charCodeAt(e - 1) !== COLON) return false;
  const dot = indexIn(text, 46, s, e);
  if (dot < 0) return false;
  return isDigits(text, s, dot, 12) && isDigits(text, dot + 1, e - 1, 9);
}

/** /^\[\d{1,6}\]$/ */
function isCpu(text: string, s: number, e: number): boolean {
  return (
    text.charCodeAt(s) === 91 && text.charCodeAt(e - 1) === 93 && isDigits(text, s + 1, e - 1, 6)
  );
}

/** /^(\d{1,10})(?:\/(\d{1,10}))?$/: NOT_IDS, -1 for a lone id, or the index of the slash. */
function pidTidSlash(text: string, s: number, e: number): number {
  const slash = indexIn(text, 47, s, e);
  if (slash < 0) return isDigits(text, s, e, 10) ? -1 : NOT_IDS;
  return isDigits(text, s, slash, 10) && isDigits(text, slash + 1, e, 10) ? slash : NOT_IDS;
}

/** The first index of character c in text[s, e), or -1. */
function indexIn(text: string, c: number, s: number, e: number): number {
  for (let i = s; i < e; i++) if (text.charCodeAt(i) === c) return i;
  return -1;
}

/** Whether the first n tokens are separated by exactly one " " each. */
function singleSpaced(text: string, s: number[], e: number[], n: number): boolean {
  for (let t = 1; t < n; t++) {
    if (s[t]! - e[t - 1]! !== 1 || text.charCodeAt(e[t - 1]!) !== 32) return false;
  }
  return true;
}
