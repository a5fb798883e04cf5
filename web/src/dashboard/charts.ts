// The dashboard's charts (Chart.js). This module is its own chunk, imported dynamically by pages/dashboard.ts:
// the page sends its first API request while Chart.js downloads, instead of after. Chart.js is registered piece
// by piece, so the chunk holds only the controllers, elements and scales drawn here; it needs no eval and no
// inline script, so the site's CSP holds.
//
// Time axes are linear scales over epoch milliseconds with ticks placed and labelled here (local time, on round
// minutes/hours/days), which spares a date adapter dependency.
import {
  ArcElement,
  BarController,
  BarElement,
  CategoryScale,
  Chart,
  type ChartConfiguration,
  DoughnutController,
  Filler,
  Legend,
  LinearScale,
  LineController,
  LineElement,
  type Plugin,
  PointElement,
  type Scale,
  Tooltip,
} from 'chart.js';
import type { AnalyticsSummary, CandidateType, MosDistribution } from '../api-types';
import { formatCount, formatMetric, formatPercent, type MetricUnit, MOS_BAND_LABELS } from './format';

/** After the first chart of the page has drawn: `performance.getEntriesByName('first-chart')` for tests and benchmarks. */
const markFirstChart: Plugin = {
  id: 'firstChartMark',
  afterRender() {
    if (performance.getEntriesByName('first-chart', 'mark').length === 0) performance.mark('first-chart');
  },
};

Chart.register(
  ArcElement,
  BarController,
  BarElement,
  CategoryScale,
  DoughnutController,
  Filler,
  Legend,
  LinearScale,
  LineController,
  LineElement,
  PointElement,
  Tooltip,
  markFirstChart,
);

interface Palette {
  text: string;
  muted: string;
  grid: string;
  track: string;
  series: string[];
  good: string;
  fair: string;
  warn: string;
  poor: string;
  bad: string;
}

/** Colours come from the stylesheet's custom properties, so charts follow the light and dark palettes. */
function readPalette(): Palette {
  const style = getComputedStyle(document.documentElement);
  const value = (name: string, fallback: string) => style.getPropertyValue(name).trim() || fallback;
  return {
    text: value('--text', '#16181d'),
    muted: value('--text-muted', '#4b5160'),
    grid: value('--chart-grid', '#e3e5ec'),
    track: value('--surface-muted', '#eef0f5'),
    series: [1, 2, 3, 4, 5].map((n) => value(`--chart-${n}`, '#4f2fd6')),
    good: value('--chart-good', '#1b7f3b'),
    fair: value('--chart-fair', '#7a9a1a'),
    warn: value('--chart-warn', '#b26b00'),
    poor: value('--chart-poor', '#c2410c'),
    bad: value('--chart-bad', '#b3261e'),
  };
}

/** "#4f2fd6" → "rgb(79 47 214 / 0.16)"; other colour syntaxes are returned as they are. */
function withAlpha(colour: string, alpha: number): string {
  const hex = /^#([0-9a-f]{6})$/i.exec(colour)?.[1];
  if (!hex) return colour;
  const [r, g, b] = [0, 2, 4].map((i) => Number.parseInt(hex.slice(i, i + 2), 16));
  return `rgb(${r} ${g} ${b} / ${alpha})`;
}

function applyDefaults(palette: Palette): void {
  Chart.defaults.color = palette.muted;
  Chart.defaults.borderColor = palette.grid;
  Chart.defaults.font.family = getComputedStyle(document.body).fontFamily;
  // Dashboards redraw on every poll; without animation that is instant and calm (and honours reduced motion).
  Chart.defaults.animation = false;
  Chart.defaults.maintainAspectRatio = false;
  Chart.defaults.responsive = true;
}

// ─── Time axis ────────────────────────────────────────────────────────────────────────────────────────────────

