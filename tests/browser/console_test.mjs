// The console and the API reference in a real browser: signing in, a
// calculator expression finishing live, retrying a dead task, searching
// with highlights, every plugin's page (a live inbox, a CSV sum), a
// phone-width screen, and "try it out" on /docs.
//   node console_test.mjs <test>    (CTest runs each test by name)
import { main, signIn, check } from './harness.mjs';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

// Waits until one of the elements `selector` finds has text matching `pattern`.
const waitText = (page, selector, pattern, timeout = 15000) =>
  page.waitForFunction((s, p) => [...document.querySelectorAll(s)].some((node) => new RegExp(p).test(node.textContent)),
                       { timeout }, selector, pattern);

const tests = {
  async 'sign-in'({ server, page }) {
    await page.goto(`${server.origin}/console`, { waitUntil: 'networkidle0' });
    await page.type('#login', 'admin');
    await page.type('#password', 'wrong password!');
    await page.click('button[type=submit]');
    await waitText(page, '[role=alert]', '.');  // the server's reason, shown
    await page.$eval('#password', (input) => { input.value = ''; });
    await signIn(page, server);
    await waitText(page, '#nav', 'Tasks');
    const sections = await page.$$eval('#nav a', (links) => links.map((a) => a.textContent));
    for (const wanted of ['Tasks', 'Calculator', 'Search', 'Admin', 'API docs']) {
      check(sections.includes(wanted), `the navigation lacks ${wanted}: ${sections}`);
    }
    await waitText(page, '.cards', 'succeeded');
    // A refresh keeps the session (the HttpOnly cookie), not the token.
    await page.reload({ waitUntil: 'networkidle0' });
    await waitText(page, '#who', 'admin');
  },

  async 'calculator-live'({ server, page }) {
    await server.api('PUT', '/api/v1/calculator/durations', { '+': 300, '-': 300, '*': 300, '/': 300 });
    await signIn(page, server);
    await page.goto(`${server.origin}/console#/p/calculator`, { waitUntil: 'networkidle0' });
    await page.waitForSelector('#calc-expression');
    await page.type('#calc-expression', '(1 + 2) * (3 + 4) - 10 / 5');
    await page.click('#calc-expression ~ button, form button[type=submit]');
    await waitText(page, '#calc-current', 'operations done');  // seen while it runs, without a reload
    await page.waitForSelector('#calc-current li.muted');      // an operation still to do
    await waitText(page, '#calc-result', '= 19', 20000);
    const done = await page.$$eval('#calc-current li.ok', (items) => items.length);
    check(done === 5, `5 operations shown done, saw ${done}`);
    // The last operation's task page draws its flow: what it waited for.
    const operations = (await server.api('GET', '/api/v1/tasks?type=calculator.operation')).items;
    let last = null;
    for (const operation of operations) {
      const task = await server.api('GET', `/api/v1/tasks/${operation.id}`);
      if (task.depends_on.length && !task.dependents.length) last = task;
    }
    check(last, 'the last operation waits for others');
    await page.goto(`${server.origin}/console#/tasks/${last.id}`, { waitUntil: 'networkidle0' });
    await waitText(page, 'main', 'Waits for');
    const drawn = await page.$$eval('main .tree a', (links) => links.length);
    check(drawn === 4, `the flow draws the 4 operations before the last, saw ${drawn}`);
  },

  async 'retry-dead-task'({ server, page }) {
    const file = join(server.dir, 'var', 'blobs', 'sales.csv');
    const header = Array.from({ length: 10 }, (_, i) => `c${i + 1}`).join(',');
    writeFileSync(file, `${header}\n1,2,3,4,5,6,7,8,9,oops\n`);
    const { task_id: id } = await server.api('POST', '/api/v1/csv-summer/tasks', { file: 'sales.csv' });
    const deadline = Date.now() + 15000;
    while ((await server.api('GET', `/api/v1/tasks/${id}`)).state !== 'dead') {
      check(Date.now() < deadline, 'the task with a bad cell never went dead');
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    writeFileSync(file, `${header}\n1,2,3,4,5,6,7,8,9,10\n1,2,3,4,5,6,7,8,9,32\n`);
    await signIn(page, server);
    await page.goto(`${server.origin}/console#/tasks/${id}`, { waitUntil: 'networkidle0' });
    await waitText(page, '#task-state', 'dead');
    await waitText(page, '#attempt-errors', 'attempt 1');
    await waitText(page, 'pre.error', 'oops');
    const [retry] = await page.$$('xpath/.//button[text()="Retry"]');
    check(retry, 'a dead task has a Retry button');
    await retry.click();
    await waitText(page, '#task-state', 'succeeded', 20000);
    await waitText(page, 'main', '"sum": 42');
  },

  async 'search-highlight'({ server, page }) {
    for (const name of ['Górnik Zabrze', 'Legia Warszawa', 'Lech Poznań']) {
      await server.api('POST', '/api/v1/notifications/teams', { name, short_name: name.slice(0, 3), country: 'PL' });
    }
    await signIn(page, server);
    await page.goto(`${server.origin}/console#/p/search-indexer`, { waitUntil: 'networkidle0' });
    await page.waitForSelector('#search-q');
    const deadline = Date.now() + 15000;
    for (;;) {
      await page.$eval('#search-q', (input) => { input.value = ''; });
      await page.type('#search-q', 'gornik');
      try {
        await page.waitForSelector('#search-hits mark', { timeout: 1500 });
        break;
      } catch (error) {
        check(Date.now() < deadline, 'the team never became searchable');
      }
    }
    const marked = await page.$eval('#search-hits mark', (mark) => mark.textContent);
    check(marked === 'Górnik', `the highlight marks the word as stored, saw ${marked}`);
    const hits = await page.$$eval('#search-hits li', (items) => items.length);
    check(hits === 1, `one team matches "gornik", saw ${hits}`);
  },

  async 'plugin-pages'({ server, page }) {
    const home = await server.api('POST', '/api/v1/notifications/teams', { name: 'Wisła Kraków', short_name: 'WIS', country: 'PL' });
    const away = await server.api('POST', '/api/v1/notifications/teams', { name: 'Lech Poznań', short_name: 'LPO', country: 'PL' });
    const match = await server.api('POST', '/api/v1/notifications/matches', {
      competition: 'Ekstraklasa', home_team_id: home.id, away_team_id: away.id,
      starts_at: new Date(Date.now() + 3600e3).toISOString() });
    const header = Array.from({ length: 10 }, (_, i) => `c${i + 1}`).join(',');
    writeFileSync(join(server.dir, 'var', 'blobs', 'q3.csv'), `${header}\n1,2,3,4,5,6,7,8,9,40\n0,0,0,0,0,0,0,0,0,2\n`);
    await signIn(page, server);
    for (const [id, heading] of [['steam-sync', 'Steam catalogue'], ['csv-summer', 'CSV summer'],
                                 ['notifications', 'Notifications']]) {
      await page.goto(`${server.origin}/console#/p/${id}`, { waitUntil: 'networkidle0' });
      await waitText(page, 'main h1', heading);
    }
    // A live inbox: follow a team, its match starts, the notice arrives.
    const follow = await page.waitForSelector('xpath/.//button[text()="Follow Wisła Kraków"]');
    await follow.click();
    await page.waitForSelector('xpath/.//button[text()="Unfollow Wisła Kraków"]');
    await server.api('PATCH', `/api/v1/notifications/matches/${match.id}`, { status: 'live' });
    await waitText(page, '#inbox li', 'Wisła Kraków', 20000);
    // A sum from the CSV page.
    // Only the hash changes, so goto returns before the page is mounted.
    await page.goto(`${server.origin}/console#/p/csv-summer`, { waitUntil: 'networkidle0' });
    const file = await page.waitForSelector('#csv-file');
    await file.type('q3.csv');
    await page.click('form button[type=submit]');
    await waitText(page, '#csv-tasks', 'c10: 42', 20000);
  },

  async 'phone-width'({ server, page }) {
    await page.setViewport({ width: 390, height: 844, isMobile: true });
    await signIn(page, server);
    for (const [hash, heading] of [['#/tasks', 'Tasks'], ['#/p/calculator', 'Calculator'], ['#/p/search-indexer', 'Search'],
                                   ['#/p/notifications', 'Notifications'], ['#/admin', 'Admin']]) {
      await page.goto(`${server.origin}/console${hash}`, { waitUntil: 'networkidle0' });
      await waitText(page, 'main h1', heading);
      const width = await page.evaluate(() => document.documentElement.scrollWidth);
      check(width <= 392, `${hash} is ${width} px wide on a 390 px screen`);
    }
    // Everything reachable from the keyboard has a visible name.
    const unnamed = await page.$$eval('button, input, select, a', (nodes) => nodes
      .filter((n) => !(n.textContent.trim() || n.getAttribute('aria-label') || (n.id && document.querySelector(`label[for="${n.id}"]`))))
      .map((n) => n.outerHTML.slice(0, 80)));
    check(unnamed.length === 0, `controls without a name: ${unnamed.join(' | ')}`);
  },

  async 'docs-try-it'({ server, page }) {
    await page.goto(`${server.origin}/docs`, { waitUntil: 'networkidle0' });
    await page.waitForSelector('.swagger-ui .opblock', { timeout: 15000 });
    // Authorize with a bearer token, then call GET /api/v1/auth/me.
    await page.click('.btn.authorize');
    await page.waitForSelector('.auth-container input');
    await page.type('.auth-container input', await server.adminToken());
    await page.click('.auth-btn-wrapper .authorize');
    await page.click('.btn-done');
    const me = await page.waitForSelector('xpath/.//*[contains(@class,"opblock-summary-path") and @data-path="/api/v1/auth/me"]');
    await me.click();
    await page.waitForSelector('.try-out__btn');
    await page.click('.try-out__btn');
    await page.click('.execute');
    await waitText(page, '.live-responses-table .response-col_status', '200');
    await waitText(page, '.live-responses-table .microlight', '"login": "admin"');
  },
};

await main(tests, ['calculator', 'csv-summer', 'notifications', 'search-indexer', 'steam-sync']);
