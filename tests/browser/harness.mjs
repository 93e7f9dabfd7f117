// What every browser test needs: the real binary (all-in-one on SQLite in
// a throwaway directory, an admin user), Debian's chromium driven by
// puppeteer-core, a guard that fails the test when a page asks for
// anything outside the server, and a screenshot per test under the build
// tree.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import puppeteer from 'puppeteer-core';

const need = (name) => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set (the browser tests run under CTest)`);
  return value;
};

export const PASSWORD = 'correct horse battery';

export class Server {
  constructor(plugins) {
    this.dir = mkdtempSync(join(tmpdir(), 'orchestra-browser-'));
    mkdirSync(join(this.dir, 'var', 'blobs'), { recursive: true });
    this.config = join(this.dir, 'orchestra.yaml');
    writeFileSync(this.config, [
      'server:', '  listen: 127.0.0.1:0', '  threads: 2', '  handler_threads: 4', '  validate_responses: true',
      'database:', '  url: sqlite:///var/test.db', `  migrations_dir: ${need('ORCHESTRA_SOURCE_DIR')}/sql`,
      'worker:', '  listen: 127.0.0.1:0',
      'blobs:', '  local:', '    roots: [var/blobs]',
      'plugins:', `  dir: ${need('ORCHESTRA_PLUGIN_DIR')}`, `  enabled: [${plugins.join(', ')}]`,
      '  steam-sync:', '    schedules: {pick_stalest: {enabled: false}, refresh_app_list: {enabled: false}}',
      '',
    ].join('\n'));
  }

  run(args, input = {}) {
    const result = spawnSync(need('ORCHESTRA_BINARY'), [...args, '--config', this.config],
                             { cwd: this.dir, env: { ...process.env, ...input }, encoding: 'utf8' });
    if (result.status !== 0) throw new Error(`orchestra ${args.join(' ')}: ${result.stderr || result.stdout}`);
    return result.stdout;
  }

  async start() {
    this.run(['user', 'create', '--login', 'admin', '--admin'], { ORCHESTRA_USER_PASSWORD: PASSWORD });
    this.log = join(this.dir, 'server.log');
    const out = (await import('node:fs')).openSync(this.log, 'a');
    this.process = spawn(need('ORCHESTRA_BINARY'), ['--role', 'all', '--config', this.config],
                         { cwd: this.dir, stdio: ['ignore', out, out] });
    const deadline = Date.now() + 20000;
    while (Date.now() < deadline) {
      const port = /listening on http:\/\/127\.0\.0\.1:(\d+) \(api/.exec(readFileSync(this.log, 'utf8'));
      if (port) {
        this.origin = `http://127.0.0.1:${port[1]}`;
        return this;
      }
      if (this.process.exitCode !== null) break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw new Error(`orchestra did not start:\n${readFileSync(this.log, 'utf8')}`);
  }

  async adminToken() {
    if (!this.token) {
      const login = await fetch(`${this.origin}/api/v1/auth/login`, { method: 'POST',
        headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ login: 'admin', password: PASSWORD }) });
      this.token = (await login.json()).access_token;
    }
    return this.token;
  }

  // The API as the admin, for setting up what a test needs.
  async api(method, path, body) {
    const answer = await fetch(`${this.origin}${path}`, { method, body: body && JSON.stringify(body),
      headers: { Authorization: `Bearer ${await this.adminToken()}`, 'Content-Type': 'application/json' } });
    const text = await answer.text();
    if (!answer.ok) throw new Error(`${method} ${path}: ${answer.status} ${text}`);
    return text ? JSON.parse(text) : null;
  }

  stop() {
    if (this.process && this.process.exitCode === null) this.process.kill('SIGKILL');
    rmSync(this.dir, { recursive: true, force: true });
  }
}

export async function openBrowser(server) {
  const browser = await puppeteer.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--no-first-run'],
  });
  const page = await browser.newPage();
  await page.setViewport({ width: 1100, height: 900 });
  const outside = [];
  const failures = [];
  await page.setRequestInterception(true);
  page.on('request', (request) => {
    const url = request.url();
    if (url.startsWith(server.origin) || url.startsWith('data:') || url.startsWith('blob:')) request.continue();
    else {
      outside.push(url);
      request.abort();
    }
  });
  page.on('pageerror', (error) => failures.push(`page error: ${error.message}`));
  // API answers such as 401 before signing in are the page's business;
  // the console's own files must all load.
  page.on('console', (message) => {
    if (message.type() === 'error' && !message.text().startsWith('Failed to load resource')) {
      failures.push(`console error: ${message.text()}`);
    }
  });
  page.on('response', (response) => {
    const path = new URL(response.url()).pathname;
    if (response.status() >= 400 && !path.startsWith('/api/')) failures.push(`${path} answered ${response.status()}`);
  });
  return { browser, page, outside, failures };
}

export async function signIn(page, server) {
  await page.goto(`${server.origin}/console`, { waitUntil: 'networkidle0' });
  await page.type('#login', 'admin');
  await page.type('#password', PASSWORD);
  await page.click('button[type=submit]');
  await page.waitForSelector('nav a[aria-current="page"]', { timeout: 10000 });
}

// The whole page, or the window when the page is very long (/docs).
export async function screenshot(page, name) {
  const dir = need('ORCHESTRA_ARTIFACTS');
  mkdirSync(dir, { recursive: true });
  const height = await page.evaluate(() => document.documentElement.scrollHeight);
  await page.screenshot({ path: join(dir, `${name}.png`), fullPage: height <= 2500 });
  rmSync(join(dir, `${name}-failed.png`), { force: true });
}

export function check(condition, message) {
  if (!condition) throw new Error(message);
}

// Runs the test named on the command line from `tests` with a fresh
// server and browser; exits non-zero with one readable line on failure.
export async function main(tests, plugins) {
  const name = process.argv[2];
  const test = tests[name];
  if (!test) {
    console.error(`unknown test ${JSON.stringify(name)}; expected one of ${Object.keys(tests).join(', ')}`);
    process.exit(2);
  }
  const server = new Server(plugins);
  let opened = null;
  try {
    await server.start();
    opened = await openBrowser(server);
    await test({ server, ...opened });
    await screenshot(opened.page, name);
    check(opened.outside.length === 0, `the page asked for something outside the server: ${opened.outside.join(', ')}`);
    check(opened.failures.length === 0, opened.failures.join('; '));
    console.log(`${name}: passed`);
  } catch (error) {
    if (opened) {
      await opened.page.screenshot({ path: join(need('ORCHESTRA_ARTIFACTS'), `${name}-failed.png`) }).catch(() => {});
    }
    console.error(`${name}: ${error.stack || error.message}`);
    console.error(`server log:\n${readFileSync(join(server.dir, 'server.log'), 'utf8').split('\n').slice(-30).join('\n')}`);
    process.exitCode = 1;
  } finally {
    if (opened) await opened.browser.close();
    server.stop();
  }
}