const MINUTE_MS = 60_000;
const HOUR_MS = 60 * MINUTE_MS;
const DAY_MS = 24 * HOUR_MS;
const TICK_STEPS_MS = [
  MINUTE_MS,
  2 * MINUTE_MS,
  5 * MINUTE_MS,
  10 * MINUTE_MS,
  15 * MINUTE_MS,
  30 * MINUTE_MS,
  HOUR_MS,
  2 * HOUR_MS,
  3 * HOUR_MS,
  6 * HOUR_MS,
  12 * HOUR_MS,
  DAY_MS,
  2 * DAY_MS,
  7 * DAY_MS,
];
/** Room one time label needs ("12:45 PM" plus spacing), to fit the tick count to the chart's width. */
const TIME_LABEL_WIDTH_PX = 80;

/** Round local times (xx:00, xx:15, midnight, …) between min and max, at most `maxTicks` of them. */
export function timeTicks(minMs: number, maxMs: number, maxTicks = 7): number[] {
  const span = Math.max(1, maxMs - minMs);
  const step = TICK_STEPS_MS.find((candidate) => span / candidate <= maxTicks) ?? Math.ceil(span / maxTicks / DAY_MS) * DAY_MS;
  // Align in local time: shift by the zone offset, round up to the step, shift back.
  const offsetMs = new Date(minMs).getTimezoneOffset() * MINUTE_MS;
  const ticks: number[] = [];
  for (let t = Math.ceil((minMs - offsetMs) / step) * step + offsetMs; t <= maxMs; t += step) ticks.push(t);
  return ticks;
}

const clockFormat = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit' });
const dayFormat = new Intl.DateTimeFormat(undefined, { month: 'short', day: 'numeric' });
const dayClockFormat = new Intl.DateTimeFormat(undefined, { weekday: 'short', hour: '2-digit', minute: '2-digit' });
const fullFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });

function tickLabel(valueMs: number, spanMs: number, stepMs: number): string {
  if (stepMs >= DAY_MS) return dayFormat.format(valueMs);
  return spanMs > DAY_MS ? dayClockFormat.format(valueMs) : clockFormat.format(valueMs);
}

// ─── Charts ───────────────────────────────────────────────────────────────────────────────────────────────────

export interface TrendSpec {
  label: string;
  unit: MetricUnit;
  /** 1–5: which of the stylesheet's `--chart-N` colours. */
  colour: number;
  /** Fixed axis bounds where the metric has them (MOS 1–4.5, ratios 0–1). */
  min?: number;
  max?: number;
}

export interface TrendPoint {
  x: number;
  y: number | null;
}

function axisLabel(unit: MetricUnit, value: number): string {
  switch (unit) {
    case 'ms':
      return `${formatCount(value)} ms`;
    case 'ratio':
      return formatPercent(value, value < 0.1 ? 1 : 0);
    case 'mos':
      return value.toFixed(1);
    default:
      return formatCount(value);
  }
}

export const CANDIDATE_LABELS: Record<CandidateType, string> = {
  host: 'Host (direct)',
  srflx: 'Server reflexive (STUN)',
  prflx: 'Peer reflexive',
  relay: 'Relay (TURN)',
};

const MOS_ORDER = ['excellent', 'good', 'fair', 'poor', 'bad'] as const satisfies readonly (keyof MosDistribution)[];
const CANDIDATE_ORDER = ['host', 'srflx', 'prflx', 'relay'] as const satisfies readonly CandidateType[];

export interface SummaryCanvases {
  connectionSuccess: HTMLCanvasElement;
  mosDistribution: HTMLCanvasElement;
  candidateTypes: HTMLCanvasElement;
}

type AnyChart = Chart<'line' | 'bar' | 'doughnut', unknown[], unknown>;

