// The task system: counts by state per queue and type, throughput, workers,
// schedules, a filtered task list, and a task's page with its actions.
import { el, api, every, when, errorText, ApiError, authorization } from '/console/app.js';

const STATES = ['scheduled', 'queued', 'running', 'retrying', 'succeeded', 'dead', 'cancelled'];

function countsTable(title, groups) {
  const names = Object.keys(groups).sort();
  const states = STATES.filter((state) => names.some((name) => groups[name][state]));
  return el('div', { class: 'scroll' }, el('table', {},
    el('thead', {}, el('tr', {}, el('th', { scope: 'col' }, title), states.map((s) => el('th', { scope: 'col' }, s)))),
    el('tbody', {}, names.map((name) => el('tr', {},
      el('th', { scope: 'row' }, name), states.map((s) => el('td', {}, groups[name][s] || 0)))))));
}

// Tasks finished per minute, from this process's /metrics counters.
function throughput() {
  const samples = [];
  const line = el('p', { class: 'spark', 'aria-live': 'polite' }, 'measuring…');
  const finished = (text) => text.split('\n')
    .filter((row) => /^orchestra_tasks_(succeeded|failed|dead)_total/.test(row))
    .reduce((sum, row) => sum + Number(row.split(' ').pop()), 0);
  every(5000, async () => {
    const answer = await fetch('/metrics', { credentials: 'same-origin', headers: authorization() });
    if (!answer.ok) throw new Error(`/metrics answered ${answer.status}`);
    samples.push({ at: Date.now(), total: finished(await answer.text()) });
    if (samples.length > 61) samples.shift();
    if (samples.length < 2) return;
    const rates = [];
    for (let i = 1; i < samples.length; i++) {
      rates.push((samples[i].total - samples[i - 1].total) * 60000 / (samples[i].at - samples[i - 1].at));
    }
    const top = Math.max(...rates, 1);
    const bars = rates.map((rate) => '▁▂▃▄▅▆▇█'[Math.min(7, Math.floor(rate / top * 7.99))]).join('');
    line.textContent = `${Math.round(rates[rates.length - 1])} tasks/min now · ${bars}`;
  });
  return el('div', {}, el('h2', {}, 'Throughput (last 5 minutes, this process)'), line);
}

function listFilters(onchange) {
  const state = el('select', { id: 'f-state' }, el('option', { value: '' }, 'any'), STATES.map((s) => el('option', { value: s }, s)));
  const queue = el('input', { id: 'f-queue', placeholder: 'e.g. calculator', size: 12 });
  const type = el('input', { id: 'f-type', placeholder: 'e.g. calculator.operation', size: 18 });
  const text = el('input', { id: 'f-text', type: 'search', placeholder: 'id, payload, error', size: 16 });
  const form = el('form', { class: 'row', role: 'search', onsubmit: (e) => { e.preventDefault(); onchange(); } },
    el('label', { for: 'f-state' }, 'State', state), el('label', { for: 'f-queue' }, 'Queue', queue),
    el('label', { for: 'f-type' }, 'Type', type), el('label', { for: 'f-text' }, 'Text', text),
    el('button', { type: 'submit' }, 'Filter'));
  return { form, state, queue, type, text };
}

