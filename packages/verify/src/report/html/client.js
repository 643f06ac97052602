// The report's page script, inlined into report.html after Chart.js. Plain browser JavaScript
// (no modules, no network): it draws the latency charts from the JSON data block and wires the
// filter, expand/collapse and print behaviour. The page reads fully without it.
(() => {
  const dataElement = document.getElementById('report-data');
  const data = dataElement ? JSON.parse(dataElement.textContent || '{}') : { charts: [] };
  const root = document.documentElement;

  function cssVar(name) {
    return getComputedStyle(root).getPropertyValue(name).trim();
  }

  function drawCharts() {
    const Chart = window.Chart;
    if (typeof Chart !== 'function') {
      for (const box of document.querySelectorAll('.chart-box')) {
        box.textContent = 'Charts need JavaScript; the figures are in the table below.';
      }
      return;
    }
    const palette = [
      cssVar('--series-0'),
      cssVar('--series-1'),
      cssVar('--series-2'),
      cssVar('--series-3'),
    ];
    const ink = cssVar('--muted');
    const grid = cssVar('--grid');
    Chart.defaults.font.family = getComputedStyle(document.body).fontFamily;
    Chart.defaults.font.size = 11;
    Chart.defaults.color = ink;
    for (const spec of data.charts || []) {
      const canvas = document.querySelector(`#${CSS.escape(spec.id)} canvas`);
      if (!canvas) continue;
      const length = Math.max(
        0,
        ...spec.series.map((s) => s.values.length),
        ...spec.previous.map((s) => s.values.length),
      );
      const datasets = spec.series.map((s, i) => ({
        label: s.label,
        data: s.values,
        borderColor: palette[i % palette.length],
        backgroundColor: palette[i % palette.length],
        borderWidth: 1.5,
        // Dots help read a few dozen samples; with hundreds they only blur the line.
        pointRadius: s.values.length > 200 ? 0 : 2,
        pointHoverRadius: 4,
        tension: 0,
      }));
      spec.previous.forEach((s) => {
        const i = spec.series.findIndex((current) => current.label === s.label);
        datasets.push({
          label: `${s.label} prev`,
          data: s.values,
          // Faded (hex alpha): the eye goes to this run first.
          borderColor: `${palette[Math.max(0, i) % palette.length]}88`,
          backgroundColor: 'transparent',
          borderWidth: 1,
          borderDash: [3, 3],
          pointRadius: 0,
          tension: 0,
        });
      });
      if (spec.threshold) {
        datasets.push({
          label: spec.threshold.label,
          data: new Array(length).fill(spec.threshold.value),
          borderColor: cssVar('--fail'),
          backgroundColor: cssVar('--fail'),
          borderWidth: 1.5,
          borderDash: [6, 4],
          pointRadius: 0,
          tension: 0,
        });
      }
      new Chart(canvas, {
        type: 'line',
        data: { labels: Array.from({ length }, (_, i) => i + 1), datasets },
        options: {
          animation: false,
          responsive: true,
          maintainAspectRatio: false,
          interaction: { mode: 'index', intersect: false },
          scales: {
            x: {
              title: { display: true, text: 'sample' },
              grid: { color: grid },
              ticks: { maxTicksLimit: 10 },
            },
            y: { title: { display: true, text: 'ms' }, beginAtZero: true, grid: { color: grid } },
          },
          plugins: {
            legend: { position: 'bottom', labels: { boxWidth: 14, boxHeight: 2 } },
            tooltip: {
              callbacks: { label: (item) => `${item.dataset.label}: ${item.formattedValue} ms` },
            },
          },
        },
      });
    }
  }

  function openTarget() {
    const id = decodeURIComponent(location.hash.slice(1));
    const target = id ? document.getElementById(id) : null;
    if (target && target.tagName === 'DETAILS') target.open = true;
  }

  function wireControls() {
    const filter = document.getElementById('attention-only');
    const table = document.querySelector('table.criteria');
    if (filter && table) {
      filter.addEventListener('change', () =>
        table.classList.toggle('attention-only', filter.checked),
      );
    }
    const all = () => document.querySelectorAll('details.evidence');
    document.getElementById('expand-all')?.addEventListener('click', () => {
      for (const d of all()) d.open = true;
    });
    document.getElementById('collapse-all')?.addEventListener('click', () => {
      for (const d of all()) d.open = false;
    });
    window.addEventListener('hashchange', openTarget);
    openTarget();
    // Print everything: a closed <details> prints as its summary line only.
    let closed = [];
    window.addEventListener('beforeprint', () => {
      closed = [...all()].filter((d) => !d.open);
      for (const d of closed) d.open = true;
    });
    window.addEventListener('afterprint', () => {
      for (const d of closed) d.open = false;
      closed = [];
    });
  }

  wireControls();
  drawCharts();
})();
