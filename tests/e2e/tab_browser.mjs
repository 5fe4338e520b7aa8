#!/usr/bin/env node
// Headless Chromium (Debian's, through playwright-core) loading the Resultater tab as Teams does.
//
//   echo '<json>' | node tests/e2e/tab_browser.mjs
//
// Teams runs a static tab in an iframe of https://teams.microsoft.com and answers TeamsJS's
// messages (initialize, getContext, authentication.getAuthToken) through postMessage. Here a host
// page stands in for Teams at that very origin (the browser's requests for it are answered from
// this script), so the real TeamsJS in the page talks to it as to Teams, origin checks and all.
// The tab itself is asked for at https://<publicHost>/tab and each request is passed on to the
// bot under test on 127.0.0.1. TeamsJS's own look-up of valid origins on a CDN is refused, as the
// page's Content Security Policy refuses it in Teams.
//
// Input: {"botUrl", "publicHost", "steps": [...]}; steps:
//   {"action": "open", "token": "<jwt>"|null, "locale": "da-dk", "theme": "default", "hash": "#/…"}
//   {"action": "wait", "selector": "css", "text"?: "…"}
//   {"action": "select", "selector": "css", "value": "2026-07"}        (keyboard: focus, arrows)
//   {"action": "tabTo", "selector": "css", "max"?: 60}   Tab from the top until it has focus
//   {"action": "enter"}                                  press Enter on what has focus
//   {"action": "screenshot", "path": "/abs.png", "fullPage"?: true}
//   {"action": "axe"}     axe-core on the tab's document: violations (serious/critical counted)
//   {"action": "scan"}    no number in a suppressed cell (text, attributes) or a hidden figure's data
//   {"action": "text"}    the tab's visible text
// Output: one JSON line {"ok", "steps": [{action, ok, result?, error?}]}; exit 0 when all passed.

import { chromium } from 'playwright-core';
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const CHROMIUM_ARGS = [
  '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
  '--disable-sync', '--no-first-run', '--disable-quic',
];
const HOST_ORIGIN = 'https://teams.microsoft.com';
const AXE_SOURCE = fs.readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

async function readInput() {
  const chunks = [];
  for await (const c of process.stdin) chunks.push(c);
  return JSON.parse(Buffer.concat(chunks).toString('utf8'));
}

// The stand-in for Teams: answers TeamsJS as the Teams web client does (legacy context shape).
function hostPage(tabUrl, token, locale, theme) {
  const context = { locale, theme, frameContext: 'content', hostClientType: 'web', entityId: 'results' };
  return `<!doctype html><html><head><meta charset="utf-8"><title>Teams (test host)</title>
<style>html,body{margin:0;background:#f5f5f5}iframe{border:0;width:100%;height:100vh;display:block}</style></head>
<body><iframe id="tab" title="Resultater" src="${tabUrl}"></iframe>
<script>
const TOKEN = ${JSON.stringify(token)};
const CONTEXT = ${JSON.stringify(context)};
window.addEventListener('message', (event) => {
  const message = event.data;
  if (!message || typeof message !== 'object' || typeof message.func !== 'string') return;
  let args = [];
  if (message.func === 'initialize') args = ['content', 'web', '2.0.0'];
  else if (message.func === 'getContext') args = [CONTEXT];
  else if (message.func === 'authentication.getAuthToken') args = TOKEN ? [true, TOKEN] : [false, 'resourceRequiresConsent'];
  event.source.postMessage({ id: message.id, uuidAsString: message.uuidAsString, args }, event.origin);
});
</script></body></html>`;
}

function numbersIn(value, where, found) {
  if (typeof value === 'number') found.push(where);
  else if (Array.isArray(value)) value.forEach((v, i) => numbersIn(v, `${where}[${i}]`, found));
  else if (value && typeof value === 'object') for (const [k, v] of Object.entries(value)) numbersIn(v, `${where}.${k}`, found);
}

// Every object of the API's data that says state "hidden": none may hold a number anywhere.
function hiddenData(bodies) {
  let hidden = 0;
  const bad = [];
  const walk = (value, where) => {
    if (Array.isArray(value)) { value.forEach((v, i) => walk(v, `${where}[${i}]`)); return; }
    if (!value || typeof value !== 'object') return;
    if (value.state === 'hidden') { hidden += 1; numbersIn(value, where, bad); }
    for (const [k, v] of Object.entries(value)) walk(v, `${where}.${k}`);
  };
  bodies.forEach((b) => walk(b.json, b.path));
  return { hidden, bad };
}

function scanDom() {
  const cells = [...document.querySelectorAll('[data-suppressed], td.cell.hidden')];
  const bad = [];
  for (const cell of cells) {
    if (/\d/.test(cell.textContent)) bad.push(`text: ${cell.textContent}`);
    for (const node of [cell, ...cell.querySelectorAll('*')]) {
      for (const attribute of node.attributes) {
        if (/\d/.test(attribute.name) || /\d/.test(attribute.value)) bad.push(`attribute ${attribute.name}="${attribute.value}"`);
      }
    }
  }
  return { cells: cells.length, heatmapHidden: document.querySelectorAll('td.cell.hidden').length, bad };
}

