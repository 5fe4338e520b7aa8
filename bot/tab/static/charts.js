// Small SVG charts for the Resultater tab, written for it (no library, nothing from a CDN).
// Scores are 0-100; every chart is an image with a text alternative, and every point a <title>.
(function () {
  'use strict';
  const NS = 'http://www.w3.org/2000/svg';
  // Okabe-Ito: told apart with every common colour vision deficiency.
  const LIGHT = ['#0072B2', '#D55E00', '#009E73', '#CC79A7', '#B07800', '#3A8FC4', '#555555'];
  const DARK = ['#56B4E9', '#F08A4B', '#2BD1A0', '#E39AC4', '#F0C24B', '#9AD0F5', '#DDDDDD'];

  function palette() {
    const theme = document.documentElement.getAttribute('data-theme');
    return theme === 'default' ? LIGHT : DARK;
  }

  function svg(tag, attrs, parent) {
    const node = document.createElementNS(NS, tag);
    for (const [key, value] of Object.entries(attrs || {})) node.setAttribute(key, String(value));
    if (parent) parent.appendChild(node);
    return node;
  }

  // series: [{name, points: [{x, y, label}]}], x an index into xLabels; label: an accessible name.
  function line(series, xLabels, label, options) {
    const opts = Object.assign({ width: 640, height: 240, baselines: [] }, options || {});
    const colors = palette();
    const pad = { left: 34, right: 12, top: 10, bottom: 28 };
    const w = opts.width - pad.left - pad.right;
    const h = opts.height - pad.top - pad.bottom;
    const root = svg('svg', {
      viewBox: `0 0 ${opts.width} ${opts.height}`, class: 'chart', role: 'img', 'aria-label': label,
    });
    const x = (i) => pad.left + (xLabels.length < 2 ? w / 2 : (i * w) / (xLabels.length - 1));
    const y = (v) => pad.top + h - (v / 100) * h;
    for (const tick of [0, 25, 50, 75, 100]) {
      svg('line', { x1: pad.left, x2: pad.left + w, y1: y(tick), y2: y(tick), class: 'gridline' }, root);
      const text = svg('text', { x: pad.left - 6, y: y(tick) + 4, 'text-anchor': 'end' }, root);
      text.textContent = String(tick);
    }
    const every = Math.max(1, Math.ceil(xLabels.length / 8));
    xLabels.forEach((name, i) => {
      if (i % every !== 0 && i !== xLabels.length - 1) return;
      const text = svg('text', { x: x(i), y: opts.height - 8, 'text-anchor': 'middle' }, root);
      text.textContent = name;
    });
    series.forEach((one, index) => {
      const color = one.color || colors[index % colors.length];
      const baseline = opts.baselines[index];
      if (typeof baseline === 'number') {
        svg('line', {
          x1: pad.left, x2: pad.left + w, y1: y(baseline), y2: y(baseline), stroke: color, class: 'baseline',
        }, root);
      }
      const points = one.points.filter((p) => typeof p.y === 'number');
      if (points.length > 1) {
        svg('polyline', {
          points: points.map((p) => `${x(p.x)},${y(p.y)}`).join(' '),
          fill: 'none', stroke: color, 'stroke-width': 2.5, 'stroke-linejoin': 'round',
        }, root);
      }
      for (const p of points) {
        const dot = svg('circle', { cx: x(p.x), cy: y(p.y), r: 3.5, fill: color }, root);
        svg('title', {}, dot).textContent = `${one.name}, ${xLabels[p.x]}: ${Math.round(p.y)}`;
      }
      one.color = color;
    });
    return root;
  }

  // One question's scores over rounds: a small line with its points.
  function sparkline(points, label) {
    const width = 240;
    const height = 56;
    const root = svg('svg', { viewBox: `0 0 ${width} ${height}`, class: 'chart', role: 'img', 'aria-label': label });
    const color = palette()[0];
    const x = (i) => 6 + (points.length < 2 ? (width - 12) / 2 : (i * (width - 12)) / (points.length - 1));
    const y = (v) => 6 + (height - 12) * (1 - v / 100);
    svg('line', { x1: 6, x2: width - 6, y1: y(50), y2: y(50), class: 'gridline' }, root);
    if (points.length > 1) {
      svg('polyline', {
        points: points.map((p, i) => `${x(i)},${y(p.score)}`).join(' '),
        fill: 'none', stroke: color, 'stroke-width': 2,
      }, root);
    }
    points.forEach((p, i) => {
      const dot = svg('circle', { cx: x(i), cy: y(p.score), r: 3, fill: color }, root);
      svg('title', {}, dot).textContent = `${p.label}: ${Math.round(p.score)}`;
    });
    return root;
  }

  window.TabCharts = { line, sparkline, palette };
})();
