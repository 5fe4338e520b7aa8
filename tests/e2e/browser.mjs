#!/usr/bin/env node
// Scripted driver for the Agents Playground web UI in headless Debian chromium (playwright-core).
//
//   node tests/e2e/browser.mjs '<json>'      or      echo '<json>' | node tests/e2e/browser.mjs
//
// Input: {"baseUrl": "http://127.0.0.1:PORT", "steps": [...], "artifactsDir": "/tmp/x", "stepTimeoutMs": 10000}
// (a bare JSON list is taken as the steps). Output: one JSON line on stdout:
//   {"ok": bool, "steps": [{"index", "action", "ok", "ms", "result"?, "error"?}], "error"?,
//    "errorScreenshot"?, "errorChatText"?, "requests": [{method, path, body}], "results": {name: value}}
// Exit code 0 when every step passed, 1 otherwise. Steps are listed in README-e2e.md.

import { chromium } from 'playwright-core';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const CHROMIUM_ARGS = [
  '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
  '--disable-sync', '--no-first-run', '--disable-quic',
];

// ---- selectors (found by loading the 0.2.28 UI in chromium; see README-e2e.md) -------------
const SEL = {
  editor: '[data-lexical-editor="true"][role="textbox"]',
  navRegion: '[role="region"][aria-label="Chat and Teams Channel"]',
  conversationItem: '[role="treeitem"]',
  hideLogPanel: 'button[title="Hide log panel"]',
  typeaheadItem: '#typeahead-menu [role="menuitem"]',
  card: '.ac-adaptiveCard',
  dialog: '[role="dialog"]',
  mockMenuButton: 'button[aria-labelledby="mockActivityMenuButtonText"]',
  sendButton: 'button[aria-label="Send Message"]',
  pane: '[data-e2e="chat-pane"]',
};
// "Mock an Activity" menu items: aria-labelledby="customActivity<Kind>ButtonText".
const MOCK_KINDS = {
  install: 'Install', uninstall: 'Uninstall', userAdded: 'UserAdded', botAdded: 'BotAdded',
  userRemoved: 'UserRemoved', botRemoved: 'BotRemoved', channelCreated: 'ChannelCreated',
  channelDeleted: 'ChannelDeleted', channelRenamed: 'ChannelRenamed', teamDeleted: 'TeamDeleted',
  teamRenamed: 'TeamRenamed', custom: 'CreateCustomActivity',
};

async function readInput() {
  if (process.argv[2]) return JSON.parse(process.argv[2]);
  const chunks = [];
  for await (const c of process.stdin) chunks.push(c);
  return JSON.parse(Buffer.concat(chunks).toString('utf8'));
}

// In-page helpers, installed before the app loads. mark() tags the conversation column (between the
// left rail and the log panel) with data-e2e="chat-pane", so text look-ups never match the log
// panel, which repeats every message. It runs again before every look-up because React re-creates
// the column when the conversation changes.
function installPageHelpers() {
  window.__e2e = {
    mark(sel) {
      const nav = document.querySelector(sel.navRegion);
      const logBtn = document.querySelector(sel.hideLogPanel);
      const editor = document.querySelector(sel.editor);
      if (!editor) return false;
      let el = editor;
      while (el.parentElement && el.parentElement !== document.body) {
        const p = el.parentElement;
        if ((nav && p.contains(nav)) || (logBtn && p.contains(logBtn))) break;
        el = p;
      }
      for (const old of document.querySelectorAll('[data-e2e="chat-pane"]')) {
        if (old !== el) old.removeAttribute('data-e2e');
      }
      el.setAttribute('data-e2e', 'chat-pane');
      return true;
    },
    paneText(sel) {
      if (!this.mark(sel)) return '';
      const pane = document.querySelector(sel.pane);
      return pane ? pane.innerText : '';
    },
  };
}

class Driver {
  constructor(page, opts) {
    this.page = page;
    this.baseUrl = opts.baseUrl;
    this.artifactsDir = opts.artifactsDir;
    this.timeout = opts.stepTimeoutMs || 10000;
    this.results = {};
    this.conversation = 'Personal Chat';
  }