async function main() {
  const input = await readInput();
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium', args: CHROMIUM_ARGS, headless: true,
  });
  const context = await browser.newContext({ viewport: { width: 1280, height: 860 }, deviceScaleFactor: 1 });
  let bodies = [];
  let host = { token: null, locale: 'da-dk', theme: 'default', tabUrl: '' };
  const tabOrigin = `https://${input.publicHost}`;
  await context.route(`${HOST_ORIGIN}/**`, (route) => route.fulfill({
    status: 200, contentType: 'text/html', body: hostPage(host.tabUrl, host.token, host.locale, host.theme),
  }));
  await context.route(`${tabOrigin}/**`, async (route) => {
    const url = new URL(route.request().url());
    const response = await route.fetch({ url: input.botUrl + url.pathname + url.search });
    if (url.pathname.startsWith('/tab/api/') && (response.headers()['content-type'] || '').includes('json')) {
      bodies.push({ path: url.pathname, json: await response.json() });
    }
    await route.fulfill({ response });
  });
  await context.route('https://res.cdn.office.net/**', (route) => route.abort());
  const page = await context.newPage();
  const consoleErrors = [];
  page.on('console', (m) => { if (m.type() === 'error') consoleErrors.push(m.text()); });
  const frame = () => page.frames().find((f) => f.url().startsWith(tabOrigin));

  const steps = [];
  let ok = true;
  for (const step of input.steps) {
    const started = Date.now();
    try {
      let result;
      if (step.action === 'open') {
        bodies = [];
        host = {
          token: step.token, locale: step.locale || 'da-dk', theme: step.theme || 'default',
          tabUrl: `${tabOrigin}/tab?locale=${step.locale || 'da-dk'}&theme=${step.theme || 'default'}${step.hash || ''}`,
        };
        await page.setViewportSize({ width: 1280, height: 860 });
        await page.goto(`${HOST_ORIGIN}/_host`, { waitUntil: 'load' });
        await page.waitForFunction(() => !!document.querySelector('iframe'));
        await frame().waitForSelector('main[aria-busy="false"]', { timeout: 20000 });
        result = { url: host.tabUrl };
      } else if (step.action === 'wait') {
        const locator = frame().locator(step.selector, step.text ? { hasText: step.text } : {});
        await locator.first().waitFor({ state: 'visible', timeout: 15000 });
        await frame().waitForSelector('main[aria-busy="false"]', { timeout: 15000 });
      } else if (step.action === 'select') {
        await frame().locator(step.selector).focus();
        await frame().selectOption(step.selector, step.value);
        await frame().waitForFunction((v) => location.hash.includes(v), step.value);
        await frame().waitForSelector('main[aria-busy="false"]', { timeout: 15000 });
      } else if (step.action === 'tabTo') {
        await frame().evaluate(() => { document.activeElement && document.activeElement.blur(); window.focus(); });
        await frame().locator('body').focus().catch(() => {});
        let reached = false;
        const max = step.max || 60;
        let presses = 0;
        for (; presses < max && !reached; presses += 1) {
          await page.keyboard.press('Tab');
          reached = await frame().evaluate((s) => !!document.activeElement && document.activeElement.matches(s), step.selector);
        }
        if (!reached) throw new Error(`Tab never reached ${step.selector}`);
        result = { presses };
      } else if (step.action === 'enter') {
        const before = await frame().evaluate(() => location.hash);
        await page.keyboard.press('Enter');
        await frame().waitForFunction((h) => location.hash !== h, before, { timeout: 10000 });
        await frame().waitForSelector('main[aria-busy="false"]', { timeout: 15000 });
        result = { hash: await frame().evaluate(() => location.hash) };
      } else if (step.action === 'screenshot') {
        const height = await frame().evaluate(() => document.documentElement.scrollHeight);
        if (step.fullPage) {
          await page.setViewportSize({ width: 1280, height: Math.min(6000, height + 8) });
          await page.waitForTimeout(150);
        }
        fs.mkdirSync(path.dirname(step.path), { recursive: true });
        await page.screenshot({ path: step.path });
        result = { path: step.path, height };
      } else if (step.action === 'axe') {
        await frame().evaluate(AXE_SOURCE);
        const violations = await frame().evaluate(async () => {
          const report = await window.axe.run(document, { resultTypes: ['violations'] });
          return report.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.slice(0, 3).map((n) => n.target.join(' ')) }));
        });
        result = { violations, serious: violations.filter((v) => ['serious', 'critical'].includes(v.impact)).length };
      } else if (step.action === 'scan') {
        result = { dom: await frame().evaluate(scanDom), data: hiddenData(bodies) };
      } else if (step.action === 'text') {
        result = { text: await frame().evaluate(() => document.body.innerText) };
      } else {
        throw new Error(`unknown action ${step.action}`);
      }
      steps.push({ action: step.action, ok: true, ms: Date.now() - started, result });
    } catch (error) {
      ok = false;
      let text = '';
      try { text = await frame().evaluate(() => document.body.innerText.slice(0, 2000)); } catch (e) { text = ''; }
      steps.push({ action: step.action, ok: false, ms: Date.now() - started, error: String(error && error.stack || error), text, consoleErrors });
      break;
    }
  }
  await browser.close();
  process.stdout.write(JSON.stringify({ ok, steps, consoleErrors }) + '\n');
  process.exit(ok ? 0 : 1);
}

main().catch((error) => {
  process.stdout.write(JSON.stringify({ ok: false, error: String(error && error.stack || error) }) + '\n');
  process.exit(1);
});
