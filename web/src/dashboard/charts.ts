// The dashboard's charts (Chart.js). This module is its own chunk, imported dynamically by pages/dashboard.ts:
// the page sends its first API request while Chart.js downloads, instead of after. Chart.js is registered piece
// by piece, so the chunk holds only the controllers, elements and scales drawn here; it needs no eval and no
// inline script, so the site's CSP holds.
//
// Time axes are linear scales over epoch milliseconds with ticks placed and labelled here (local time, on round
// minutes/hours/days), which spares a date adapter dependency.
//
// The revenue page draws its bars with this module too (`stackedBars`), so both pages share one palette and one
// Chart.js chunk. A chart with no data at all is not drawn as an empty box: the pages show an empty state in its
// place (dashboard/empty-state.ts).
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

/** A value with no drawn neighbour: no line passes through it, so without a dot it would not show at all. */
const ISOLATED_POINT_RADIUS_PX = 4;
/** Series this short get a dot on every value, so a handful of readings reads as readings, not as a line's corners. */
const DOTTED_SERIES_MAX_VALUES = 12;
const DOT_RADIUS_PX = 2.5;

/**
 * The series as drawn: a null point wherever consecutive values are more than a bucket apart (the API leaves out
 * buckets without data), so silence shows as a gap rather than as a line drawn across it.
 */
export function withGaps(points: readonly TrendPoint[], bucketMs: number): TrendPoint[] {
  const drawn: TrendPoint[] = [];
  for (const point of points) {
    const previous = drawn[drawn.length - 1];
    if (previous && previous.y !== null && point.y !== null && point.x - previous.x > bucketMs * 1.5) {
      drawn.push({ x: previous.x + bucketMs, y: null });
    }
    drawn.push(point);
  }
  return drawn;
}

/** Chart.js `pointRadius` per point (Chart.js line charts draw no dots by default, hence nothing for one value). */
export function pointRadii(points: readonly TrendPoint[]): number[] {
  const valueCount = points.filter((point) => point.y !== null).length;
  return points.map((point, index) => {
    if (point.y === null) return 0;
    const isolated = (points[index - 1]?.y ?? null) === null && (points[index + 1]?.y ?? null) === null;
    if (isolated) return ISOLATED_POINT_RADIUS_PX;
    return valueCount <= DOTTED_SERIES_MAX_VALUES ? DOT_RADIUS_PX : 0;
  });
}

/** Narrower than this, a series draws as one dot (one value, or a few within a pixel or two of each other). */
const DOT_LIKE_SERIES_MAX_WIDTH_PX = 12;

/**
 * Prints the latest value next to a series that draws as a single dot — one reading on a wide time axis is easy to
 * miss or to read as a glitch, and the number is what the reader came for.
 */
