import type { OomKillEvent, OomTaskRow, OomVictim } from "../../report/evidence/memoryEvidence.js";
import type { KernelLogLine } from "./parseKernelLog.js";

const MAX_LINES_KEPT = 80;

const INVOKED = /^(.*) invoked oom-killer: /;
const TASK_IN = /^Task in (\S+) killed as a result of limit of (\S+)/;
const MEMCG_USAGE = /^memory: usage (\d+)kB, limit (\d+)kB, failcnt (\d+)/;
const STATS_FOR = /^Memory cgroup stats for (\S+?):\s*(.*)$/;
const STAT_LINE = /^([a-z_]+) (\d+)$/;
const INLINE_STAT = /([a-z_]+):(\d+)KB/g;
const TASK_HEADER = /^\[\s*pid\s*\]/;
const TASK_ROW = /^\[\s*(\d+)\]\s+(.*)$/;
const OOM_KILL = /^oom-kill:(.*)$/;
/** Old kernels: "Memory cgroup out of memory: Kill process 27281 (java) score 1027 or sacrifice child". */
const SELECT =
  /^(Memory cgroup out of memory|Out of memory[^:]*): Kill process (\d+) \((.*)\) score (\d+)/;
const KILLED =
  /^(?:(Memory cgroup out of memory|Out of memory[^:]*): )?Killed process (\d+) \((.*?)\)(.*)$/;

/**
 * Assembles the kernel's multi-line OOM reports into events. Handles the pre-4.19 layout
 * ("Task in X killed as a result of limit of Y", "Kill process N (java) score S") and the current
 * one ("oom-kill:constraint=...,oom_memcg=...,task_memcg=...", "Killed process N (java) anon-rss:").
 */
export function parseOomKills(lines: readonly KernelLogLine[]): OomKillEvent[] {
  const events: OomKillEvent[] = [];
  let cur: OomKillEvent | undefined;
  let inStats = false;
  let taskColumns: string[] | undefined;

  const start = (line: KernelLogLine): OomKillEvent => {
    const ev: OomKillEvent = { kind: "node", lines: [] };
    if (line.seq !== undefined) ev.seq = line.seq;
    if (line.usecSinceBoot !== undefined) ev.usecSinceBoot = line.usecSinceBoot;
    return ev;
  };

  const handleLine = (t: string): boolean => {
    if (!cur) return false;
    const taskIn = TASK_IN.exec(t);
    if (taskIn) {
      cur.taskMemcg = taskIn[1]!;
      cur.oomMemcg = taskIn[2]!;
      cur.kind = "memcg";
      cur.constraint ??= "CONSTRAINT_MEMCG";
      return true;
    }
    const usage = MEMCG_USAGE.exec(t);
    if (usage) {
      cur.memcgUsageKb = Number(usage[1]);
      cur.memcgLimitKb = Number(usage[2]);
      cur.memcgFailcnt = Number(usage[3]);
      return true;
    }
    const stats = STATS_FOR.exec(t);
    if (stats) {
      cur.memcgStats = {};
      const inline = stats[2]!;
      if (inline.length > 0) {
        for (const kv of inline.matchAll(INLINE_STAT))
          cur.memcgStats[kv[1]!] = Number(kv[2]) * 1024;
      } else {
        inStats = true;
      }
      return true;
    }
    if (TASK_HEADER.test(t)) {
      taskColumns = t
        .replace(/^\[\s*pid\s*\]/, "pid")
        .trim()
        .split(/\s+/);
      cur.tasks = [];
      return true;
    }
    const row = taskColumns ? TASK_ROW.exec(t) : null;
    if (taskColumns && row) {
      const parsed = parseTaskRow(taskColumns, Number(row[1]), row[2]!);
      if (parsed && cur.tasks!.length < 64) cur.tasks!.push(parsed);
      return true;
    }
    const oomKill = OOM_KILL.exec(t);
    if (oomKill) {
      applyOomKillFields(cur, oomKill[1]!);
      return true;
    }
    const select = SELECT.exec(t);
    if (select) {
      if (select[1]!.startsWith("Memory cgroup")) cur.kind = "memcg";
      cur.victim = {
        ...cur.victim,
        pid: Number(select[2]),
        name: select[3]!,
        score: Number(select[4]),
      };
      return true;
    }
    const killed = KILLED.exec(t);
    if (killed) {
      if (killed[1]?.startsWith("Memory cgroup")) cur.kind = "memcg";
      cur.victim = { ...cur.victim, ...parseKilled(Number(killed[2]), killed[3]!, killed[4]!) };
      events.push(cur);
      cur = undefined;
      taskColumns = undefined;
      return true;
    }
    return false;
  };

  for (const line of lines) {
    const t = line.text.trimEnd();
    const invoked = INVOKED.exec(t);
    if (invoked) {
      cur = start(line);
      cur.triggeredBy = invoked[1]!;
      inStats = false;
      taskColumns = undefined;
    }
    if (!cur) {
      // A report whose start was lost (ring buffer overwritten) still has its summary lines.
      if (OOM_KILL.test(t) || KILLED.test(t) || SELECT.test(t) || TASK_IN.test(t))
        cur = start(line);
      else continue;
    }
    const ev = cur;
    const keep = () => {
      if (ev.lines.length < MAX_LINES_KEPT) ev.lines.push(t);
    };
    if (invoked) keep();
    if (inStats) {
      const s = STAT_LINE.exec(t);
      if (s) {
        cur.memcgStats![s[1]!] = Number(s[2]);
        continue;
      }
      inStats = false;
    }
    if (handleLine(t)) keep();
  }
  return events;
}