function taskList() {
  const body = el('tbody');
  const more = el('button', { class: 'quiet', hidden: true }, 'More');
  let cursor = null;
  const filters = listFilters(() => load(true).catch(failed));
  async function load(fresh) {
    if (fresh) { cursor = null; body.replaceChildren(); }
    const query = new URLSearchParams({ limit: '50' });
    for (const name of ['state', 'queue', 'type']) if (filters[name].value) query.set(name, filters[name].value.trim());
    if (cursor) query.set('cursor', cursor);
    const page = await api('GET', `/api/v1/tasks?${query}`);
    const needle = filters.text.value.trim().toLowerCase();
    for (const task of page.items) {
      if (needle && !JSON.stringify(task).toLowerCase().includes(needle)) continue;
      body.append(el('tr', {},
        el('td', {}, el('a', { href: `#/tasks/${task.id}` }, task.id.slice(0, 13) + '…')),
        el('td', {}, task.type), el('td', {}, task.queue), el('td', {}, task.state),
        el('td', {}, `${task.attempts}/${task.max_attempts}`), el('td', {}, when(task.created_at))));
    }
    cursor = page.next_cursor;
    more.hidden = !cursor;
  }
  const failed = (error) => body.replaceChildren(el('tr', {}, el('td', { colspan: 6, class: 'error' }, error.message)));
  more.addEventListener('click', () => load(false).catch(failed));
  load(true).catch(failed);
  return el('div', {}, el('h2', {}, 'Tasks'), filters.form,
    el('div', { class: 'scroll' }, el('table', { id: 'task-list' },
      el('thead', {}, el('tr', {}, ['id', 'type', 'queue', 'state', 'attempts', 'created'].map((h) => el('th', { scope: 'col' }, h)))),
      body)), more);
}

export async function tasksPage(main) {
  const cards = el('div', { class: 'cards', 'aria-live': 'polite' });
  const byQueue = el('div');
  const byType = el('div');
  const workers = el('tbody');
  const schedules = el('tbody');
  main.append(el('h1', {}, 'Tasks'), cards, throughput(),
    el('h2', {}, 'By queue'), byQueue, el('h2', {}, 'By type'), byType,
    el('h2', {}, 'Workers'), el('div', { class: 'scroll' }, el('table', {},
      el('thead', {}, el('tr', {}, ['name', 'queues', 'running', 'heartbeat'].map((h) => el('th', { scope: 'col' }, h)))), workers)),
    el('h2', {}, 'Schedules'), el('div', { class: 'scroll' }, el('table', {},
      el('thead', {}, el('tr', {}, ['name', 'spec', 'last fired', 'next fire'].map((h) => el('th', { scope: 'col' }, h)))), schedules)),
    taskList());
  every(3000, async () => {
    const stats = await api('GET', '/api/v1/tasks/stats');
    cards.replaceChildren(...STATES.map((state) => el('div', { class: 'card' }, el('strong', {}, stats.by_state[state] || 0), state)));
    byQueue.replaceChildren(countsTable('queue', stats.by_queue));
    byType.replaceChildren(countsTable('type', stats.by_type));
    const live = await api('GET', '/api/v1/workers');
    workers.replaceChildren(...live.items.map((w) => el('tr', {}, el('td', {}, w.name), el('td', {}, w.queues.join(', ')),
      el('td', {}, w.current_tasks.length ? w.current_tasks.map((id) => el('a', { href: `#/tasks/${id}` }, id.slice(0, 8) + ' ')) : '—'),
      el('td', {}, when(w.heartbeat_at)))));
    const planned = await api('GET', '/api/v1/schedules');
    schedules.replaceChildren(...planned.items.map((s) => el('tr', {}, el('td', {}, s.name), el('td', {}, s.spec),
      el('td', {}, s.last_task_id ? el('a', { href: `#/tasks/${s.last_task_id}` }, when(s.last_fire_at)) : when(s.last_fire_at)),
      el('td', {}, s.enabled ? when(s.next_fire_at) : 'disabled'))));
  });
}

function actions(task, reload) {
  const message = el('span', { role: 'status' });
  const labels = { retry: 'Retry', cancel: 'Cancel', rerun: 'Run again' };
  const act = (verb) => el('button', {
    onclick: async () => {
      message.textContent = '';
      try {
        const answer = await api('POST', `/api/v1/tasks/${task.id}/${verb}`);
        if (verb === 'rerun') location.hash = `#/tasks/${answer.id}`;
        else await reload();
      } catch (error) {
        message.textContent = error.message;
        message.className = 'error';
      }
    },
  }, labels[verb]);
  const buttons = [];
  if (['dead', 'cancelled'].includes(task.state)) buttons.push(act('retry'));
  if (['queued', 'scheduled', 'running', 'retrying'].includes(task.state)) buttons.push(act('cancel'));
  // A task of a flow needs its dependencies' results: it is retried, not run alone.
  if (['succeeded', 'dead', 'cancelled'].includes(task.state) && !task.depends_on.length) {
    buttons.push(act('rerun'));
  }
  return el('div', { class: 'row' }, buttons, message);
}

