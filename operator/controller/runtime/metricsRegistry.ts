/**
 * A small Prometheus registry: counters, gauges, histograms with labels, and gauges computed at
 * scrape time. render() writes the text exposition format (version 0.0.4).
 */
import type { GaugeSample, MetricsRegistrar } from "./contracts.js";

export type Labels = Record<string, string>;

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

function escapeLabelValue(v: string): string {
  return v.replace(/\\/g, "\\\\").replace(/\n/g, "\\n").replace(/"/g, '\\"');
}

function escapeHelp(v: string): string {
  return v.replace(/\\/g, "\\\\").replace(/\n/g, "\\n");
}

/** Prometheus float rendering: +Inf, -Inf, NaN, otherwise the shortest JS form. */
function formatValue(v: number): string {
  if (Number.isNaN(v)) return "NaN";
  if (v === Number.POSITIVE_INFINITY) return "+Inf";
  if (v === Number.NEGATIVE_INFINITY) return "-Inf";
  return String(v);
}

function formatLabels(labels: Labels, extra?: [string, string]): string {
  const pairs = Object.entries(labels);
  if (extra) pairs.push(extra);
  if (pairs.length === 0) return "";
  return `{${pairs.map(([k, v]) => `${k}="${escapeLabelValue(v)}"`).join(",")}}`;
}

function checkLabels(metric: string, labelNames: readonly string[], labels: Labels): void {
  const keys = Object.keys(labels);
  if (keys.length !== labelNames.length || !labelNames.every((n) => n in labels)) {
    throw new Error(
      `metric ${metric}: labels {${keys.join(",")}} do not match [${labelNames.join(",")}]`,
    );
  }
}

/** Series key: label values in declared order. */
function seriesKey(labelNames: readonly string[], labels: Labels): string {
  return JSON.stringify(labelNames.map((n) => labels[n]));
}

function ordered(labelNames: readonly string[], labels: Labels): Labels {
  const out: Labels = {};
  for (const n of labelNames) out[n] = labels[n] as string;
  return out;
}

interface Metric {
  readonly name: string;
  render(): string[];
}

/** Counter and Gauge: one number per label set. */
abstract class ValueMetric implements Metric {
  protected readonly series = new Map<string, { labels: Labels; value: number }>();
  protected abstract readonly type: "counter" | "gauge";
  constructor(
    readonly name: string,
    readonly help: string,
    readonly labelNames: readonly string[] = [],
  ) {}

  /** The series for labels, created at 0 on first use. */
  protected seriesFor(labels: Labels): { labels: Labels; value: number } {
    checkLabels(this.name, this.labelNames, labels);
    const k = seriesKey(this.labelNames, labels);
    let s = this.series.get(k);
    if (!s) {
      s = { labels: ordered(this.labelNames, labels), value: 0 };
      this.series.set(k, s);
    }
    return s;
  }

  get(labels: Labels = {}): number {
    return this.series.get(seriesKey(this.labelNames, labels))?.value ?? 0;
  }

  render(): string[] {
    const lines = [
      `# HELP ${this.name} ${escapeHelp(this.help)}`,
      `# TYPE ${this.name} ${this.type}`,
    ];
    for (const s of this.series.values())
      lines.push(`${this.name}${formatLabels(s.labels)} ${formatValue(s.value)}`);
    return lines;
  }
}

export class Counter extends ValueMetric {
  protected readonly type = "counter";

  inc(labels: Labels = {}, by = 1): void {
    if (by < 0) throw new Error(`counter ${this.name}: negative increment ${by}`);
    this.seriesFor(labels).value += by;
  }
}

export class Gauge extends ValueMetric {
  protected readonly type = "gauge";

  set(labels: Labels, value: number): void {
    this.seriesFor(labels).value = value;
  }

  inc(labels: Labels = {}, by = 1): void {
    this.seriesFor(labels).value += by;
  }
}

class CallbackGauge implements Metric {
  constructor(
    readonly name: string,
    readonly help: string,
    private readonly collect: () => GaugeSample[],
  ) {}

  render(): string[] {
    const lines = [`# HELP ${this.name} ${escapeHelp(this.help)}`, `# TYPE ${this.name} gauge`];
    let samples: GaugeSample[];
    try {
      samples = this.collect();
    } catch {
      // A broken collector must not break the whole scrape; the series just disappears.
      samples = [];
    }
    for (const s of samples) {
      if (Object.keys(s.labels).some((k) => !LABEL.test(k))) continue;
      lines.push(`${this.name}${formatLabels(s.labels)} ${formatValue(s.value)}`);
    }
    return lines;
  }
}

/** Default buckets for reconcile durations in seconds (5 ms .. 60 s). */
const DURATION_BUCKETS: readonly number[] = [
  0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60,
];

export class Histogram implements Metric {
  private readonly series = new Map<
    string,
    { labels: Labels; counts: number[]; sum: number; count: number }
  >();
  readonly buckets: readonly number[];
  constructor(
    readonly name: string,
    readonly help: string,
    readonly labelNames: readonly string[] = [],
    buckets: readonly number[] = DURATION_BUCKETS,
  ) {
    this.buckets = [...buckets].sort((a, b) => a - b);
  }

  observe(labels: Labels, value: number): void {
    checkLabels(this.name, this.labelNames, labels);
    const k = seriesKey(this.labelNames, labels);
    let s = this.series.get(k);
    if (!s) {
      s = {
        labels: ordered(this.labelNames, labels),
        counts: this.buckets.map(() => 0),
        sum: 0,
        count: 0,
      };
      this.series.set(k, s);
    }
    for (let i = 0; i < this.buckets.length; i++)
      if (value <= (this.buckets[i] as number)) s.counts[i]!++;
    s.sum += value;
    s.count++;
  }

  render(): string[] {
    const lines = [`# HELP ${this.name} ${escapeHelp(this.help)}`, `# TYPE ${this.name} histogram`];
    for (const s of this.series.values()) {
      this.buckets.forEach((le, i) => {
        lines.push(
          `${this.name}_bucket${formatLabels(s.labels, ["le", formatValue(le)])} ${s.counts[i]}`,
        );
      });
      lines.push(`${this.name}_bucket${formatLabels(s.labels, ["le", "+Inf"])} ${s.count}`);
      lines.push(`${this.name}_sum${formatLabels(s.labels)} ${formatValue(s.sum)}`);
      lines.push(`${this.name}_count${formatLabels(s.labels)} ${s.count}`);
    }
    return lines;
  }
}

export class MetricsRegistry implements MetricsRegistrar {
  private readonly metrics = new Map<string, Metric>();

  private register<M extends Metric>(m: M, labelNames: readonly string[]): M {
    if (!NAME.test(m.name)) throw new Error(`invalid metric name ${m.name}`);
    const bad = labelNames.find((l) => !LABEL.test(l) || l === "le" || l.startsWith("__"));
    if (bad !== undefined) throw new Error(`metric ${m.name}: invalid label name ${bad}`);
    if (this.metrics.has(m.name)) throw new Error(`metric ${m.name} already registered`);
    this.metrics.set(m.name, m);
    return m;
  }

  counter(name: string, help: string, labelNames: readonly string[] = []): Counter {
    const existing = this.metrics.get(name);
    if (existing instanceof Counter) return existing;
    return this.register(new Counter(name, help, labelNames), labelNames);
  }

  gauge(name: string, help: string, labelNames: readonly string[] = []): Gauge {
    const existing = this.metrics.get(name);
    if (existing instanceof Gauge) return existing;
    return this.register(new Gauge(name, help, labelNames), labelNames);
  }

  histogram(
    name: string,
    help: string,
    labelNames: readonly string[] = [],
    buckets?: readonly number[],
  ): Histogram {
    const existing = this.metrics.get(name);
    if (existing instanceof Histogram) return existing;
    return this.register(new Histogram(name, help, labelNames, buckets), labelNames);
  }

  registerGauge(name: string, help: string, collect: () => GaugeSample[]): void {
    this.register(new CallbackGauge(name, help, collect), []);
  }

  /** The Prometheus text exposition of every metric. */
  render(): string {
    const lines: string[] = [];
    for (const m of this.metrics.values()) lines.push(...m.render());
    return `${lines.join("\n")}\n`;
  }
}

export const PROMETHEUS_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";