function dotValueLabel(format: (value: number) => string, colour: string): Plugin<'line'> {
  return {
    id: 'dotValueLabel',
    afterDatasetsDraw(chart) {
      const points = (chart.data.datasets[0]?.data ?? []) as TrendPoint[];
      const indexes = points.flatMap((point, index) => (point.y === null ? [] : [index]));
      if (indexes.length === 0) return;
      const elements = chart.getDatasetMeta(0).data;
      const first = elements[indexes[0] as number];
      const last = elements[indexes[indexes.length - 1] as number];
      const value = points[indexes[indexes.length - 1] as number]?.y;
      if (!first || !last || value === null || value === undefined) return;
      const { x, y } = last.getProps(['x', 'y'], true) as { x: number; y: number };
      if (x - (first.getProps(['x'], true) as { x: number }).x > DOT_LIKE_SERIES_MAX_WIDTH_PX) return;
      const { ctx, chartArea } = chart;
      const text = format(value);
      ctx.save();
      ctx.font = `600 12px ${Chart.defaults.font.family ?? 'sans-serif'}`;
      const half = ctx.measureText(text).width / 2;
      ctx.fillStyle = colour;
      if (x + half + 4 > chartArea.right || x - half - 4 < chartArea.left) {
        // At an edge of the range (the latest bucket, usually): beside the dot, on the inner side.
        const toTheLeft = x + half + 4 > chartArea.right;
        ctx.textAlign = toTheLeft ? 'right' : 'left';
        ctx.textBaseline = 'middle';
        ctx.fillText(text, toTheLeft ? x - 9 : x + 9, y);
      } else {
        // Above the dot, or below it when the dot is at the top of the plot.
        const above = y - chartArea.top > 22;
        ctx.textAlign = 'center';
        ctx.textBaseline = above ? 'bottom' : 'top';
        ctx.fillText(text, x, above ? y - 9 : y + 9);
      }
      ctx.restore();
    },
  };
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

  trend(
    name: string,
    canvas: HTMLCanvasElement,
    spec: TrendSpec,
    points: TrendPoint[],
    range: { fromMs: number; toMs: number; bucketMs: number },
  ): void {
    this.#redraw.set(name, () => this.trend(name, canvas, spec, points, range));
    const { fromMs, toMs } = range;
    const palette = this.#palette;
    const colour = palette.series[(spec.colour - 1) % palette.series.length] as string;
    const span = toMs - fromMs;
    const x = this.charts[name]?.options.scales?.x;
    if (x) {
      x.min = fromMs;
      x.max = toMs;
    }
    const drawn = withGaps(points, range.bucketMs);
    if (this.#updated(name, drawn, { pointRadius: pointRadii(drawn) })) return;
    let stepMs = MINUTE_MS;
    const config: ChartConfiguration<'line', TrendPoint[]> = {
      type: 'line',
      data: {
        datasets: [
          {
            label: spec.label,
            data: drawn,
            borderColor: colour,
            backgroundColor: withAlpha(colour, 0.16),
            fill: 'origin',
            borderWidth: 2,
            pointRadius: pointRadii(drawn),
            pointBackgroundColor: colour,
            pointHoverRadius: 5,
            tension: 0.25,
            // Buckets without data are gaps (withGaps), not a line drawn across the silence.
            spanGaps: false,
            // A reading at the very edge of the range keeps its whole dot.
            clip: ISOLATED_POINT_RADIUS_PX + 2,
          },
        ],
      },
      plugins: [dotValueLabel((value) => formatMetric(spec.unit, value), palette.text)],
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
            // Whole milliseconds and whole peers: fractional steps would print as repeated labels ("1 ms, 1 ms").
            ticks: {
              maxTicksLimit: 5,
              ...(spec.unit === 'ms' || spec.unit === 'count' ? { precision: 0 } : {}),
              callback: (value) => axisLabel(spec.unit, Number(value)),
            },
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

export interface BarSeries {
  label: string;
  data: number[];
}

/**
 * Bars over categories with the series stacked (the revenue page: creator earnings under platform revenue), in
 * the stylesheet's chart colours. `format` labels the value axis and the tooltips. The caller owns the chart and
 * destroys it before drawing the next one.
 */
export function stackedBars(
  canvas: HTMLCanvasElement,
  labels: string[],
  series: readonly BarSeries[],
  format: (value: number) => string,
): Chart<'bar', number[], string> {
  const palette = readPalette();
  applyDefaults(palette);
  const config: ChartConfiguration<'bar', number[], string> = {
    type: 'bar',
    data: {
      labels,
      datasets: series.map((entry, index) => ({
        label: entry.label,
        data: entry.data,
        stack: 'total',
        backgroundColor: palette.series[index % palette.series.length] as string,
        borderRadius: 3,
        // One group must not become one bar as wide as the chart.
        maxBarThickness: 56,
      })),
    },
    options: {
      plugins: {
        // One series is named by the card's title; a legend would repeat it.
        legend: { display: series.length > 1, position: 'bottom', labels: { boxWidth: 12, color: palette.text } },
        tooltip: { callbacks: { label: (item) => `${item.dataset.label}: ${format(item.parsed.y ?? 0)}` } },
      },
      scales: {
        x: { stacked: true, grid: { display: false }, ticks: { maxRotation: 0, autoSkip: true } },
        y: { stacked: true, beginAtZero: true, ticks: { maxTicksLimit: 5, callback: (value) => format(Number(value)) } },
      },
    },
  };
  return new Chart(canvas, config);
}