// The task's flow as a graph: what it waits for, and what waits for it,
// each link followed (at most 60 tasks drawn).
async function flowTree(ids, key, budget) {
  const items = [];
  for (const id of ids) {
    if (budget.left-- <= 0) {
      items.push(el('li', { class: 'muted' }, '…'));
      break;
    }
    const task = await api('GET', `/api/v1/tasks/${encodeURIComponent(id)}`);
    const next = task[key].length ? await flowTree(task[key], key, budget) : null;
    items.push(el('li', {}, el('a', { href: `#/tasks/${task.id}` }, task.type), ` ${task.state}`, next));
  }
  return el('ul', { class: 'tree' }, items);
}

async function flow(task) {
  if (!task.depends_on.length && !task.dependents.length) return null;
  const budget = { left: 60 };
  return el('div', {}, el('h2', {}, 'Flow'),
    task.depends_on.length ? el('div', {}, 'Waits for', await flowTree(task.depends_on, 'depends_on', budget)) : null,
    task.dependents.length ? el('div', {}, 'Then', await flowTree(task.dependents, 'dependents', budget)) : null);
}

export async function taskPage(main, id) {
  const view = el('div', { 'aria-live': 'polite' });
  main.append(el('p', {}, el('a', { href: '#/tasks' }, '← Tasks')), view);
  let shown = '';
  const reload = async () => {
    let task;
    try {
      task = await api('GET', `/api/v1/tasks/${encodeURIComponent(id)}`);
    } catch (error) {
      view.replaceChildren(error instanceof ApiError && error.status === 404 ? el('p', {}, 'No such task.') : errorText(error));
      return;
    }
    // Redrawn only when it changed: a focused button and a message stay.
    const seen = JSON.stringify(task);
    if (seen === shown) return;
    shown = seen;
    const progress = task.progress || { fraction: 0, message: '' };
    view.replaceChildren(...[
      el('h1', {}, task.type, ' ', el('span', { class: 'muted', id: 'task-state' }, task.state)),
      actions(task, reload),
      el('table', {}, el('tbody', {},
        [['id', task.id], ['queue', task.queue], ['attempts', `${task.attempts} of ${task.max_attempts}`],
         ['progress', el('span', {}, el('progress', { max: 1, value: progress.fraction }), ` ${Math.round(progress.fraction * 100)}% ${progress.message}`)],
         ['owner', task.owner || '—'], ['created', when(task.created_at)], ['started', when(task.started_at)],
         ['finished', when(task.finished_at)], ['unique key', task.unique_key || '—']]
          .map(([name, value]) => el('tr', {}, el('th', { scope: 'row' }, name), el('td', {}, value))))),
      el('h2', {}, 'Payload'), el('pre', {}, JSON.stringify(task.payload, null, 2)),
      el('h2', {}, 'Result'), el('pre', {}, JSON.stringify(task.result, null, 2)),
      task.attempt_errors.length ? [el('h2', {}, 'Failed attempts'), el('ol', { id: 'attempt-errors' },
        task.attempt_errors.map((failed) => el('li', { value: failed.attempt },
          el('small', { class: 'muted' }, `attempt ${failed.attempt} · ${when(failed.failed_at)}`),
          el('pre', { class: 'error' }, failed.error))))] : [],
      await flow(task)].flat().filter(Boolean));
  };
  every(2000, reload);
}
