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
/**
 * The name runs to the last ")" before the fields (comm may hold ")": "(sd-pam)"), in all layouts:
 * "Killed process 1 (x) total-vm:...", 3.10 "Killed process 1 (x), UID 0, total-vm:...", old "(x)".
 */
const KILLED =
  /^(?:(Memory cgroup out of memory|Out of memory[^:]*): )?Killed process (\d+) \((.*)\)((?:,? (?:total-vm|UID)\b.*)?)$/;
/** memory.oom.group: every task of the cgroup is killed; the victims follow as "Killed process" lines. */
const OOM_GROUP = /^Tasks in (\S+) are going to be killed due to memory\.oom\.group set/;
const ALREADY_EXITING =
  /^(?:Memory cgroup out of memory: )?OOM victim (\d+) \((.*)\) is already exiting/;
/** Bounds on what one report may add, whatever the input. */
const MAX_TASK_ROWS = 64;
const MAX_GROUP_VICTIMS = 64;
const MAX_STATS = 128;

/**
 * Assembles the kernel's multi-line OOM reports into events. Handles the pre-4.19 layout
 * ("Task in X killed as a result of limit of Y", "Kill process N (java) score S"), the current
 * one ("oom-kill:constraint=...,oom_memcg=...,task_memcg=...", "Killed process N (java) anon-rss:")
 * and memory.oom.group kills (one event, several victims). Bounded: at most MAX_TASK_ROWS task
 * rows, MAX_STATS stat keys and MAX_GROUP_VICTIMS group victims per event.
 */
export function parseOomKills(lines: readonly KernelLogLine[]): OomKillEvent[] {
  const events: OomKillEvent[] = [];
  let cur: OomKillEvent | undefined;
  /** The last finished event while its memory.oom.group victims are still being listed. */
  let group: OomKillEvent | undefined;
  let inStats = false;
  let taskColumns: string[] | undefined;

  const start = (line: KernelLogLine): OomKillEvent => {
    // A report cut short (its "Killed process" line lost) still tells what it knows.
    if (cur && (cur.oomMemcg !== undefined || cur.memcgStats || cur.victim)) events.push(cur);
    group = undefined;
    inStats = false;
    taskColumns = undefined;
    const ev: OomKillEvent = { kind: "node", lines: [] };
    if (line.seq !== undefined) ev.seq = line.seq;
    if (line.usecSinceBoot !== undefined) ev.usecSinceBoot = line.usecSinceBoot;
    return ev;
  };

  const setStat = (ev: OomKillEvent, key: string, value: number) => {
    ev.memcgStats ??= {};
    const stats = ev.memcgStats;
    if (key in stats || Object.keys(stats).length < MAX_STATS) stats[key] = value;
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
      cur.kind = "memcg";
      return true;
    }
    const stats = STATS_FOR.exec(t);
    if (stats) {
      // Old kernels print one stats line per cgroup of the subtree, the limited one first.
      if (cur.memcgStats) return true;
      cur.memcgStats = {};
      cur.kind = "memcg";
      cur.oomMemcg ??= stats[1]!;
      const inline = stats[2]!;
      if (inline.length > 0) {
        for (const kv of inline.matchAll(INLINE_STAT)) setStat(cur, kv[1]!, Number(kv[2]) * 1024);
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
      if (parsed && cur.tasks!.length < MAX_TASK_ROWS) cur.tasks!.push(parsed);
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
      group = cur;
      cur = undefined;
      taskColumns = undefined;
      return true;
    }
    return false;
  };

  /** Lines that belong to the memory.oom.group kill of the event just finished. */
  const handleGroupLine = (t: string): boolean => {
    if (!group) return false;
    const header = OOM_GROUP.exec(t);
    if (header) {
      group.groupKill = { cgroup: header[1]!, victims: [], alreadyExiting: 0 };
      if (group.lines.length < MAX_LINES_KEPT) group.lines.push(t);
      return true;
    }
    const g = group.groupKill;
    if (!g) return false;
    const killed = KILLED.exec(t);
    if (killed) {
      const v = parseKilled(Number(killed[2]), killed[3]!, killed[4]!);
      if (!g.victims.some((x) => x.pid === v.pid) && g.victims.length < MAX_GROUP_VICTIMS)
        g.victims.push(v);
      return true;
    }
    if (ALREADY_EXITING.test(t)) {
      g.alreadyExiting++;
      return true;
    }
    return /^oom_reaper: /.test(t);
  };

  for (const line of lines) {
    const t = line.text.trimEnd();
    const invoked = INVOKED.exec(t);
    if (invoked) {
      cur = start(line);
      cur.triggeredBy = invoked[1]!;
    }
    if (!cur) {
      if (handleGroupLine(t)) continue;
      group = undefined;
      // A report whose start was lost (ring buffer overwritten) still has its later lines.
      if (
        OOM_KILL.test(t) ||
        KILLED.test(t) ||
        SELECT.test(t) ||
        TASK_IN.test(t) ||
        MEMCG_USAGE.test(t) ||
        STATS_FOR.test(t)
      )
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
        setStat(ev, s[1]!, Number(s[2]));
        continue;
      }
      inStats = false;
    }
    if (handleLine(t)) keep();
  }
  if (cur && (cur.oomMemcg !== undefined || cur.memcgStats || cur.victim)) events.push(cur);
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
  const uid = /UID[: ](\d+)/.exec(rest);
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
