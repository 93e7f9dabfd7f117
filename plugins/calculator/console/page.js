// The calculator's console page: submit an expression and watch its
// operations run as a tree, your recent expressions, and the agents
// computing them.
export default async function mount(root, app) {
  const { el, api, every, when } = app;
  const input = el('input', { id: 'calc-expression', size: 32, required: true, placeholder: '(2 + 3) * 4 - 10 / 5',
                              autocomplete: 'off' });
  const message = el('p', { role: 'alert', class: 'error' });
  const current = el('div', { id: 'calc-current', 'aria-live': 'polite' });
  const recent = el('tbody');
  const agents = el('tbody');
  let watching = null;

  const operand = (value, byIndex) => value.operation === undefined
    ? el('li', {}, el('code', {}, String(value.value)))
    : node(byIndex.get(value.operation), byIndex);
  const node = (operation, byIndex) => el('li', { class: operation.done ? 'ok' : 'muted' },
    `${operation.done ? '✓' : '…'} ${operation.negate ? '−(' : ''}a ${operation.operator} b${operation.negate ? ')' : ''}`,
    el('ul', { class: 'tree' }, operand(operation.left, byIndex), operand(operation.right, byIndex)));

  async function show(id) {
    const expression = await api('GET', `/api/v1/calculator/expressions/${id}`);
    const graph = await api('GET', `/api/v1/calculator/expressions/${id}/operations`);
    if (watching !== id) return;  // another expression was chosen meanwhile
    const byIndex = new Map(graph.items.map((operation) => [operation.index, operation]));
    const outcome = expression.status === 'ok' ? el('strong', { id: 'calc-result' }, `= ${expression.result}`)
      : expression.status === 'error' ? el('span', { class: 'error' }, expression.error.message)
      : el('span', {}, `${expression.operations_done} of ${expression.operations_total} operations done`);
    current.replaceChildren(
      el('h2', {}, el('code', {}, expression.expression), ' ', outcome),
      el('p', { class: 'muted' }, `status ${expression.status} · submitted ${when(expression.created_at)}`),
      el('progress', { max: Math.max(1, expression.operations_total), value: expression.operations_done,
                       'aria-label': 'operations done' }),
      graph.result.operation === undefined ? null : el('ul', { class: 'tree', 'aria-label': 'operations' },
        node(byIndex.get(graph.result.operation), byIndex)));
    if (expression.status === 'ok' || expression.status === 'error') watching = null;
  }

  const form = el('form', {
    class: 'row',
    onsubmit: async (event) => {
      event.preventDefault();
      message.textContent = '';
      try {
        const created = await api('POST', '/api/v1/calculator/expressions',
                                  { req_uid: crypto.randomUUID(), expression: input.value });
        watching = created.id;
        await show(created.id);
      } catch (error) {
        message.textContent = error.message;
      }
    },
  }, el('label', { for: 'calc-expression' }, 'Expression', input), el('button', { type: 'submit' }, 'Calculate'));

  root.append(el('h1', {}, 'Calculator'), form, message, current,
    el('h2', {}, 'Your recent expressions'), el('div', { class: 'scroll' }, el('table', {},
      el('thead', {}, el('tr', {}, ['expression', 'status', 'result', 'submitted'].map((h) => el('th', { scope: 'col' }, h)))), recent)),
    el('h2', {}, 'Agents'), el('div', { class: 'scroll' }, el('table', {},
      el('thead', {}, el('tr', {}, ['worker', 'computing power', 'running', 'last heartbeat', 'alive'].map((h) => el('th', { scope: 'col' }, h)))), agents)));

  every(500, async () => { if (watching) await show(watching); });
  // Recent expressions are links: chosen from the keyboard, they keep focus
  // unless the list changed.
  let listed = '';
  every(3000, async () => {
    const page = await api('GET', '/api/v1/calculator/expressions?limit=10');
    const seen = JSON.stringify(page.items);
    if (seen !== listed) recent.replaceChildren(...page.items.map((e) => el('tr', {},
      el('td', {}, el('a', { href: '#', onclick: (event) => { event.preventDefault(); watching = e.id; show(e.id); } }, e.expression)),
      el('td', {}, e.status), el('td', {}, e.result ?? (e.error ? e.error.message : '—')), el('td', {}, when(e.created_at)))));
    listed = seen;
    const live = await api('GET', '/api/v1/calculator/agents');
    agents.replaceChildren(...live.items.map((a) => el('tr', {}, el('td', {}, a.name), el('td', {}, a.computing_power),
      el('td', {}, a.operations_running), el('td', {}, when(a.last_heartbeat_at)), el('td', {}, a.alive ? 'yes' : 'no'))));
  });
}
