// Resultater: the tab's page. Asks Teams for a token (TeamsJS authentication.getAuthToken), reads
// the bot's /tab/api, and draws what comes back. Every figure the API hides arrives as a reason
// code alone; it is drawn as a shaded cell with the reason in words and nothing else.
// Text from the API is always set as text (textContent), never parsed as HTML.
(function () {
  'use strict';

  const config = JSON.parse(document.getElementById('tab-config').textContent);
  const main = document.getElementById('main');
  const crumbs = document.getElementById('crumbs');
  const state = { lang: config.lang, texts: config.texts, token: null, person: null, me: null };
  const DEV_HEADER = 'X-Trivselsbot-Dev-Person';
  const TOKEN_TIMEOUT_MS = 10000;

  // ---- texts and formatting ------------------------------------------------------------------
  function T(key, values) {
    const text = state.texts[key];
    if (text === undefined) return key;
    return text.replace(/\{(\w+)\}/g, (_, name) => (values && name in values ? String(values[name]) : ''));
  }
  function monthName(month) { return (state.texts['date.months'] || '').split(',')[month - 1] || String(month); }
  function monthLabel(period) {
    const [year, month] = period.split('-').map(Number);
    return T('tab.month', { month: monthName(month), year });
  }
  function dateLabel(iso) {
    const [year, month, day] = iso.split('-').map(Number);
    return T('tab.date', { day, month: monthName(month), year });
  }
  function score(value) { return String(Math.round(value)); }
  function bin(value) { return value < 40 ? 1 : value < 55 ? 2 : value < 70 ? 3 : value < 85 ? 4 : 5; }

  // ---- DOM helpers -------------------------------------------------------------------------------
  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs || {})) {
      if (value === null || value === undefined || value === false) continue;
      if (key === 'class') node.className = value;
      else if (key === 'text') node.textContent = value;
      else if (key.startsWith('on')) node.addEventListener(key.slice(2), value);
      else node.setAttribute(key, value === true ? '' : String(value));
    }
    for (const child of children.flat(Infinity)) {
      if (child === null || child === undefined || child === false) continue;
      node.appendChild(typeof child === 'string' ? document.createTextNode(child) : child);
    }
    return node;
  }
  function show(...nodes) {
    main.replaceChildren(...nodes);
    main.setAttribute('aria-busy', 'false');
  }
  function setCrumbs(items) {
    crumbs.replaceChildren();
    if (!items.length) return;
    const list = el('ol');
    items.forEach((item, index) => {
      const last = index === items.length - 1;
      list.appendChild(el('li', {}, el('a', { href: item.href, 'aria-current': last ? 'page' : null, text: item.name })));
    });
    crumbs.appendChild(list);
  }
  function focusMain() { main.focus({ preventScroll: false }); }

  // ---- talking to the bot ----------------------------------------------------------------------
  class ApiError extends Error {
    constructor(status, body) { super(body && body.error ? body.error : `HTTP ${status}`); this.status = status; this.body = body; }
  }
  function headers() {
    if (config.dev) return state.person ? { [DEV_HEADER]: state.person } : {};
    return state.token ? { Authorization: `Bearer ${state.token}` } : {};
  }
  function withLang(path) { return path + (path.includes('?') ? '&' : '?') + 'lang=' + encodeURIComponent(state.lang); }
  async function api(path) {
    const response = await fetch(withLang(path), { headers: headers(), credentials: 'omit' });
    let body = null;
    try { body = await response.json(); } catch (e) { body = null; }
    if (!response.ok) throw new ApiError(response.status, body);
    return body;
  }

  function refusalView(error) {
    if (!(error instanceof ApiError)) console.error(error);
    const body = error && error.body && error.body.title ? error.body : {
      title: T('tab.refused.error.title'), message: T('tab.refused.error.message'),
    };
    setCrumbs([]);
    show(el('section', { class: 'panel refusal', role: 'alert', 'aria-labelledby': 'refusal-title' },
      el('h1', { id: 'refusal-title', text: body.title }),
      el('p', { text: body.message }),
      el('button', { type: 'button', class: 'primary', onclick: () => start(), text: T('tab.retry') })));
  }

  // ---- Teams: context (language, theme) and the token ----------------------------------------------
  function applyTheme(theme) {
    const known = ['default', 'dark', 'contrast'];
    document.documentElement.setAttribute('data-theme', known.includes(theme) ? theme : 'default');
  }
  function withTimeout(promise, ms) {
    return Promise.race([promise, new Promise((_, reject) => setTimeout(() => reject(new Error('timeout')), ms))]);
  }
  async function teamsToken() {
    const teams = window.microsoftTeams;
    if (!teams || window.parent === window) throw new ApiError(401, null);
    await withTimeout(teams.app.initialize(), TOKEN_TIMEOUT_MS);
    try {
      const context = await teams.app.getContext();
      if (context && context.app) {
        if (context.app.theme) applyTheme(context.app.theme);
        if (context.app.locale) state.lang = context.app.locale.toLowerCase().startsWith('en') ? 'en' : 'da';
      }
      teams.app.registerOnThemeChangeHandler((theme) => { applyTheme(theme); route(); });
    } catch (e) { /* the page works with the locale and theme of its address */ }
    teams.app.notifySuccess();
    return withTimeout(teams.authentication.getAuthToken(), TOKEN_TIMEOUT_MS);
  }

  // ---- dev mode: a person picker stands in for Teams -------------------------------------------------
  async function devPicker() {
    const { people } = await api('/tab/api/dev/people');
    const select = el('select', { id: 'person' },
      people.map((p) => el('option', { value: p.id, text: `${p.name} (${p.roles.map((r) => T('tab.dev.role.' + r)).join(', ')})` })));
    const form = el('form', { class: 'picker', onsubmit: (event) => {
      event.preventDefault();
      state.person = select.value;
      sessionStorage.setItem('tab-dev-person', state.person);
      load();
    } }, el('label', { for: 'person', text: T('tab.dev.person') }), select,
    el('button', { type: 'submit', class: 'primary', text: T('tab.dev.choose') }));
    setCrumbs([]);
    show(el('section', { class: 'panel', 'aria-labelledby': 'dev-title' },
      el('h1', { id: 'dev-title', text: T('tab.dev.title') }), el('p', { class: 'lead', text: T('tab.dev.lead') }), form));
  }

  async function start() {
    show(el('p', { class: 'status', role: 'status', text: T('tab.loading') }));
    if (config.dev) {
      state.person = sessionStorage.getItem('tab-dev-person');
      if (!state.person) { await devPicker().catch(refusalView); return; }
    } else {
      try { state.token = await teamsToken(); } catch (error) {
        state.token = null;  // no token: the API says what to do (401, in the viewer's language)
      }
    }
    await load();
  }

  async function load() {
    try {
      state.me = await api('/tab/api/me');
      state.texts = Object.assign({}, state.texts, state.me.texts);
      document.documentElement.lang = state.lang;
    } catch (error) { refusalView(error); return; }
    if (!location.hash || location.hash === '#') {
      location.replace(state.me.start === 'unit' ? `#/unit/${encodeURIComponent(state.me.unit)}` : '#/heatmap');
    }
    route();
  }

  function parseHash() {
    const [path, query] = location.hash.replace(/^#/, '').split('?');
    const params = new URLSearchParams(query || '');
    const parts = path.split('/').filter(Boolean).map(decodeURIComponent);
    return { view: parts[0] || 'heatmap', id: parts[1] || null, params };
  }
  async function route() {
    if (!state.me) return;
    const { view, id, params } = parseHash();
    main.setAttribute('aria-busy', 'true');
    try {
      if (view === 'unit' && id) await unitView(id);
      else await heatmapView(params.get('unit'), params.get('period'));
    } catch (error) { refusalView(error); }
  }
  window.addEventListener('hashchange', () => { route().then(focusMain); });

  function heatmapHref(unit, period) {
    const params = new URLSearchParams();
    if (unit) params.set('unit', unit);
    if (period) params.set('period', period);
    const query = params.toString();
    return '#/heatmap' + (query ? '?' + query : '');
  }
  function unitHref(unit) { return `#/unit/${encodeURIComponent(unit)}`; }

  // ---- figures ---------------------------------------------------------------------------------
  function reasonWords(reason) { return T('tab.reason.' + reason); }

  // A hidden figure: shaded, the reason in words, and nothing that could be a number.
  function hiddenBlock(figure) {
    return el('div', { class: 'hidden-block', 'data-suppressed': true },
      el('strong', { text: reasonWords(figure.reason) }), ' ', el('span', { text: T('tab.reason_long.' + figure.reason) }));
  }

  function responseFacts(figure) {
    return el('div', { class: 'facts' },
      el('div', { class: 'fact' }, el('span', { class: 'value', text: String(figure.responses) }), el('span', { class: 'label', text: T('tab.figure.responses') })),
      figure.response_rate === undefined ? null : el('div', { class: 'fact' },
        el('span', { class: 'value', text: T('tab.percent', { value: figure.response_rate }) }),
        el('span', { class: 'label', text: T('tab.figure.rate', { eligible: figure.eligible }) })));
  }

  function distributions(figure) {
    const rows = el('div', { class: 'dist' });
    let labels = [];
    for (const d of figure.dimensions) {
      const total = d.distribution.reduce((a, b) => a + b, 0) || 1;
      const bar = el('div', { class: 'bar', role: 'img', 'aria-label': T('tab.dist.aria', {
        name: d.name, parts: d.distribution.map((n, i) => `${d.labels[i] || i + 1}: ${n}`).join(', '),
      }) });
      d.distribution.forEach((n, i) => {
        const part = el('span', { class: 'p' + Math.min(4, Math.round((i * 4) / Math.max(1, d.distribution.length - 1))) });
        part.style.width = `${(n / total) * 100}%`;
        bar.appendChild(part);
      });
      rows.append(el('span', { class: 'name', text: d.name }), bar, el('span', { class: 'score', text: score(d.score) }));
      if (d.labels.length > labels.length) labels = d.labels;
    }
    const legend = el('ul', { class: 'dist-legend', 'aria-label': T('tab.dist.legend') },
      labels.map((label, i) => el('li', {}, el('span', { class: 'swatch p' + Math.min(4, Math.round((i * 4) / Math.max(1, labels.length - 1))) }), ' ', label)));
    return [rows, legend];
  }

  function withheldNote(figure) {
    if (!figure.withheld || !figure.withheld.length) return null;
    return el('p', { class: 'muted', 'data-suppressed': true, text: T('tab.withheld', {
      names: figure.withheld.map((w) => `${w.name} (${reasonWords(w.reason).toLowerCase()})`).join(', '),
    }) });
  }

  function lineChart(points, xLabels, title, baselines) {
    // points: [{label-index, dimensions}] → one series per dimension
    const names = new Map();
    for (const p of points) for (const d of p.dimensions) names.set(d.dimension, d.name);
    const series = [...names].map(([dimension, name]) => ({
      name, dimension,
      points: points.map((p, i) => {
        const found = p.dimensions.find((d) => d.dimension === dimension);
        return { x: i, y: found ? found.score : null };
      }),
    }));
    const base = series.map((s) => (baselines ? baselines[s.dimension] : undefined));
    const chart = window.TabCharts.line(series, xLabels, title, { baselines: base });
    const legend = el('ul', { class: 'series-legend', 'aria-hidden': 'true' }, series.map((s) => {
      const swatch = el('span', { class: 'line' });
      swatch.style.background = s.color;
      return el('li', {}, swatch, s.name);
    }));
    const table = el('table', { class: 'plain' },
      el('caption', { class: 'visually-hidden', text: title }),
      el('thead', {}, el('tr', {}, el('th', { scope: 'col', text: T('tab.table.when') }), series.map((s) => el('th', { scope: 'col', text: s.name })))),
      el('tbody', {}, xLabels.map((label, i) => el('tr', {}, el('th', { scope: 'row', text: label }),
        series.map((s) => el('td', { text: s.points[i].y === null ? '–' : score(s.points[i].y) }))))));
    return [chart, legend, el('details', {}, el('summary', { text: T('tab.table.show') }), el('div', { class: 'table-wrap' }, table))];
  }

  // ---- the heatmap ------------------------------------------------------------------------------
  function heatCell(cell, name) {
    if (cell.state === 'shown') {
      return el('td', { class: `cell shown b${bin(cell.score)}` },
        el('span', { class: 'score', text: score(cell.score) }), el('span', { class: 'visually-hidden', text: ` ${name}` }));
    }
    if (cell.state === 'hidden') {
      return el('td', { class: 'cell hidden', 'data-suppressed': true }, el('span', { class: 'reason', text: reasonWords(cell.reason) }));
    }
    const words = cell.state === 'not_asked' ? T('tab.cell.not_asked') : T('tab.cell.none');
    return el('td', { class: 'cell quiet' }, el('span', { class: 'reason', text: words }));
  }

  function rateCell(figure) {
    if (figure.state === 'shown') {
      return el('td', { class: 'rate' },
        el('span', { text: figure.response_rate === undefined ? '–' : T('tab.percent', { value: figure.response_rate }) }),
        el('span', { class: 'sub', text: T('tab.figure.of', { responses: figure.responses, eligible: figure.eligible }) }));
    }
    if (figure.state === 'hidden') {
      return el('td', { class: 'rate hidden-rate', 'data-suppressed': true }, el('span', { class: 'sub', text: reasonWords(figure.reason) }));
    }
    return el('td', { class: 'rate' }, el('span', { class: 'sub', text: T('tab.cell.none') }));
  }

  async function heatmapView(unit, period) {
    const query = new URLSearchParams();
    if (unit) query.set('unit', unit);
    if (period) query.set('period', period);
    const map = await api('/tab/api/heatmap' + (query.toString() ? '?' + query : ''));
    const root = map.breadcrumb.length ? map.breadcrumb[map.breadcrumb.length - 1] : null;
    setCrumbs(map.breadcrumb.map((u) => ({ name: u.name, href: heatmapHref(u.id, map.period) })));
    const title = root ? T('tab.heatmap.title_unit', { unit: root.name }) : T('tab.heatmap.title');
    if (!map.period) {
      show(el('h1', { text: title }), el('p', { class: 'panel', text: T('tab.heatmap.no_months') }));
      return;
    }
    const select = el('select', { id: 'period', onchange: () => { location.hash = heatmapHref(unit, select.value); } },
      map.periods.map((p) => el('option', { value: p, selected: p === map.period, text: monthLabel(p) })));
    const head = el('tr', {}, el('th', { scope: 'col', class: 'unit-col', text: T('tab.heatmap.unit') }), el('th', { scope: 'col', class: 'rate-col', text: T('tab.heatmap.responses') }),
      map.dimensions.map((d) => el('th', { scope: 'col', class: 'dim', text: d.name })));
    const body = el('tbody', {}, map.rows.map((row) => {
      const drill = row.has_children && row.depth > 0;
      const nameButton = el('a', { href: drill ? heatmapHref(row.unit.id, map.period) : unitHref(row.unit.id), class: 'unit-link', text: row.unit.name });
      const kind = el('span', { class: 'kind', text: row.team ? T('tab.kind.team') : T('tab.kind.unit') });
      const actions = drill
        ? el('div', { class: 'row-actions indent' }, el('a', { href: unitHref(row.unit.id), text: T('tab.heatmap.open') }))
        : row.depth === 0 && row.has_children ? el('div', { class: 'row-actions' }, el('span', { class: 'muted', text: T('tab.heatmap.below') })) : null;
      return el('tr', { class: `depth-${row.depth}` },
        el('th', { scope: 'row' }, el('div', { class: 'unit-name' }, nameButton, kind), actions),
        rateCell(row.figure), row.cells.map((cell, i) => heatCell(cell, map.dimensions[i].name)));
    }));
    const table = el('table', { class: 'heatmap' },
      el('caption', { text: T('tab.heatmap.caption', { month: monthLabel(map.period) }) }), el('thead', {}, head), body);
    const legend = el('ul', { class: 'legend', 'aria-label': T('tab.heatmap.legend') },
      [1, 2, 3, 4, 5].map((b) => el('li', {}, el('span', { class: `swatch b${b}` }), T('tab.bin.' + b))),
      el('li', {}, el('span', { class: 'swatch hidden' }), T('tab.heatmap.legend_hidden')));
    const reasons = el('dl', { class: 'reasons' },
      ['too_few', 'complementary', 'period_open', 'hierarchy_changed'].map((r) => [el('dt', { text: reasonWords(r) }), el('dd', { text: T('tab.reason_long.' + r) })]));
    show(
      el('h1', { text: title }),
      el('p', { class: 'lead', text: T('tab.heatmap.lead') }),
      el('div', { class: 'controls' }, el('label', { for: 'period', text: T('tab.heatmap.period') }), select,
        root ? el('a', { href: unitHref(root.id), text: T('tab.heatmap.open_root', { unit: root.name }) }) : null),
      el('section', { class: 'panel', 'aria-label': title },
        el('div', { class: 'table-wrap', tabindex: '0', role: 'region', 'aria-label': T('tab.heatmap.table') }, table),
        legend, reasons));
  }

  // ---- a unit's page ----------------------------------------------------------------------------
  function section(id, title, ...children) {
    return el('section', { class: 'panel', 'aria-labelledby': id }, el('h2', { id, text: title }), ...children);
  }

  // A figure's body: answers and rate, each dimension's distribution and score, what is held back.
  function figureBody(figure) {
    return figure.state === 'shown'
      ? [responseFacts(figure), ...distributions(figure), withheldNote(figure)]
      : [hiddenBlock(figure)];
  }

  // The unit's figures over time: rounds for a team, months for a unit above teams.
  function entries(page) {
    if (page.team && page.rounds.length) {
      return page.rounds.map((r) => ({
        figure: r.figure, short: T('tab.rounds.short', { sequence: r.sequence }),
        title: T('tab.rounds.round', { sequence: r.sequence }), sub: T('tab.rounds.closed', { date: dateLabel(r.closes_on) }),
      }));
    }
    return page.months.map((m) => ({ figure: m.figure, short: monthLabel(m.period), title: monthLabel(m.period), sub: '' }));
  }

  function trendSection(page) {
    const list = entries(page);
    const shown = [...list].reverse().filter((e) => e.figure.state === 'shown');
    const title = page.team && page.rounds.length ? T('tab.rounds.chart') : T('tab.months.chart');
    const children = [el('p', { class: 'lead', text: page.team ? T('tab.trend.lead_team') : T('tab.months.lead') })];
    if (!shown.length) children.push(el('p', { text: T('tab.months.none') }));
    else {
      const baselines = Object.fromEntries(page.baseline.scores.map((b) => [b.dimension, b.score]));
      children.push(...lineChart(shown.map((e) => e.figure), shown.map((e) => e.short), title, baselines));
    }
    return section('trend-title', T('tab.trend.title'), ...children);
  }

  function latestSection(page) {
    const list = entries(page);
    if (!list.length) return section('latest-title', T('tab.latest.title'), el('p', { text: T('tab.rounds.none') }));
    const newest = list[0];
    return section('latest-title', T('tab.latest.title'),
      el('p', { class: 'lead' }, el('strong', { text: newest.title }), newest.sub ? ` · ${newest.sub}` : ''),
      ...figureBody(newest.figure));
  }

  function historySection(page) {
    const children = [];
    const groups = [];
    if (page.team) groups.push([T('tab.rounds.title'), page.rounds.map((r) => ({
      title: T('tab.rounds.round', { sequence: r.sequence }), sub: T('tab.rounds.closed', { date: dateLabel(r.closes_on) }), figure: r.figure,
    }))]);
    groups.push([T('tab.months.title'), page.months.map((m) => ({ title: monthLabel(m.period), sub: '', figure: m.figure }))]);
    for (const [heading, items] of groups) {
      children.push(el('h3', { text: heading }));
      if (!items.length) children.push(el('p', { class: 'muted', text: T('tab.rounds.none') }));
      for (const item of items) {
        const summary = el('summary', {}, item.title, item.sub ? el('span', { class: 'sub', text: item.sub }) : null,
          item.figure.state === 'shown' ? null : el('span', { class: 'sub', text: `· ${reasonWords(item.figure.reason)}` }));
        children.push(el('details', { class: 'round' }, summary, figureBody(item.figure)));
      }
    }
    return section('history-title', T('tab.history.title'), el('p', { class: 'lead', text: T('tab.history.lead') }), ...children);
  }

  function questionsSection(page) {
    if (!page.question_trends.length) return section('questions-title', T('tab.questions.title'), el('p', { text: T('tab.questions.none') }));
    const cards = page.question_trends.map((q) => {
      const points = q.points.map((p) => ({ score: p.score, label: T('tab.rounds.short', { sequence: p.sequence }) }));
      const last = q.points[q.points.length - 1];
      return el('div', { class: 'question' }, el('p', { text: q.text }),
        window.TabCharts.sparkline(points, T('tab.questions.aria', { question: q.text })),
        el('p', { class: 'muted' }, T('tab.questions.now', { sequence: last.sequence }), ' ', el('span', { class: 'now', text: score(last.score) })));
    });
    return section('questions-title', T('tab.questions.title'), el('p', { class: 'lead', text: T('tab.questions.lead') }), el('div', { class: 'small-multiples' }, cards));
  }

  function baselineSection(page) {
    const base = page.baseline;
    if (!base.scores.length) return section('baseline-title', T('tab.baseline.title'), el('p', { text: T('tab.baseline.none') }));
    const latest = (page.rounds.find((r) => r.figure.state === 'shown') || page.months.find((m) => m.figure.state === 'shown') || { figure: { dimensions: [] } }).figure;
    const now = Object.fromEntries(latest.dimensions.map((d) => [d.dimension, d.score]));
    return section('baseline-title', T('tab.baseline.title'),
      base.source ? el('p', { class: 'lead', text: T('tab.baseline.source', { source: base.source }) }) : null,
      el('table', { class: 'plain' },
        el('thead', {}, el('tr', {}, ['col_dimension', 'col_baseline', 'col_latest'].map((c) => el('th', { scope: 'col', text: T('tab.baseline.' + c) })))),
        el('tbody', {}, base.scores.map((b) => el('tr', {}, el('th', { scope: 'row', text: b.name }), el('td', { text: score(b.score) }),
          el('td', { text: b.dimension in now ? score(now[b.dimension]) : '–' }))))));
  }

  function commentsSection(page) {
    const children = [el('p', { class: 'lead', text: T('tab.comments.lead', { n: page.comment_threshold }) })];
    const shown = page.rounds.filter((r) => r.comments_state !== 'hidden');
    if (!shown.length) children.push(el('p', { text: T('tab.comments.none_rounds') }));
    shown.forEach((round, index) => {
      const heading = `${T('tab.rounds.round', { sequence: round.sequence })} · ${dateLabel(round.closes_on)}`;
      let body;
      if (round.comments_state === 'held_back') body = el('p', { class: 'muted', text: T('tab.comments.held_back', { n: page.comment_threshold }) });
      else if (!round.comments.length) body = el('p', { class: 'muted', text: T('tab.comments.none') });
      else body = el('ul', { class: 'comments' }, round.comments.map((c) => el('li', { text: c })));
      children.push(el('details', { class: 'round', open: index < 2 }, el('summary', { text: heading }), body));
    });
    return section('comments-title', T('tab.comments.title'), ...children);
  }

  function planSection(page) {
    if (!page.plan.length) return section('plan-title', T('tab.plan.title'), el('p', { text: T('tab.plan.none') }));
    const rows = page.plan.map((a) => {
      const about = a.addresses_name || (a.addresses && a.addresses.startsWith('theme:') ? T('theme.' + a.addresses.slice(6)) : null);
      let follow = el('td', { class: 'muted', text: '–' });
      if (a.follow_up) {
        const f = a.follow_up.figure;
        follow = f.state === 'shown'
          ? el('td', { text: T('tab.plan.follow_up', { sequence: a.follow_up.sequence, score: score(f.dimensions[0].score) }) })
          : el('td', { class: 'hidden-block', 'data-suppressed': true, text: reasonWords(f.reason) });
      }
      return el('tr', {},
        el('th', { scope: 'row' }, el('span', { class: 'title', text: a.title }), about ? el('span', { class: 'kind', text: ` · ${about}` }) : null,
          el('span', { class: 'sub muted', text: ` · ${T('tab.plan.agreed', { date: dateLabel(a.agreed_on) })}` })),
        el('td', {}, el('span', { class: `badge ${a.status}`, text: T('tab.plan.status.' + a.status) })),
        el('td', { text: a.responsible || '–' }), el('td', { text: a.deadline ? dateLabel(a.deadline) : '–' }), follow);
    });
    return section('plan-title', T('tab.plan.title'), el('div', { class: 'table-wrap' }, el('table', { class: 'plain' },
      el('thead', {}, el('tr', {}, ['col_action', 'col_status', 'col_responsible', 'col_deadline', 'col_follow_up'].map((c) => el('th', { scope: 'col', text: T('tab.plan.' + c) })))),
      el('tbody', {}, rows))));
  }

  // A file from the API: fetched with the sign-in (a plain link would carry none), then saved.
  async function saveFile(path, status) {
    status.textContent = T('tab.loading');
    try {
      const response = await fetch(withLang(path), { headers: headers(), credentials: 'omit' });
      if (!response.ok) throw new Error(String(response.status));
      const url = URL.createObjectURL(await response.blob());
      const name = (response.headers.get('Content-Disposition') || '').match(/filename="([^"]+)"/);
      const link = el('a', { href: url, download: name ? name[1] : 'trivselsbot' });
      document.body.appendChild(link); link.click(); link.remove();
      setTimeout(() => URL.revokeObjectURL(url), 10000);
      status.textContent = T('tab.downloads.done');
    } catch (e) { status.textContent = T('tab.downloads.failed'); }
  }

  function downloadsSection(page) {
    const unit = encodeURIComponent(page.unit.id);
    const status = el('p', { class: 'muted', role: 'status' });
    const csv = el('button', { type: 'button', class: 'primary', text: T('tab.downloads.csv'),
      onclick: () => saveFile(`/tab/api/units/${unit}/results.csv`, status) });
    const children = [el('div', { class: 'downloads' }, csv)];
    const months = page.months.map((m) => m.period);
    if (page.downloads.includes('med_document') && months.length) {
      const select = el('select', { id: 'med-month' }, months.map((p) => el('option', { value: p, text: monthLabel(p) })));
      const get = (format) => () => saveFile(`/tab/api/units/${unit}/med-document?period=${encodeURIComponent(select.value)}&format=${format}`, status);
      children.push(el('h3', { text: T('tab.downloads.med') }), el('p', { class: 'muted', text: T('tab.downloads.med_lead') }),
        el('div', { class: 'downloads' }, el('label', { for: 'med-month', text: T('tab.downloads.month') }), select,
          el('button', { type: 'button', class: 'primary', onclick: get('docx'), text: T('tab.downloads.docx') }),
          el('button', { type: 'button', onclick: get('pdf'), text: T('tab.downloads.pdf') })));
    }
    children.push(status);
    return section('downloads-title', T('tab.downloads.title'), ...children);
  }

  async function unitView(unitId) {
    const page = await api(`/tab/api/units/${encodeURIComponent(unitId)}`);
    setCrumbs(page.breadcrumb.map((u, i) => ({ name: u.name, href: i === page.breadcrumb.length - 1 ? unitHref(u.id) : heatmapHref(u.id) })));
    const header = [
      el('h1', { text: page.unit.name }),
      el('p', { class: 'lead', text: page.team ? T('tab.unit.lead_team') : T('tab.unit.lead_unit') }),
    ];
    if (page.children.length) {
      header.push(el('p', {}, el('a', { href: heatmapHref(page.unit.id), text: T('tab.unit.overview', { count: page.children.length }) })));
    }
    const parts = [...header];
    parts.push(el('div', { class: 'grid-2' }, trendSection(page), latestSection(page)));
    if (page.team) parts.push(questionsSection(page));
    parts.push(el('div', { class: 'grid-2' }, historySection(page), page.team ? commentsSection(page) : baselineSection(page)));
    parts.push(el('div', { class: 'grid-2' }, planSection(page), page.team ? baselineSection(page) : downloadsSection(page)));
    if (page.team) parts.push(downloadsSection(page));
    show(...parts);
  }

  start();
})();