  async markPane() {
    await this.page.waitForFunction((sel) => window.__e2e.mark(sel), SEL, { timeout: this.timeout });
  }

  pane() { return this.page.locator(SEL.pane); }

  async paneText() {
    return this.page.evaluate((sel) => (window.__e2e ? window.__e2e.paneText(sel) : ''), SEL).catch(() => '');
  }

  resolvePath(p, fallback) {
    const name = p || fallback;
    if (path.isAbsolute(name)) return name;
    return path.join(this.artifactsDir || os.tmpdir(), name);
  }

  // The last card in the chat pane, optionally one that contains `card` (as written: Playwright's
  // string match ignores case, so "Pulse check" would also find HR's status card "… (pulse check)"),
  // or that has a button `button`.
  async findCard({ card, button, timeout }) {
    await this.markPane();
    let loc = this.pane().locator(SEL.card);
    if (card) loc = loc.filter({ hasText: new RegExp(card.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')) });
    if (button) loc = loc.filter({ has: this.page.getByRole('button', { name: button, exact: true }) });
    const last = loc.last();
    await last.waitFor({ state: 'visible', timeout: timeout || this.timeout });
    return last;
  }

  // ---- steps -------------------------------------------------------------------------------
  async open(step) {
    const url = step.url || this.baseUrl;
    await this.page.goto(url, { waitUntil: 'domcontentloaded', timeout: step.timeout || 30000 });
    await this.page.locator(SEL.editor).first().waitFor({ state: 'visible', timeout: step.timeout || 30000 });
    if (step.hideLogPanel) await this.page.locator(SEL.hideLogPanel).click();
    await this.markPane();
    return { url };
  }

  // conversation: "personal" | "group" | "General" | "Announcements" | any treeitem aria-label,
  // e.g. "Personal Chat", "Group Chat", "My Team - General".
  async select(step) {
    const want = step.conversation || step.name;
    const aliases = { personal: 'Personal Chat', group: 'Group Chat' };
    const label = aliases[want] || want;
    let item = this.page.locator(`${SEL.conversationItem}[aria-label="${label}"]`);
    if ((await item.count()) === 0) item = this.page.locator(`${SEL.conversationItem}[aria-label$=" - ${label}"]`);
    if ((await item.count()) === 0) throw new Error(`no conversation "${want}" in the left rail`);
    await item.first().click();
    this.conversation = await item.first().getAttribute('aria-label');
    await this.markPane();
    return { selected: this.conversation };
  }

  // Type into the conversation's main editor (personal/group: the compose box; channel: "Start a new
  // post") and press Enter. `mention`: a name to @mention through the UI's typeahead (as a person
  // does; default for channels and group chats is the bot, set mention:false to skip).
  async send(step) {
    await this.markPane();
    const editor = this.pane().locator(SEL.editor).first();
    await editor.click();
    let mention = step.mention;
    if (mention === undefined && !/^Personal Chat$/.test(this.conversation || '')) mention = step.botName || 'Test Bot';
    if (mention) {
      await this.page.keyboard.type('@' + mention.slice(0, Math.min(4, mention.length)));
      const item = this.page.locator(SEL.typeaheadItem, { hasText: mention }).first();
      await item.waitFor({ state: 'visible', timeout: this.timeout });
      await item.click();
      await this.page.keyboard.type(' ');
    }
    await this.page.keyboard.type(step.text);
    await this.page.keyboard.press('Enter');
    return { sent: step.text, mention: mention || null };
  }

  // Wait until `text` is visible in the chat pane (within: "page" for the whole page).
  // `text` is one text, or a list of which any one will do (a welcome whose language is decided
  // by whichever of the Playground's two install events arrives first).
  async wait_text(step) {
    const t0 = Date.now();
    const timeout = step.timeout || this.timeout;
    const texts = Array.isArray(step.text) ? step.text : [step.text];
    let found;
    try {
      found = await this.page.waitForFunction(
        ([sel, wanted, scope]) => {
          const shown = scope === 'page' ? document.body.innerText : window.__e2e.paneText(sel);
          return wanted.find((text) => shown.includes(text)) || false;
        },
        [SEL, texts, step.within || 'chat'],
        { timeout, polling: 100 },
      );
    } catch (e) {
      throw new Error(`text ${JSON.stringify(step.text)} did not appear in the ${step.within || 'chat'} pane within ${timeout} ms`);
    }
    return { found: await found.jsonValue(), waitedMs: Date.now() - t0 };
  }

  async wait_gone(step) {
    const timeout = step.timeout || this.timeout;
    try {
      await this.page.waitForFunction(
        ([sel, text]) => !window.__e2e.paneText(sel).includes(text),
        [SEL, step.text],
        { timeout, polling: 100 },
      );
    } catch (e) {
      throw new Error(`text ${JSON.stringify(step.text)} still in the chat pane after ${timeout} ms`);
    }
    return { gone: step.text };
  }

  // Click a button on an Adaptive Card by its title. `card`: text the card must contain (default: the
  // last card that has such a button).
  async click(step) {
    const card = await this.findCard({ card: step.card, button: step.text, timeout: step.timeout });
    await card.getByRole('button', { name: step.text, exact: true }).click();
    return { clicked: step.text };
  }

  // Choose a value in an Input.ChoiceSet: expanded (radio), multi-select (checkbox) or compact
  // (combobox/listbox, or a native <select>). `choice` is the choice's title.
  // Radio choices on one card, checked again until all of them stay checked: `choices` is a list
  // of {group, choice} (an option's title) or {group, position} (its place); `groups` + `position`
  // is the same option in each of the first `groups` sets. The Playground re-renders the chat when
  // a message or a card update arrives, and a re-render clears a half-filled card: on a busy
  // machine that can happen between two choices.
  async answer_all(step) {
    const wanted = step.choices
      || Array.from({ length: step.groups }, (_, group) => ({ group, position: step.position }));
    const deadline = Date.now() + (step.timeout || 30000);
    let last = null;
    while (Date.now() < deadline) {
      try {
        const card = await this.findCard({ card: step.card, timeout: 5000 });
        const groups = card.getByRole('radiogroup');
        const radio = (want) => {
          const options = groups.nth(want.group);
          return want.choice !== undefined
            ? options.getByRole('radio', { name: want.choice, exact: true }).first()
            : options.getByRole('radio').nth(want.position);
        };
        for (const want of wanted) {
          if (!(await radio(want).isChecked({ timeout: 5000 }))) await radio(want).check({ timeout: 5000 });
        }
        await this.page.waitForTimeout(300);
        let kept = 0;
        for (const want of wanted) if (await radio(want).isChecked({ timeout: 5000 })) kept += 1;
        if (kept === wanted.length) return { answered: kept };
        last = new Error(`${kept} of ${wanted.length} choices stayed checked`);
      } catch (error) {
        last = error;
      }
    }
    throw new Error(`could not answer the card "${step.card}": ${last && last.message}`);
  }

  // One choice, tried again (on a card found afresh) until it holds: a re-render of the chat,
  // when a message or a card update arrives, replaces the card under the locator or clears a tick.
  async choose(step) {
    const deadline = Date.now() + (step.timeout || 30000);
    let last = null;
    while (Date.now() < deadline) {
      try {
        const chosen = await this.chooseOnce(step);
        if (chosen.holds === undefined || (await this.page.waitForTimeout(300), await chosen.holds())) {
          delete chosen.holds;
          return chosen;
        }
        last = new Error(`the choice "${step.choice ?? step.position}" did not stay`);
      } catch (error) {
        last = error;
      }
    }
    throw last || new Error(`no choice "${step.choice}" on the card`);
  }

  async chooseOnce(step) {
    const card = await this.findCard({ card: step.card, timeout: 5000 });
    const name = step.choice;
    // `group` picks the n-th choice set of the card, for cards whose questions share labels.
    const scope = step.group !== undefined ? card.getByRole('radiogroup').nth(step.group) : card;
    // `position` picks the n-th option of the group instead of a title (scales differ per question).
    if (step.position !== undefined) {
      const option = scope.getByRole('radio').nth(step.position);
      await option.check({ timeout: 5000 });
      return { chose: step.position, kind: 'radio', holds: () => option.isChecked() };
    }
    const radio = scope.getByRole('radio', { name, exact: true });
    if (await radio.count()) {
      await radio.first().check({ timeout: 5000 });
      return { chose: name, kind: 'radio', holds: () => radio.first().isChecked() };
    }
    const box = card.getByRole('checkbox', { name, exact: true });
    if (await box.count()) {
      if (step.uncheck) await box.first().uncheck({ timeout: 5000 });
      else await box.first().check({ timeout: 5000 });
      const holds = async () => (await box.first().isChecked()) === !step.uncheck;
      return { chose: name, kind: 'checkbox', holds };
    }
    const select = card.locator('select');
    if (await select.count()) {
      const target = step.input ? card.locator(`select[id*="${step.input}"]`) : select.first();
      await target.selectOption({ label: name });
      return { chose: name, kind: 'select' };
    }
    const combos = card.getByRole('combobox');
    if (await combos.count()) {
      const combo = step.comboIndex !== undefined ? combos.nth(step.comboIndex) : combos.first();
      await combo.click();
      await this.page.getByRole('option', { name, exact: true }).first().click();
      return { chose: name, kind: 'combobox' };
    }
    throw new Error(`no choice "${name}" on the card`);
  }

  // Fill an Input.Text/Number/Date on a card, found by placeholder or accessible label.
  async fill(step) {
    const card = await this.findCard({ card: step.card, timeout: step.timeout });
    let input = card.getByPlaceholder(step.field, { exact: true });
    if (!(await input.count())) input = card.getByLabel(step.field, { exact: true });
    if (!(await input.count())) input = card.locator(`[id*="${step.field}"]`);
    await input.first().fill(String(step.value));
    return { filled: step.field };
  }

  // Trigger the UI's own "Mock an Activity" flow for the selected conversation: menu item → dialog
  // showing the activity JSON → "Send activity". kind: install | uninstall | userAdded | botAdded |
  // userRemoved | botRemoved | channelCreated | channelDeleted | channelRenamed | teamDeleted | teamRenamed.
  async mock_activity(step) {
    const kind = MOCK_KINDS[step.kind];
    if (!kind) throw new Error(`unknown mock activity "${step.kind}"`);
    await this.page.locator(SEL.mockMenuButton).click();
    const item = this.page.locator(`[role="menuitem"][aria-labelledby="customActivity${kind}ButtonText"]`);
    await item.click({ timeout: this.timeout });
    const dialog = this.page.locator(SEL.dialog);
    await dialog.waitFor({ state: 'visible', timeout: this.timeout });
    const send = dialog.getByRole('button', { name: 'Send activity' });
    await this.page.waitForFunction((s) => { const b = document.querySelector(s); return b && [...b.querySelectorAll('button')].some((x) => x.textContent === 'Send activity' && !x.disabled); }, SEL.dialog, { timeout: this.timeout });
    await send.click();
    await dialog.waitFor({ state: 'hidden', timeout: this.timeout });
    return { mocked: step.kind };
  }

  async install(step) { return this.mock_activity({ ...step, kind: 'install' }); }

  async screenshot(step) {
    const file = this.resolvePath(step.path, `screenshot-${Date.now()}.png`);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    await this.page.screenshot({ path: file, fullPage: !!step.fullPage });
    return { path: file };
  }

  async dump_text(step) {
    const text = await this.paneText();
    if (step.name) this.results[step.name] = text;
    return { text };
  }

  // Texts of all cards in the chat pane (oldest first).
  async cards(step) {
    await this.markPane();
    const texts = await this.pane().locator(SEL.card).allInnerTexts();
    if (step.name) this.results[step.name] = texts;
    return { cards: texts };
  }

  // What the last card having `card` draws: each chart as the renderer shows it (a region with
  // role=alert and an aria-label, Teams' chart renderer), its lines (svg paths) and bars, and the
  // card's whole text. `path`: a screenshot of that card alone.
  async card_charts(step) {
    const card = await this.findCard({ card: step.card, timeout: step.timeout });
    await card.scrollIntoViewIfNeeded();
    const found = await card.evaluate((el) => ({
      charts: [...el.querySelectorAll('[role="alert"][aria-label]')].map((c) => ({
        label: c.getAttribute('aria-label'),
        svgs: c.querySelectorAll('svg').length,
        paths: c.querySelectorAll('svg path').length,
        bars: c.querySelectorAll('[role="button"]').length,
        text: c.innerText,
      })),
      svgs: el.querySelectorAll('svg').length,
      text: el.innerText,
    }));
    if (step.path) {
      found.path = this.resolvePath(step.path);
      fs.mkdirSync(path.dirname(found.path), { recursive: true });
      await card.screenshot({ path: found.path });
    }
    if (step.name) this.results[step.name] = found;
    return found;
  }

  async wait(step) { await this.page.waitForTimeout(step.ms || 500); return {}; }
}

async function main() {
  const input = await readInput();
  const opts = Array.isArray(input) ? { steps: input } : input;
  opts.baseUrl = opts.baseUrl || process.env.PLAYGROUND_URL || 'http://127.0.0.1:56150';
  const out = { ok: true, steps: [], requests: [], results: {} };
  const userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'e2e-chromium-'));
  let context;
  try {
    context = await chromium.launchPersistentContext(userDataDir, {
      executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
      headless: true,
      args: CHROMIUM_ARGS,
      viewport: { width: opts.width || 1400, height: opts.height || 900 },
      locale: opts.locale || 'en-US',
    });
    // Only the Playground itself: fonts/animations from the Office CDN would just time out offline.
    await context.route((url) => !['localhost', '127.0.0.1'].includes(url.hostname), (route) => route.abort());
    const page = context.pages()[0] || (await context.newPage());
    await context.addInitScript(installPageHelpers);
    page.on('request', (r) => {
      const u = new URL(r.url());
      if (r.method() !== 'GET' && /^\/_(conversation|internal|debug)\//.test(u.pathname)) {
        let body = r.postData();
        try { body = JSON.parse(body); } catch { /* keep text */ }
        out.requests.push({ method: r.method(), path: u.pathname, body });
      }
    });
    const pageErrors = [];
    page.on('pageerror', (e) => pageErrors.push(String(e)));
    const driver = new Driver(page, opts);
    for (const [index, step] of opts.steps.entries()) {
      const action = step.action;
      const t0 = Date.now();
      const rec = { index, action };
      out.steps.push(rec);
      try {
        if (typeof driver[action] !== 'function' || action === 'constructor') throw new Error(`unknown action "${action}"`);
        const result = await driver[action](step);
        rec.ok = true;
        if (result && Object.keys(result).length) rec.result = result;
      } catch (e) {
        rec.ok = false;
        rec.error = String(e && e.message ? e.message : e).split('\n').slice(0, 6).join('\n');
        out.ok = false;
        out.error = rec.error;
        try {
          out.errorScreenshot = driver.resolvePath(null, `error-step${index}-${action}.png`);
          await page.screenshot({ path: out.errorScreenshot });
        } catch { delete out.errorScreenshot; }
        out.errorChatText = await driver.paneText();
        break;
      } finally {
        rec.ms = Date.now() - t0;
      }
    }
    out.results = driver.results;
    if (pageErrors.length) out.pageErrors = pageErrors.slice(0, 10);
  } catch (e) {
    out.ok = false;
    out.error = String(e && e.stack ? e.stack : e);
  } finally {
    if (context) await context.close().catch(() => {});
    fs.rmSync(userDataDir, { recursive: true, force: true });
  }
  process.stdout.write(JSON.stringify(out) + '\n');
  process.exitCode = out.ok ? 0 : 1;
}

main();
