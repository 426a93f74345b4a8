import type { Chart } from 'chart.js';

/** The Chart constructor, with what the elements' bar charts need registered. */
export type ChartConstructor = typeof Chart;

let loading: Promise<ChartConstructor> | undefined;

/**
 * chart.js is fetched the first time a chart scrolls on screen, never with an
 * element, so pages that show no chart never pay for it; one download serves
 * every chart on the page. Only bar charts are registered (`chart.js/auto`
 * would register every type, scale and plugin: ~70 KB gzipped instead of ~50).
 */
export function loadChartJs(): Promise<ChartConstructor> {
  loading ??= import('chart.js').then(
    ({ Chart, BarController, BarElement, CategoryScale, LinearScale, Legend, Tooltip }) => {
      Chart.register(BarController, BarElement, CategoryScale, LinearScale, Legend, Tooltip);
      return Chart;
    },
    (error) => {
      // A failed download (offline) may be retried the next time a chart shows.
      loading = undefined;
      throw error;
    },
  );
  return loading;
}