function applyOomKillFields(ev: OomKillEvent, fields: string): void {
  const get = (key: string) => new RegExp(`(?:^|,)${key}=([^,]*)`).exec(fields)?.[1];
  const constraint = get("constraint");
  if (constraint) {
    ev.constraint = constraint;
    ev.kind = constraint === "CONSTRAINT_MEMCG" ? "memcg" : "node";
  }
  const oomMemcg = get("oom_memcg");
  if (oomMemcg) ev.oomMemcg = oomMemcg;
  const taskMemcg = get("task_memcg");
  if (taskMemcg) ev.taskMemcg = taskMemcg;
  const task = get("task");
  const pid = get("pid");
  if (task !== undefined && pid !== undefined) {
    const uid = get("uid");
    ev.victim = { ...ev.victim, pid: Number(pid), name: task };
    if (uid !== undefined) ev.victim.uid = Number(uid);
  }
}

function parseKilled(pid: number, name: string, rest: string): OomVictim {
  const v: OomVictim = { pid, name };
  const kb = (key: string) => {
    const m = new RegExp(`${key}:(\\d+)kB`).exec(rest);
    return m ? Number(m[1]) : undefined;
  };
  const set = <K extends keyof OomVictim>(k: K, value: OomVictim[K] | undefined) => {
    if (value !== undefined) v[k] = value;
  };
  set("totalVmKb", kb("total-vm"));
  set("anonRssKb", kb("anon-rss"));
  set("fileRssKb", kb("file-rss"));
  set("shmemRssKb", kb("shmem-rss"));
  const uid = /UID:(\d+)/.exec(rest);
  if (uid) v.uid = Number(uid[1]);
  const adj = /oom_score_adj:(-?\d+)/.exec(rest);
  if (adj) v.oomScoreAdj = Number(adj[1]);
  return v;
}

function parseTaskRow(columns: string[], pid: number, rest: string): OomTaskRow | undefined {
  const values = rest.trim().split(/\s+/);
  // columns[0] is "pid"; the rest match values, the last being the (possibly spaced) name.
  const named = columns.length - 1;
  if (values.length < named) return undefined;
  const name = values.slice(named - 1).join(" ");
  const col = (c: string) => {
    const i = columns.indexOf(c);
    return i > 0 && i - 1 < named - 1 ? Number(values[i - 1]) : undefined;
  };
  const row: OomTaskRow = { pid, name };
  const rss = col("rss");
  if (rss !== undefined) row.rssPages = rss;
  const vm = col("total_vm");
  if (vm !== undefined) row.totalVmPages = vm;
  return row;
}