/** Creates each chart on first use and updates it in place afterwards (no flicker, no lost tooltips). */
export class DashboardCharts {
  /** By name: connectionSuccess, mosDistribution, candidateTypes, and one per trend metric. */
  readonly charts: Record<string, AnyChart> = {};
  #palette = readPalette();
  /** How to draw each chart from its last data again, for a colour scheme change. */
  readonly #redraw = new Map<string, () => void>();

  constructor() {
    applyDefaults(this.#palette);
    window.matchMedia?.('(prefers-color-scheme: dark)').addEventListener('change', () => {
      this.#palette = readPalette();
      applyDefaults(this.#palette);
      for (const chart of Object.values(this.charts)) chart.destroy();
      for (const key of Object.keys(this.charts)) delete this.charts[key];
      for (const redraw of this.#redraw.values()) redraw();
    });
  }

  summary(canvases: SummaryCanvases, summary: AnalyticsSummary): void {
    this.#redraw.set('summary', () => this.summary(canvases, summary));
    this.#connectionSuccess(canvases.connectionSuccess, summary.connections.successRate);
    this.#mosDistribution(canvases.mosDistribution, summary.mos.distribution);
    this.#candidateTypes(canvases.candidateTypes, summary.candidateTypes);
  }

  trend(name: string, canvas: HTMLCanvasElement, spec: TrendSpec, points: TrendPoint[], fromMs: number, toMs: number): void {
    this.#redraw.set(name, () => this.trend(name, canvas, spec, points, fromMs, toMs));
    const palette = this.#palette;
    const colour = palette.series[(spec.colour - 1) % palette.series.length] as string;
    const span = toMs - fromMs;
    const x = this.charts[name]?.options.scales?.x;
    if (x) {
      x.min = fromMs;
      x.max = toMs;
    }
    if (this.#updated(name, points)) return;
    let stepMs = MINUTE_MS;
    const config: ChartConfiguration<'line', TrendPoint[]> = {
      type: 'line',
      data: {
        datasets: [
          {
            label: spec.label,
            data: points,
            borderColor: colour,
            backgroundColor: withAlpha(colour, 0.16),
            fill: 'origin',
            borderWidth: 2,
            pointRadius: 0,
            pointHoverRadius: 4,
            tension: 0.25,
            // Buckets without data are gaps, not a line drawn across the silence.
            spanGaps: false,
          },
        ],
      },
      options: {
        interaction: { mode: 'index', intersect: false },
        plugins: {
          legend: { display: false },
          tooltip: {
            callbacks: {
              title: (items) => fullFormat.format(items[0]?.parsed.x ?? 0),
              label: (item) => `${spec.label}: ${formatMetric(spec.unit, item.parsed.y)}`,
            },
          },
        },
        scales: {
          x: {
            type: 'linear',
            min: fromMs,
            max: toMs,
            grid: { display: false },
            afterBuildTicks: (axis: Scale) => {
              const ticks = timeTicks(axis.min, axis.max, Math.max(2, Math.min(7, Math.floor(axis.chart.width / TIME_LABEL_WIDTH_PX))));
              stepMs = ticks.length > 1 ? (ticks[1] as number) - (ticks[0] as number) : span;
              axis.ticks = ticks.map((value) => ({ value }));
            },
            ticks: { maxRotation: 0, autoSkip: true, callback: (value) => tickLabel(Number(value), span, stepMs) },
          },
          y: {
            type: 'linear',
            beginAtZero: spec.unit !== 'mos',
            ...(spec.min !== undefined ? { suggestedMin: spec.min } : {}),
            ...(spec.max !== undefined ? { suggestedMax: spec.max } : {}),
            ticks: { maxTicksLimit: 5, callback: (value) => axisLabel(spec.unit, Number(value)) },
          },
        },
      },
    };
    this.charts[name] = new Chart(canvas, config) as unknown as AnyChart;
  }

  /** New data (and dataset options) for a chart drawn before; false when it has not been drawn yet. */
  #updated(name: string, data: unknown[], datasetOptions: Record<string, unknown> = {}): boolean {
    const chart = this.charts[name];
    if (!chart) return false;
    const dataset = chart.data.datasets[0];
    if (dataset) Object.assign(dataset, datasetOptions, { data });
    chart.update();
    return true;
  }

  /** A half-doughnut gauge; its number is printed in HTML over it (pages/dashboard.ts). */
  #connectionSuccess(canvas: HTMLCanvasElement, rate: number | null): void {
    const palette = this.#palette;
    const colour = rate === null ? palette.track : rate >= 0.9 ? palette.good : rate >= 0.75 ? palette.warn : palette.bad;
    const data = rate === null ? [0, 1] : [rate, Math.max(0, 1 - rate)];
    if (this.#updated('connectionSuccess', data, { backgroundColor: [colour, palette.track] })) return;
    const config: ChartConfiguration<'doughnut', number[]> = {
      type: 'doughnut',
      data: {
        labels: ['Connected', 'Not connected'],
        datasets: [{ data, backgroundColor: [colour, palette.track], borderWidth: 0 }],
      },
      options: {
        rotation: -90,
        circumference: 180,
        cutout: '72%',
        // A gauge: nothing to hover or click.
        events: [],
        plugins: { legend: { display: false }, tooltip: { enabled: false } },
      },
    };
    this.charts.connectionSuccess = new Chart(canvas, config) as unknown as AnyChart;
  }

  #mosDistribution(canvas: HTMLCanvasElement, distribution: MosDistribution): void {
    const palette = this.#palette;
    const data = MOS_ORDER.map((band) => distribution[band]);
    if (this.#updated('mosDistribution', data)) return;
    const config: ChartConfiguration<'bar', number[]> = {
      type: 'bar',
      data: {
        labels: MOS_ORDER.map((band) => MOS_BAND_LABELS[band]),
        datasets: [
          {
            label: 'Samples',
            data,
            backgroundColor: [palette.good, palette.fair, palette.warn, palette.poor, palette.bad],
            borderRadius: 4,
          },
        ],
      },
      options: {
        plugins: {
          legend: { display: false },
          tooltip: {
            callbacks: {
              label: (item) => {
                const count = item.parsed.y ?? 0;
                const sum = (item.dataset.data as number[]).reduce((a, b) => a + b, 0);
                return `${formatCount(count)} samples (${formatPercent(sum ? count / sum : null)})`;
              },
            },
          },
        },
        scales: {
          x: { grid: { display: false } },
          y: { beginAtZero: true, ticks: { maxTicksLimit: 5, callback: (value) => formatCount(Number(value)) } },
        },
      },
    };
    this.charts.mosDistribution = new Chart(canvas, config) as unknown as AnyChart;
  }

  #candidateTypes(canvas: HTMLCanvasElement, counts: Record<CandidateType, number>): void {
    const palette = this.#palette;
    const data = CANDIDATE_ORDER.map((type) => counts[type] ?? 0);
    if (this.#updated('candidateTypes', data)) return;
    const config: ChartConfiguration<'doughnut', number[]> = {
      type: 'doughnut',
      data: {
        labels: CANDIDATE_ORDER.map((type) => CANDIDATE_LABELS[type]),
        datasets: [{ data, backgroundColor: palette.series.slice(0, 4), borderWidth: 1, borderColor: palette.track }],
      },
      options: {
        cutout: '55%',
        plugins: {
          legend: { position: 'bottom', labels: { boxWidth: 12, color: palette.text } },
          tooltip: {
            callbacks: {
              label: (item) => {
                const values = item.dataset.data as number[];
                const sum = values.reduce((a, b) => a + b, 0);
                return `${item.label}: ${formatCount(item.parsed)} (${formatPercent(sum ? item.parsed / sum : null)})`;
              },
            },
          },
        },
      },
    };
    this.charts.candidateTypes = new Chart(canvas, config) as unknown as AnyChart;
  }
}
